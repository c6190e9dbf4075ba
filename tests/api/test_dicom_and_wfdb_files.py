"""DICOM waveform and WFDB uploads."""

import io
import zipfile

import numpy as np
import pytest

from analysis.zero_crossings import count_zero_crossings
from tests.ecg_files import dicom_ecg_bytes, ecg_like, pack_212, wfdb_record
from tests.helpers import stored_samples, stored_zero_crossings


def upload(api, token, files, **fields):
    parts = [("file", (name, content, "application/octet-stream")) for name, content in files]
    return api.request("POST", "/api/v1/ecgs", token, files=parts, data=fields)


@pytest.fixture(scope="module")
def twelve_leads() -> np.ndarray:
    return np.stack([ecg_like(5000, seed, amplitude=3000) for seed in range(12)], axis=1)


@pytest.mark.parametrize(
    "storage_class",
    ["1.2.840.10008.5.1.4.1.1.9.1.1", "1.2.840.10008.5.1.4.1.1.9.1.2"],
    ids=["12-lead ECG", "general ECG"],
)
def test_a_dicom_ecg_becomes_an_ecg(api, user_token, twelve_leads, storage_class):
    content = dicom_ecg_bytes(twelve_leads, storage_class=storage_class)
    response = upload(api, user_token, [("ecg.dcm", content)], id="dicom")
    assert response.status_code == 201, response.text
    ecg = response.json()
    assert ecg["sampling_frequency"] == 500
    assert ecg["date"] == "2024-05-01T08:30:00Z"
    assert [lead["name"] for lead in ecg["leads"]][:3] == ["I", "II", "III"]
    assert ecg["leads"][0]["calibration"] == {"unit": "uV", "scale": 2.5, "baseline": 0.0}
    assert stored_samples(api, user_token, "dicom", "V6", 0, 5000) == twelve_leads[:, 11].tolist()
    assert stored_zero_crossings(api, user_token, "dicom") == [
        count_zero_crossings(twelve_leads[:, i]) for i in range(12)
    ]


def test_a_dicom_file_that_is_not_an_ecg_is_a_415(api, user_token, twelve_leads):
    content = dicom_ecg_bytes(twelve_leads, storage_class="1.2.840.10008.5.1.4.1.1.2")  # CT
    response = upload(api, user_token, [("scan.dcm", content)])
    assert response.status_code == 415
    assert "not an ECG waveform" in response.json()["message"]


def test_a_truncated_dicom_ecg_is_a_400(api, user_token, twelve_leads):
    content = dicom_ecg_bytes(twelve_leads)[:-5000]
    response = upload(api, user_token, [("ecg.dcm", content)], id="cut")
    assert response.status_code == 400
    assert response.json()["error"] == "unreadable_file"
    assert api.request("GET", "/api/v1/ecgs/cut", user_token).status_code == 404


def test_format_212_matches_a_vector_computed_by_hand():
    # 1 -> 0x001 and -1 -> 0xFFF share the bytes 01, F0 (low nibble 0, high nibble F), FF.
    assert pack_212(np.array([1, -1])) == bytes([0x01, 0xF0, 0xFF])
    assert pack_212(np.array([2047, -2048])) == bytes([0xFF, 0x87, 0x00])


@pytest.mark.parametrize("fmt", ["16", "212"])
@pytest.mark.parametrize("packaging", ["two parts", "zip"])
def test_a_wfdb_record_becomes_an_ecg(api, user_token, fmt, packaging):
    leads = np.stack([ecg_like(3601, seed, amplitude=2000) for seed in (4, 5)], axis=1)
    header, data = wfdb_record(leads, fmt)
    if packaging == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("rec1.hea", header)
            archive.writestr("rec1.dat", data)
        files = [("record.zip", buffer.getvalue())]
    else:
        files = [("rec1.hea", header.encode()), ("rec1.dat", data)]
    ecg_id = f"wfdb-{fmt}-{packaging.replace(' ', '-')}"
    response = upload(api, user_token, files, id=ecg_id)
    assert response.status_code == 201, response.text
    ecg = response.json()
    assert ecg["sampling_frequency"] == 360
    assert ecg["date"] == "2024-05-01T10:30:00Z"
    assert [lead["name"] for lead in ecg["leads"]] == ["leadA", "leadB"]
    assert ecg["leads"][0]["number_of_samples"] == 3601
    assert ecg["leads"][0]["calibration"] == {"unit": "mV", "scale": 0.005, "baseline": 0.0}
    for index, name in enumerate(["leadA", "leadB"]):
        assert stored_samples(api, user_token, ecg_id, name, 0, 3601) == leads[:, index].tolist()


def test_a_wfdb_record_missing_its_signal_file_is_a_400(api, user_token):
    header, _ = wfdb_record(np.zeros((10, 2), dtype=np.int16))
    response = upload(api, user_token, [("rec1.hea", header.encode())])
    assert response.status_code == 400
    assert "missing" in response.json()["message"]


def test_a_wfdb_signal_file_shorter_than_announced_is_a_400(api, user_token):
    header, data = wfdb_record(np.ones((1000, 2), dtype=np.int16))
    response = upload(api, user_token, [("rec1.hea", header.encode()), ("rec1.dat", data[:-10])])
    assert response.status_code == 400
    assert response.json()["error"] == "unreadable_file"


def test_an_unsupported_wfdb_format_is_a_415(api, user_token):
    header, data = wfdb_record(np.ones((10, 1), dtype=np.int16))
    header = header.replace(" 16 ", " 310 ")
    response = upload(api, user_token, [("rec1.hea", header.encode()), ("rec1.dat", data)])
    assert response.status_code == 415
    assert "310" in response.json()["message"]
