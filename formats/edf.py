"""EDF, EDF+ and BDF files: the header parsed here, data records read lazily, a block at a time.

BDF is EDF with 24-bit samples (its first byte is 0xFF, then "BIOSEMI"); EDF+ and BDF+ add
annotation signals, which are not leads. Only the data records the header declares are read:
data past them is ignored (the record count is where the standard says the recording ends), and
a file shorter than its header announces is refused. Every count is held to its limit before
any per-signal work, so a header declaring thousands of signals costs nothing.
"""

import datetime as dt
import functools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np

from formats import (
    BLOCK_SAMPLES,
    UnreadableFile,
    UnsupportedFile,
    UploadedFile,
    calibration,
    header_number,
)
from formats.leads import lead_names
from recordings.model import MAX_LEADS, Calibration, LeadInput, Recording

EDF_MAGIC = b"0       "
BDF_MAGIC = b"\xffBIOSEMI"
ANNOTATION_LABELS = ("EDF Annotations", "BDF Annotations")
# EDF+ begins each data record's annotations with "+X" 0x14 0x14 (a time-keeping TAL, whose first
# annotation is empty; more may follow): the record starts X seconds after the header's start
# time (EDF+ 2.2.4), so the first record's X is where the recording starts: a fraction of a
# second the header cannot hold, or more. Nothing else there moves the start (a file that says
# otherwise keeps the header's time). Ten digits of seconds are over 300 years.
FIRST_RECORD_ONSET = re.compile(rb"\+(\d{1,10}(?:\.\d{1,12})?)\x14\x14")
MICROSECOND = Decimal("0.000001")
# Leads, plus room for the annotation signals EDF+ files carry (usually one).
MAX_SIGNALS = MAX_LEADS + 8
# The standard recommends records of at most 61440 bytes; far larger ones would make one block
# of reading a large allocation.
MAX_RECORD_SAMPLES = 1 << 22
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
# Per-signal header fields, in file order: (name, width).
SIGNAL_FIELDS = (
    ("label", 16),
    ("transducer", 80),
    ("dimension", 8),
    ("physical_min", 8),
    ("physical_max", 8),
    ("digital_min", 8),
    ("digital_max", 8),
    ("prefiltering", 80),
    ("samples_per_record", 8),
    ("reserved", 32),
)


@dataclass(frozen=True)
class SignalHeader:
    """One signal's header fields."""

    label: str
    dimension: str
    physical_range: tuple[float, float]
    digital_range: tuple[int, int]
    samples_per_record: int
    offset: int  # of its first sample within a data record, in samples

    @property
    def is_annotation(self) -> bool:
        return self.label in ANNOTATION_LABELS


@dataclass(frozen=True)
class EdfHeader:
    """What the header says of the file's layout and its recording."""

    bytes_per_sample: int  # 2 for EDF, 3 for BDF
    header_bytes: int
    records: int
    record_seconds: float
    signals: list[SignalHeader]
    start: dt.datetime | None

    @property
    def record_samples(self) -> int:
        return sum(signal.samples_per_record for signal in self.signals)


def looks_like_edf(head: bytes) -> bool:
    """EDF starts with version "0" padded to 8 bytes; BDF with 0xFF "BIOSEMI"."""
    return head[:8] in (EDF_MAGIC, BDF_MAGIC)


def read(upload: UploadedFile) -> Recording:
    """Read the header now; each lead's samples are read later, some data records at a time."""
    header = read_header(upload.path)
    leads_signals = [signal for signal in header.signals if not signal.is_annotation]
    if not leads_signals:
        raise UnreadableFile("the EDF file has no signals")
    frequencies = {signal.samples_per_record / header.record_seconds for signal in leads_signals}
    if len(frequencies) > 1:
        raise UnsupportedFile(
            "the EDF file's signals have different sampling frequencies "
            f"({', '.join(f'{f:g}' for f in sorted(frequencies))} Hz); upload them separately"
        )
    names = lead_names([signal.label for signal in leads_signals])
    leads = [
        LeadInput(name, functools.partial(signal_blocks, upload.path, header, signal), cal)
        for name, signal, cal in zip(
            names, leads_signals, [calibration_of(s) for s in leads_signals], strict=True
        )
    ]
    return Recording(leads, frequencies.pop(), date=start_of(upload.path, header))


def start_of(path: Path, header: EdfHeader) -> dt.datetime | None:
    """The header's start time and the onset its annotations add."""
    if header.start is None:
        return None
    try:
        return header.start + first_record_onset(path, header)
    except OverflowError:  # an onset past 9999-12-31T23:59:59
        return header.start


