"""EDF, EDF+ and BDF files, read with edfio."""

import datetime as dt
import functools
from collections.abc import Iterator

import edfio
import numpy as np

from formats import (
    BLOCK_SAMPLES,
    UnreadableFile,
    UnsupportedFile,
    UploadedFile,
    calibration,
)
from formats.leads import lead_names
from recordings.model import Calibration, LeadInput, Recording

BDF_MAGIC = b"\xffBIOSEMI"


def looks_like_edf(head: bytes) -> bool:
    """EDF starts with version "0" padded to 8 bytes; BDF with 0xFF "BIOSEMI"."""
    return head[:8] in (b"0       ", BDF_MAGIC)


def read(upload: UploadedFile) -> Recording:
    """Read the header now; each lead's samples are read later, some data records at a time."""
    is_bdf = upload.head(8) == BDF_MAGIC
    try:
        # Lazy loading reads only the header; BDF is not lazily loadable, so it is read whole.
        recording = edfio.read_edf(upload.path, lazy_load_data=not is_bdf)
        check_data_length(upload, recording, bytes_per_sample=3 if is_bdf else 2)
    except UnreadableFile:
        raise
    except Exception as error:  # edfio raises many types for malformed input
        raise UnreadableFile(f"the EDF file could not be read: {error}") from None
    try:
        # edfio parses these header fields only when asked, so damage surfaces here.
        signals = list(recording.signals)  # annotation signals excluded
        frequencies = {signal.sampling_frequency for signal in signals}
        calibrations = [calibration_of(signal) for signal in signals]
        labels = [signal.label for signal in signals]
    except Exception as error:
        raise UnreadableFile(f"the EDF file's signal headers are unusable: {error}") from None
    if not signals:
        raise UnreadableFile("the EDF file has no signals")
    if len(frequencies) > 1:
        raise UnsupportedFile(
            "the EDF file's signals have different sampling frequencies "
            f"({', '.join(f'{f:g}' for f in sorted(frequencies))} Hz); upload them separately"
        )
    leads = [
        LeadInput(name, functools.partial(signal_blocks, signal, recording), signal_calibration)
        for name, signal, signal_calibration in zip(
            lead_names(labels), signals, calibrations, strict=True
        )
    ]
    return Recording(leads, frequencies.pop(), date=start_time(recording))


def check_data_length(upload: UploadedFile, recording: edfio.Edf, bytes_per_sample: int) -> None:
    """Refuse a file shorter than its header says.

    edfio would quietly lower the record count of a truncated file (with a warning), dropping
    the end of the recording; the header's own count is what the file promised.
    """
    header = upload.head(recording.bytes_in_header_record)
    declared_records = int(header[236:244])
    if declared_records < 0:  # -1: the recorder never wrote the count; nothing to hold it to
        return
    signal_count = int(header[252:256])
    fields_start = 256 + signal_count * 216  # samples per record follow the other signal fields
    samples_per_record = sum(
        int(header[fields_start + 8 * i : fields_start + 8 * (i + 1)]) for i in range(signal_count)
    )
    expected = (
        recording.bytes_in_header_record + declared_records * samples_per_record * bytes_per_sample
    )
    actual = upload.path.stat().st_size
    if actual < expected:
        raise UnreadableFile(
            f"the EDF file is truncated: {actual} bytes of the {expected} announced"
        )


def start_time(recording: edfio.Edf) -> dt.datetime | None:
    """The recording's start, read as UTC (EDF has no time zone); None if anonymised ("X")."""
    try:
        return dt.datetime.combine(recording.startdate, recording.starttime, tzinfo=dt.UTC)
    except (ValueError, AttributeError):
        return None


def signal_blocks(signal: edfio.EdfSignal, recording: edfio.Edf) -> Iterator[np.ndarray]:
    """A signal's digital samples, in blocks of whole data records."""
    records_per_block = max(1, BLOCK_SAMPLES // max(1, signal.samples_per_data_record))
    record_seconds = recording.data_record_duration
    try:
        for first in range(0, recording.num_data_records, records_per_block):
            last = min(first + records_per_block, recording.num_data_records)
            block = signal.get_digital_slice(first * record_seconds, last * record_seconds)
            yield np.asarray(block, dtype=np.int32)
    except Exception as error:  # a truncated data section surfaces only when it is read
        raise UnreadableFile(f"the EDF file's data could not be read: {error}") from None


def calibration_of(signal: edfio.EdfSignal) -> Calibration | None:
    """EDF maps [digital_min, digital_max] linearly onto [physical_min, physical_max]."""
    digital_min, digital_max = signal.digital_range
    physical_min, physical_max = signal.physical_range
    if digital_max == digital_min or physical_max == physical_min:
        return None
    scale = (physical_max - physical_min) / (digital_max - digital_min)
    return calibration(signal.physical_dimension, scale, digital_min - physical_min / scale)
