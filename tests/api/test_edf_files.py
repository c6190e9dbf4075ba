"""EDF, EDF+ and BDF uploads."""

import numpy as np
import pytest

from analysis.zero_crossings import count_zero_crossings
from tests.ecg_files import ecg_like, edf_bytes
from tests.helpers import stored_samples, stored_zero_crossings


def upload(api, token, files, **fields):
    parts = [("file", (name, content, "application/octet-stream")) for name, content in files]
    return api.request("POST", "/api/v1/ecgs", token, files=parts, data=fields)


@pytest.fixture(scope="module")
def leads() -> list[np.ndarray]:
    return [ecg_like(250 * 60, seed) for seed in (1, 2, 3)]


def test_an_edf_file_becomes_an_ecg_with_names_frequency_and_units(api, user_token, leads):
    response = upload(api, user_token, [("holter.bin", edf_bytes(leads))], id="edf-1")
    assert response.status_code == 201, response.text
    ecg = response.json()
    assert ecg["id"] == "edf-1"
    assert ecg["sampling_frequency"] == 250
    assert ecg["date"] == "2024-05-01T10:30:00Z"
    assert [lead["name"] for lead in ecg["leads"]] == ["ECG I", "ECG II", "ECG V1"]
    for lead in ecg["leads"]:
        assert lead["number_of_samples"] == 250 * 60
        assert lead["calibration"]["unit"] == "uV"
        assert lead["calibration"]["scale"] == pytest.approx(0.1)
        assert lead["calibration"]["baseline"] == pytest.approx(0, abs=1e-6)


def test_edf_samples_and_insights_are_those_of_the_file(api, user_token, leads):
    upload(api, user_token, [("x.edf", edf_bytes(leads))], id="edf-2")
    assert stored_zero_crossings(api, user_token, "edf-2") == [
        count_zero_crossings(samples) for samples in leads
    ]
    stored = stored_samples(api, user_token, "edf-2", "ECG II", 100, 9000)
    assert stored == leads[1][100:9000].tolist()


def test_edf_plus_annotations_are_not_taken_for_leads(api, user_token, leads):
    response = upload(api, user_token, [("x.edf", edf_bytes(leads[:2], annotations=True))])
    assert response.status_code == 201, response.text
    assert [lead["name"] for lead in response.json()["leads"]] == ["ECG I", "ECG II"]


def test_form_fields_override_the_files_date(api, user_token, leads):
    response = upload(
        api, user_token, [("x.edf", edf_bytes(leads))], date="2023-01-02T03:04:05+01:00"
    )
    assert response.json()["date"] == "2023-01-02T02:04:05Z"


def test_leads_at_different_frequencies_are_refused(api, user_token):
    import edfio

    signals = [
        edfio.EdfSignal.from_digital(ecg_like(2500, 1), 250, label="A"),
        edfio.EdfSignal.from_digital(ecg_like(5000, 2), 500, label="B"),
    ]
    import io

    buffer = io.BytesIO()
    edfio.Edf(signals).write(buffer)
    response = upload(api, user_token, [("x.edf", buffer.getvalue())])
    assert response.status_code == 415
    assert "different sampling frequencies" in response.json()["message"]


@pytest.mark.parametrize(
    "cut", [100, 256 + 100, -1000], ids=["inside header", "inside signal headers", "inside data"]
)
def test_a_truncated_edf_is_a_400_and_stores_nothing(api, user_token, leads, cut):
    content = edf_bytes(leads)[:cut]
    response = upload(api, user_token, [("x.edf", content)], id="truncated")
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "unreadable_file"
    assert api.request("GET", "/api/v1/ecgs/truncated", user_token).status_code == 404


@pytest.mark.parametrize(
    "content",
    [b"", b"hello, this is not an ECG", bytes(range(256)) * 10, b"PK\x03\x04 not really a zip"],
    ids=["empty", "text", "binary", "fake zip"],
)
def test_unrecognised_files_are_a_415(api, user_token, content):
    response = upload(api, user_token, [("ecg.edf", content)])
    assert response.status_code in (400, 415), response.text
    assert response.json()["error"] in ("unsupported_file", "unreadable_file")


def test_a_multipart_request_without_files_is_a_400_naming_the_file_part(api, user_token):
    """The media type is one the endpoint takes (not a 415): the form lacks its required part."""
    response = api.request("POST", "/api/v1/ecgs", user_token, files={"id": (None, "x")})
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert [detail["field"] for detail in response.json()["details"]] == ["file"]


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ([("file", (f"{i}.hea", b"x")) for i in range(1001)], "1000 parts"),
        ({"id": (None, "x" * 600_000)}, "a text field over the 500000 bytes"),
    ],
    ids=["1001 parts", "600 kB id"],
)
def test_a_form_over_its_part_limits_is_told_which(api, user_token, files, named):
    """Found in review: both were answered as a body over the 2 GiB file upload limit."""
    response = api.request("POST", "/api/v1/ecgs", user_token, files=files)
    assert response.status_code == 413
    assert named in response.json()["message"]


def test_unknown_form_fields_are_a_400(api, user_token, leads):
    response = upload(api, user_token, [("x.edf", edf_bytes(leads))], patient="Jane Doe")
    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == "patient"


def test_file_uploads_have_their_own_size_limit(api, user_token):
    if not api.local:
        pytest.skip("the limit of an external server is unknown")
    over_file_limit = b"0" * (9 * 1024 * 1024)  # the test server allows 8 MiB of files
    response = upload(api, user_token, [("big.edf", over_file_limit)])
    assert response.status_code == 413
    assert response.json()["error"] == "request_entity_too_large"


def test_an_inverted_physical_range_gives_a_negative_scale(api, user_token):
    import io

    import edfio

    signal = edfio.EdfSignal.from_digital(
        ecg_like(1000, 4),
        100,
        label="I",
        physical_dimension="uV",
        physical_range=(3276.7, -3276.8),
        digital_range=(-32768, 32767),
    )
    buffer = io.BytesIO()
    edfio.Edf([signal]).write(buffer)
    response = upload(api, user_token, [("inverted.edf", buffer.getvalue())])
    assert response.status_code == 201, response.text
    assert response.json()["leads"][0]["calibration"]["scale"] == pytest.approx(-0.1)