def first_record_onset(path: Path, header: EdfHeader) -> dt.timedelta:
    """How long after the header's start time the recording began, from the first time-keeping
    annotation (EDF+), to the microsecond; zero without one. Only its first bytes are read."""
    annotations = next((signal for signal in header.signals if signal.is_annotation), None)
    if annotations is None or header.records == 0:
        return dt.timedelta(0)
    with open(path, "rb") as file:
        file.seek(header.header_bytes + annotations.offset * header.bytes_per_sample)
        first = file.read(min(32, annotations.samples_per_record * header.bytes_per_sample))
    found = FIRST_RECORD_ONSET.match(first)
    if not found:
        return dt.timedelta(0)
    onset = Decimal(found.group(1).decode("ascii")).quantize(MICROSECOND)
    return dt.timedelta(microseconds=int(onset / MICROSECOND))


def read_header(path: Path) -> EdfHeader:
    """Parse and check the header; a file shorter than it announces is refused."""
    with open(path, "rb") as file:
        fixed = file.read(256)
        if len(fixed) < 256:
            raise UnreadableFile("the EDF file is truncated inside its header")
        count = whole_number(fixed[252:256], "number of signals")
        if count < 1:
            raise UnreadableFile(f"the EDF header announces {count} signals")
        if count > MAX_SIGNALS:
            raise UnsupportedFile(
                f"the EDF file has {count} signals; at most {MAX_LEADS} leads are accepted"
            )
        signal_part = file.read(256 * count)
    if len(signal_part) < 256 * count:
        raise UnreadableFile("the EDF file is truncated inside its signal headers")
    bytes_per_sample = 3 if fixed[:8] == BDF_MAGIC else 2
    if fixed[192:197] == b"EDF+D" or fixed[192:197] == b"BDF+D":
        raise UnsupportedFile("discontinuous EDF+ (EDF+D) files are not supported")
    header_bytes = whole_number(fixed[184:192], "header size")
    if header_bytes != 256 * (count + 1):
        raise UnreadableFile(f"the EDF header size {header_bytes} does not fit {count} signals")
    signals = parse_signals(signal_part, count)
    record_seconds = decimal(fixed[244:252], "data record duration")
    if not record_seconds > 0:
        raise UnreadableFile(f"the EDF data record duration {record_seconds} is not positive")
    record_samples = sum(signal.samples_per_record for signal in signals)
    if not 0 < record_samples <= MAX_RECORD_SAMPLES:
        raise UnsupportedFile(f"the EDF data records hold {record_samples} samples each")
    record_bytes = record_samples * bytes_per_sample
    available = (path.stat().st_size - header_bytes) // record_bytes
    declared = int(decimal(fixed[236:244], "number of data records"))
    if declared == -1:  # the recorder never wrote the count: the data says it
        declared = available
    if declared < 0:
        raise UnreadableFile(f"the EDF header announces {declared} data records")
    if available < declared:
        expected = header_bytes + declared * record_bytes
        actual = path.stat().st_size
        raise UnreadableFile(
            f"the EDF file is truncated: {actual} bytes of the {expected} announced"
        )
    return EdfHeader(
        bytes_per_sample, header_bytes, declared, record_seconds, signals, start_time(fixed)
    )


def parse_signals(signal_part: bytes, count: int) -> list[SignalHeader]:
    """The per-signal fields, stored field by field: all labels, then all transducers..."""
    fields: dict[str, list[bytes]] = {}
    position = 0
    for name, width in SIGNAL_FIELDS:
        fields[name] = [
            signal_part[position + width * i : position + width * (i + 1)] for i in range(count)
        ]
        position += width * count
    signals, offset = [], 0
    for i in range(count):
        samples = whole_number(fields["samples_per_record"][i], "samples per data record")
        if samples < 1:
            raise UnreadableFile(f"an EDF signal has {samples} samples per data record")
        signals.append(
            SignalHeader(
                label=text(fields["label"][i]),
                dimension=text(fields["dimension"][i]),
                physical_range=(
                    decimal(fields["physical_min"][i], "physical minimum"),
                    decimal(fields["physical_max"][i], "physical maximum"),
                ),
                digital_range=(
                    whole_number(fields["digital_min"][i], "digital minimum"),
                    whole_number(fields["digital_max"][i], "digital maximum"),
                ),
                samples_per_record=samples,
                offset=offset,
            )
        )
        offset += samples
    return signals


