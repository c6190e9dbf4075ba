"""ECG files in (EDF/EDF+/BDF, WFDB, DICOM waveform) and EDF+ out; independent of Flask and Mongo.

Readers turn files into the domain's ``Recording``, the same value a JSON upload becomes.

The format of an upload is recognised from its content, never from its file name.
"""

import math
from dataclasses import dataclass
from pathlib import Path

from recordings.model import (
    MAX_LEADS,
    MAX_SAMPLING_FREQUENCY,
    Calibration,
    Recording,
    calibration_problem,
)

# Leads are read in blocks of about this many samples, so memory stays bounded.
BLOCK_SAMPLES = 1 << 18


class UnreadableFile(ValueError):
    """The file is of a supported format but malformed or truncated (400)."""


class UnsupportedFile(ValueError):
    """The file is of no supported format, or uses an unsupported variant (415)."""


class OversizedFile(ValueError):
    """The file is of a supported format, but larger than its reader may hold in memory (413)."""


@dataclass(frozen=True)
class UploadedFile:
    """One uploaded file part, spooled to a named temporary file."""

    filename: str
    path: Path

    def head(self, size: int = 512) -> bytes:
        with open(self.path, "rb") as file:
            return file.read(size)

    def quoted(self, error: Exception) -> str:
        """A library's error message without the server's temporary path in it."""
        return str(error).replace(str(self.path), repr(self.filename or "the file"))


def checked(format_name: str, recording: Recording) -> Recording:
    """Hold every format to what the service accepts from JSON."""
    frequency = recording.sampling_frequency
    if not (math.isfinite(frequency) and 0 < frequency <= MAX_SAMPLING_FREQUENCY):
        raise UnreadableFile(f"the {format_name} file's sampling frequency is {frequency} Hz")
    if not recording.leads:
        raise UnreadableFile(f"the {format_name} file has no signals")
    if len(recording.leads) > MAX_LEADS:
        raise UnsupportedFile(
            f"the {format_name} file has {len(recording.leads)} channels; at most "
            f"{MAX_LEADS} are accepted"
        )
    return recording


def header_number(text: str, format_name: str, what: str) -> float:
    """A finite number from a header field; anything else means the header is damaged."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise UnreadableFile(f"the {format_name} {what} {text[:20]!r} is not a number")
    return value


UNSPECIFIED_UNIT = "unspecified"


def calibration(unit: str, scale: float, baseline: float) -> Calibration | None:
    """A file's calibration, or None when it is unusable (zero, infinite, not a number, or
    beyond the bounds of ``calibration_problem``).

    Units longer than 16 characters are cut; an empty unit is "unspecified".
    """
    if calibration_problem(scale, baseline):
        return None
    return Calibration(unit=(unit.strip() or UNSPECIFIED_UNIT)[:16], scale=scale, baseline=baseline)


def read_recording(files: list[UploadedFile]) -> Recording:
    """Recognise the upload's format from its bytes and read it; its samples are read lazily."""
    from formats import dicom, edf, wfdb  # imported here: each pulls in its own reader library

    if not files:
        raise UnsupportedFile("send the recording as one or more 'file' parts")
    heads = [file.head() for file in files]
    if len(files) == 1 and edf.looks_like_edf(heads[0]):
        return checked("EDF", edf.read(files[0]))
    if len(files) == 1 and dicom.looks_like_dicom(heads[0]):
        return checked("DICOM", dicom.read(files[0]))
    if wfdb.looks_like_wfdb(heads):
        return checked("WFDB", wfdb.read(files))
    raise UnsupportedFile(
        "the upload is not a recognised ECG file: send one EDF/EDF+/BDF file, one DICOM "
        "waveform file, or a WFDB record (its .hea and .dat files, or one zip of them)"
    )
