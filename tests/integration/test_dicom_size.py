"""A DICOM file too large to be read whole is a 413 that says how to send the recording."""

import io

import numpy as np

from auth.users import USER
from formats import dicom
from tests.ecg_files import dicom_ecg_bytes, ecg_like


def test_a_dicom_file_over_its_limit_is_a_413(app, signed_in, monkeypatch):
    headers, _ = signed_in("dicom-sender", USER)
    content = dicom_ecg_bytes(np.stack([ecg_like(5000, seed) for seed in range(12)], axis=1))
    monkeypatch.setattr(dicom, "MAX_DICOM_BYTES", len(content) - 1)
    response = app.test_client().post(
        "/api/v1/ecgs",
        data={"file": (io.BytesIO(content), "ecg.dcm")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 413, response.text
    assert response.json["error"] == "file_too_large"
    assert "EDF or WFDB" in response.json["message"]