def text(field: bytes) -> str:
    """A header field's text (printable ASCII by the standard; anything else kept readable)."""
    return field.decode("latin-1").strip()


def decimal(field: bytes, what: str) -> float:
    return header_number(text(field), "EDF", what)


def whole_number(field: bytes, what: str) -> int:
    value = decimal(field, what)
    if value != int(value):
        raise UnreadableFile(f"the EDF {what} {text(field)!r} is not a whole number")
    return int(value)


def start_time(fixed: bytes) -> dt.datetime | None:
    """The recording's start, read as UTC (EDF has no time zone); None if anonymised.

    EDF+ gives the four-digit year in the recording field ("Startdate 02-MAY-2024 ..."); plain
    EDF only dd.mm.yy, with years 85-99 in the 1900s and 00-84 in the 2000s, which EDF+ files
    carry too and which is read when their Startdate is not in EDF+'s form. A start that is no
    date and time (31.02.16, 23.59.60) makes the file unreadable, as in WFDB and DICOM: the
    upload time in its place would be a made-up acquisition date.
    """
    clock_text, date_text = text(fixed[176:184]), text(fixed[168:176])
    recording = text(fixed[88:168]).split()
    plus_date = recording[1] if len(recording) > 1 and recording[0] == "Startdate" else None
    if plus_date == "X":
        return None
    try:
        clock = dt.time(*(int(part) for part in clock_text.split(".")))
        date = (plus_date and edf_plus_date(plus_date)) or plain_edf_date(date_text)
        return dt.datetime.combine(date, clock, tzinfo=dt.UTC)
    except (ValueError, TypeError, OverflowError):  # OverflowError: a year beyond a C long
        raise UnreadableFile(
            f"the EDF start {date_text!r} {clock_text!r} is not a date and time"
        ) from None


def edf_plus_date(startdate: str) -> dt.date | None:
    """EDF+'s dd-MMM-yyyy, or None when it is not in that form."""
    try:
        day, month, year = startdate.split("-")
        return dt.date(int(year), MONTHS.index(month.upper()) + 1, int(day))
    except (ValueError, OverflowError):
        return None


def plain_edf_date(date_text: str) -> dt.date:
    day, month, year = (int(part) for part in date_text.split("."))
    return dt.date(year + (1900 if year >= 85 else 2000), month, day)


def signal_blocks(path: Path, header: EdfHeader, signal: SignalHeader) -> Iterator[np.ndarray]:
    """A signal's digital samples, in blocks of whole data records (declared records only)."""
    record_bytes = header.record_samples * header.bytes_per_sample
    records_per_block = max(1, BLOCK_SAMPLES // header.record_samples)
    start, stop = signal.offset, signal.offset + signal.samples_per_record
    with open(path, "rb") as file:
        file.seek(header.header_bytes)
        for first in range(0, header.records, records_per_block):
            count = min(records_per_block, header.records - first)
            raw = file.read(count * record_bytes)
            if len(raw) < count * record_bytes:
                raise UnreadableFile("the EDF file's data ended before its declared records")
            yield decode(raw, count, header, start, stop)


def decode(raw: bytes, count: int, header: EdfHeader, start: int, stop: int) -> np.ndarray:
    """One signal's samples from ``count`` data records: 16-bit (EDF) or 24-bit (BDF) LE."""
    if header.bytes_per_sample == 2:
        records = np.frombuffer(raw, dtype="<i2").reshape(count, header.record_samples)
        return records[:, start:stop].astype(np.int32).ravel()
    triples = np.frombuffer(raw, dtype=np.uint8).reshape(count, header.record_samples, 3)
    picked = triples[:, start:stop, :].reshape(-1, 3).astype(np.int32)
    # Two's complement in 24 bits: the top byte carries the sign.
    return (
        picked[:, 0] | (picked[:, 1] << 8) | (picked[:, 2].astype(np.int8).astype(np.int32) << 16)
    )


def calibration_of(signal: SignalHeader) -> Calibration | None:
    """EDF maps [digital_min, digital_max] linearly onto [physical_min, physical_max]."""
    digital_min, digital_max = signal.digital_range
    physical_min, physical_max = signal.physical_range
    if digital_max == digital_min or physical_max == physical_min:
        return None
    try:
        scale = (physical_max - physical_min) / (digital_max - digital_min)
    except OverflowError:  # digital limits of hundreds of digits, as whole numbers
        return None
    if not math.isfinite(scale) or scale == 0:  # a range too narrow or wide for a float
        return None
    return calibration(signal.dimension, scale, digital_min - physical_min / scale)
