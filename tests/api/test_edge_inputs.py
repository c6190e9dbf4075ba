"""Inputs at the edges that once answered 500: each is now a 4xx naming the problem."""

import io
import json
import socket
import zipfile
from urllib.parse import urlsplit

import numpy as np
import pytest

from tests.ecg_files import dicom_ecg_bytes, ecg_like, edf_bytes, wfdb_record

EDGE_DATES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]


@pytest.mark.parametrize("date", EDGE_DATES)
def test_a_json_date_whose_utc_leaves_the_calendar_is_a_400(api, user_token, date):
    body = {"date": date, "leads": [{"name": "I", "signal": [1]}]}
    response = api.request("POST", "/api/v1/ecgs", user_token, json=body)
    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == "date"


@pytest.mark.parametrize("date", EDGE_DATES)
def test_a_form_date_whose_utc_leaves_the_calendar_is_a_400(api, user_token, date):
    header, data = wfdb_record(np.zeros((10, 1), dtype=np.int16))
    files = [("file", ("rec1.hea", header.encode())), ("file", ("rec1.dat", data))]
    response = api.request("POST", "/api/v1/ecgs", user_token, files=files, data={"date": date})
    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == "date"


def test_a_dicom_acquisition_time_whose_utc_leaves_the_calendar_is_a_400(api, user_token):
    content = dicom_ecg_bytes(np.zeros((10, 12), dtype=np.int16), acquired="99991231235959-1200")
    response = api.request("POST", "/api/v1/ecgs", user_token, files={"file": ("x.dcm", content)})
    assert response.status_code == 400
    assert "calendar" in response.json()["message"]


def wfdb_upload(api, token, header: str, data: bytes = b"\x00" * 40):
    files = [("file", ("rec1.hea", header.encode("latin-1"))), ("file", ("rec1.dat", data))]
    return api.request("POST", "/api/v1/ecgs", token, files=files)


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("rec1 1 e 10\nrec1.dat 16 200/mV 16 0 0 0 0 I\n", "sampling frequency"),
        ("rec1 1 360 10\nrec1.dat 16 1e5e5/mV 16 0 0 0 0 I\n", "gain"),
        ("rec1 1 360 10\nrec1.dat 16+1a 200/mV 16 0 0 0 0 I\n", "byte offset"),
        (f"rec1 1 360 10\nrec1.dat 16 200/mV 16 0 0 0 0 I\n#{'x' * 5000}\u00e9\n", "not ASCII"),
    ],
    ids=["frequency e", "gain 1e5e5", "byte offset 1a", "not ASCII past 4 KiB"],
)
def test_a_damaged_wfdb_header_is_a_400(api, user_token, header, problem):
    response = wfdb_upload(api, user_token, header)
    assert response.status_code == 400, response.text
    assert problem in response.json()["message"]


@pytest.mark.parametrize(
    "header", ["", "# only a comment\n# and another\n"], ids=["empty", "comments"]
)
def test_a_zip_whose_header_says_nothing_is_a_400(api, user_token, header):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("rec1.hea", header)
        archive.writestr("rec1.dat", b"\x00" * 40)
    response = api.request(
        "POST", "/api/v1/ecgs", user_token, files={"file": ("rec.zip", buffer.getvalue())}
    )
    assert response.status_code == 400, response.text
    assert "no record line" in response.json()["message"]


def test_an_edf_announcing_a_negative_number_of_signals_is_a_400(api, user_token):
    header = b"0       " + b" " * 160 + b"01.05.2410.30.00" + b"256     " + b" " * 44
    header += b"1       1       -1  "
    response = api.request("POST", "/api/v1/ecgs", user_token, files={"file": ("x.edf", header)})
    assert response.status_code == 400, response.text
    assert "-1 signals" in response.json()["message"]


def test_a_json_upload_sent_in_chunks_without_a_length_is_read_whole(api, user_token):
    body = json.dumps({"id": "chunked", "leads": [{"name": "I", "signal": list(range(-500, 500))}]})
    pieces = (body[start : start + 1000].encode() for start in range(0, len(body), 1000))
    headers = {"Content-Type": "application/json"}  # a generator body goes chunked
    response = api.request("POST", "/api/v1/ecgs", user_token, data=pieces, headers=headers)
    assert response.status_code == 201, response.text
    stored = api.request("GET", "/api/v1/ecgs/chunked/leads/I/signal", user_token)
    assert stored.json()["samples"] == list(range(-500, 500))


def test_a_body_shorter_than_its_declared_length_is_a_400(api, user_token):
    body = json.dumps({"id": "short", "leads": [{"name": "I", "signal": [1, 2, 3]}]}).encode()
    host, port = urlsplit(api.base_url).hostname, urlsplit(api.base_url).port
    head = (
        "POST /api/v1/ecgs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {user_token}\r\nContent-Length: {len(body) + 10}\r\n\r\n"
    )
    with socket.create_connection((host, port), timeout=30) as connection:
        connection.sendall(head.encode() + body)
        connection.shutdown(socket.SHUT_WR)  # complete JSON, ten bytes short of its length
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["error"] == "incomplete_body"
    assert api.request("GET", "/api/v1/ecgs/short", user_token).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        b'{"id\\u0000": "x", "leads": [{"name": "I", "signal": [1]}]}',
        b'{"leads": [{"name": "I", "signal": [1], "gain\\u0000": 2}]}',
    ],
    ids=["upload key", "lead key"],
)
def test_a_key_holding_a_nul_character_is_a_400(api, user_token, body):
    """Found in review: simdjson cannot look such a key up by its name, which was a 500."""
    headers = {"Content-Type": "application/json"}
    response = api.request("POST", "/api/v1/ecgs", user_token, data=body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "validation_error"


def edf_with(field: slice, text: str) -> bytes:
    """A one-lead EDF with ``field`` of its header overwritten by ``text``."""
    content = bytearray(edf_bytes([ecg_like(500, 1)], labels=("ECG I",)))
    content[field] = text.ljust(field.stop - field.start).encode("ascii")
    return bytes(content)


@pytest.mark.parametrize(
    ("content", "status"),
    [
        # Physical range 0 to 1e-320: the step underflows to zero; the calibration is dropped.
        (edf_with(slice(360, 368), "0").replace(b"3276.7  ", b"1e-320  ", 1), 201),
        # No EDF+ date: the header's dd.mm.yy is read instead.
        (edf_with(slice(88, 168), "Startdate 01-MAY-99999999999999999999 X X X"), 201),
    ],
    ids=["physical range narrower than a float", "year beyond a C long"],
)
def test_an_edf_header_beyond_floats_and_integers_is_not_a_500(api, user_token, content, status):
    """Found in review: these raised ZeroDivisionError and OverflowError, answered 500."""
    response = api.request("POST", "/api/v1/ecgs", user_token, files={"file": ("x.edf", content)})
    assert response.status_code == status, response.text


def test_a_wfdb_header_announcing_zero_samples_is_read_to_the_end_of_its_file(api, user_token):
    """Found in review: header(5) says 0 leaves the count unspecified; it was a 400 empty_lead."""
    header, data = wfdb_record(np.stack([ecg_like(1000, 1), ecg_like(1000, 2)], axis=1))
    response = wfdb_upload(api, user_token, header.replace("rec1 2 360 1000", "rec1 2 360 0"), data)
    assert response.status_code == 201, response.text
    assert [lead["number_of_samples"] for lead in response.json()["leads"]] == [1000, 1000]
