"""Damaged files: whatever the damage, readers fail only with the errors the API turns into 4xx."""

import io
import os
import zipfile
from pathlib import Path

import edfio
import numpy as np
import pytest

from formats import UnreadableFile, UnsupportedFile, UploadedFile, read_recording
from tests.ecg_files import dicom_ecg_bytes, ecg_like, edf_bytes, wfdb_record

# `make fuzz` raises these (FORMAT_MUTATIONS) and draws new seeds (FORMAT_MUTATION_SEED).
MUTATIONS_PER_FORMAT = int(os.environ.get("FORMAT_MUTATIONS", "500"))
SEED = int(os.environ.get("FORMAT_MUTATION_SEED", "0"))
# edfio warns about the damage it meets; the assertions are about what it raises.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def bdf_bytes(leads: list[np.ndarray]) -> bytes:
    signals = [
        edfio.BdfSignal.from_digital(lead.astype(np.int32) * 100, 250, label=f"L{index}")
        for index, lead in enumerate(leads)
    ]
    buffer = io.BytesIO()
    edfio.Bdf(signals).write(buffer)
    return buffer.getvalue()


def valid_files() -> dict[str, list[tuple[str, bytes]]]:
    leads = [ecg_like(2500, seed) for seed in (1, 2)]
    header, data = wfdb_record(np.stack(leads, axis=1), "212")
    return {
        "edf": [("a.edf", edf_bytes(leads, labels=("I", "II")))],
        "bdf": [("a.bdf", bdf_bytes(leads))],
        "edf+": [("a.edf", edf_bytes(leads, labels=("I", "II"), annotations=True))],
        "dicom": [("a.dcm", dicom_ecg_bytes(np.stack(leads, axis=1)))],
        "wfdb": [("rec1.hea", header.encode()), ("rec1.dat", data)],
    }


def mutate(content: bytes, generator: np.random.Generator) -> bytes:
    """Overwrite a few random bytes, or cut the file short, or both."""
    damaged = bytearray(content)
    for _ in range(generator.integers(1, 6)):
        if damaged:
            damaged[generator.integers(0, len(damaged))] = generator.integers(0, 256)
    if generator.random() < 0.3:
        damaged = damaged[: generator.integers(0, len(damaged) + 1)]
    return bytes(damaged)


def read_everything(files: list[tuple[str, bytes]], directory: Path) -> None:
    uploads = []
    for index, (name, content) in enumerate(files):
        path = directory / f"part{index}"
        path.write_bytes(content)
        uploads.append(UploadedFile(name, path))
    recording = read_recording(uploads)
    for lead in recording.leads:
        for _ in lead.blocks():
            pass


@pytest.mark.parametrize("kind", ["edf", "edf+", "bdf", "dicom", "wfdb"])
def test_damaged_files_fail_only_with_client_errors(kind, tmp_path):
    generator = np.random.default_rng(SEED + sum(map(ord, kind)))
    originals = valid_files()[kind]
    unexpected = []
    for attempt in range(MUTATIONS_PER_FORMAT):
        target = generator.integers(0, len(originals))
        files = [
            (name, mutate(content, generator) if index == target else content)
            for index, (name, content) in enumerate(originals)
        ]
        try:
            read_everything(files, tmp_path)
        except (UnreadableFile, UnsupportedFile):
            pass
        except Exception as error:  # noqa: BLE001 - the point is to catch anything else
            unexpected.append(f"{attempt}: {type(error).__name__}: {error}")
    assert not unexpected, "\n".join(unexpected[:10])


def test_a_zipped_wfdb_record_survives_damage_too(tmp_path):
    leads = np.stack([ecg_like(1000, 3)], axis=1)
    header, data = wfdb_record(leads, "16")
    archive = tmp_path / "record.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("rec1.hea", header)
        bundle.writestr("rec1.dat", data)
    generator = np.random.default_rng(SEED + 7)
    unexpected = []
    for attempt in range(MUTATIONS_PER_FORMAT):
        try:
            read_everything([("r.zip", mutate(archive.read_bytes(), generator))], tmp_path)
        except (UnreadableFile, UnsupportedFile):
            pass
        except Exception as error:  # noqa: BLE001
            unexpected.append(f"{attempt}: {type(error).__name__}: {error}")
    assert not unexpected, "\n".join(unexpected[:10])
