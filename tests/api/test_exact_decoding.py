"""Every file decodes exactly: each format's samples, stored and read back through the API, equal
what that format's reference library reads from the same file."""

import datetime as dt
import io
import zipfile

import edfio
import numpy as np
import pytest
import wfdb
from pydicom import dcmread
from pydicom.waveforms.numpy_handler import multiplex_array

from tests.ecg_files import dicom_ecg_bytes, ecg_like, edf_bytes
from tests.helpers import stored_samples

INT24 = (-(1 << 23), (1 << 23) - 1)


def upload_files(api, token, ecg_id: str, files: list[tuple[str, bytes]]):
    parts = [("file", (name, content, "application/octet-stream")) for name, content in files]
    return api.request("POST", "/api/v1/ecgs", token, files=parts, data={"id": ecg_id})


def stored_leads(api, token, ecg_id: str) -> dict[str, np.ndarray]:
    """Every lead's samples as stored, read back through the signal endpoint."""
    metadata = api.request("GET", f"/api/v1/ecgs/{ecg_id}", token).json()
    return {
        lead["name"]: np.array(
            [
                sample
                for start in range(0, lead["number_of_samples"], 100_000)
                for sample in stored_samples(
                    api,
                    token,
                    ecg_id,
                    lead["name"],
                    start,
                    min(lead["number_of_samples"], start + 100_000),
                )
            ]
        )
        for lead in metadata["leads"]
    }


def bdf_bytes(digital: list[np.ndarray], frequency: int = 256) -> bytes:
    signals = [
        edfio.BdfSignal.from_digital(
            samples,
            frequency,
            label=f"EXG{index}",
            physical_dimension="uV",
            physical_range=(-262144.0, 262143.97),
            digital_range=INT24,
        )
        for index, samples in enumerate(digital, 1)
    ]
    buffer = io.BytesIO()
    edfio.Bdf(signals, starttime=dt.time(9, 0, 0)).write(buffer)
    return buffer.getvalue()


def test_bdf_is_read_as_24_bit_samples(api, user_token):
    generator = np.random.default_rng(3)
    digital = [generator.integers(*INT24, 256 * 20, endpoint=True).astype(np.int32)]
    digital[0][:4] = [INT24[0], INT24[1], -1, 0]  # the extremes and the sign boundary
    content = bdf_bytes(digital + [ecg_like(256 * 20, 9).astype(np.int32) * 100])
    response = upload_files(api, user_token, "bdf-exact", [("x.bdf", content)])
    assert response.status_code == 201, response.text
    reference = edfio.read_bdf(io.BytesIO(content))
    stored = stored_leads(api, user_token, "bdf-exact")
    assert list(stored) == ["EXG1", "EXG2"]
    for signal, samples in zip(reference.signals, stored.values(), strict=True):
        assert np.array_equal(samples, signal.digital)


def test_edf_data_past_the_declared_records_is_ignored(api, user_token):
    leads = [ecg_like(250 * 10, seed) for seed in (1, 2)]
    content = edf_bytes(leads)
    record = 2 * 250 * 2  # one second of two int16 leads
    padded = content + bytes(range(256)) * (3 * record // 256)
    response = upload_files(api, user_token, "edf-past-end", [("x.edf", padded)])
    assert response.status_code == 201, response.text
    reference = edfio.read_edf(io.BytesIO(content))
    stored = stored_leads(api, user_token, "edf-past-end")
    for signal, samples in zip(reference.signals, stored.values(), strict=True):
        assert np.array_equal(samples, signal.digital)


@pytest.mark.parametrize("fmt", ["16", "212", "80", "24", "32", "61"])
def test_wfdb_formats_read_as_the_wfdb_package_reads_them(api, user_token, tmp_path, fmt):
    bits = {"80": 8, "212": 12, "16": 16, "61": 16, "24": 24, "32": 32}[fmt]
    low, high = -(1 << (bits - 1)) + 1, (1 << (bits - 1)) - 1  # the minimum is WFDB's "no value"
    generator = np.random.default_rng(int(fmt))
    digital = generator.integers(low, high, (3601, 2), endpoint=True).astype(np.int32)
    digital[:2, 0] = [low, high]
    written = "16" if fmt == "61" else fmt  # wfdb reads format 61 but cannot write it
    wfdb.wrsamp(
        "exact",
        fs=360,
        units=["mV", "mV"],
        sig_name=["MLII", "V5"],
        d_signal=digital,
        fmt=[written, written],
        adc_gain=[200.0, 200.0],
        baseline=[0, 0],
        write_dir=str(tmp_path),
    )
    if fmt == "61":  # the same samples big-endian, and the header saying so
        (tmp_path / "exact.dat").write_bytes(digital.astype(">i2").tobytes())
        header = (tmp_path / "exact.hea").read_text().replace("exact.dat 16 ", "exact.dat 61 ")
        (tmp_path / "exact.hea").write_text(header)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        for name in ("exact.hea", "exact.dat"):
            bundle.write(tmp_path / name, name)
    response = upload_files(api, user_token, f"wfdb-{fmt}", [("exact.zip", archive.getvalue())])
    assert response.status_code == 201, response.text
    reference = wfdb.rdrecord(str(tmp_path / "exact"), physical=False).d_signal
    stored = stored_leads(api, user_token, f"wfdb-{fmt}")
    assert list(stored) == ["MLII", "V5"]
    for column, samples in enumerate(stored.values()):
        assert np.array_equal(samples, reference[:, column])


def test_dicom_waveforms_read_as_pydicom_reads_them(api, user_token):
    leads = np.stack([ecg_like(5000, seed) for seed in range(12)], axis=1)
    leads[0, 0], leads[1, 0] = -32768, 32767
    content = dicom_ecg_bytes(leads)
    response = upload_files(api, user_token, "dicom-exact", [("x.dcm", content)])
    assert response.status_code == 201, response.text
    reference = multiplex_array(dcmread(io.BytesIO(content)), 0, as_raw=True)
    stored = stored_leads(api, user_token, "dicom-exact")
    assert len(stored) == 12
    for column, samples in enumerate(stored.values()):
        assert np.array_equal(samples, reference[:, column])
