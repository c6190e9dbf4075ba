"""EDF+ (continuous) written as a stream of bytes, a batch of data records at a time."""

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from formats import UNSPECIFIED_UNIT
from formats.edf import ANNOTATION_LABELS, MAX_RECORD_SAMPLES
from recordings.model import Calibration

DIGITAL_MIN, DIGITAL_MAX = -32768, 32767
ANNOTATION_SAMPLES = 32  # 64 bytes per record: room for the time-keeping annotation
RECORD_DURATIONS = (1, 2, 4, 5, 10, 20, 25, 50, 100)  # seconds; the first giving whole samples
BATCH_SAMPLES = 1 << 20


class NotExportable(ValueError):
    """The recording cannot be written as EDF+ (the message says why)."""


@dataclass(frozen=True)
class ExportLead:
    """A lead to write: its name, calibration, length and samples in blocks (int16 range)."""

    name: str
    calibration: Calibration | None
    number_of_samples: int
    blocks: Iterable[np.ndarray]


@dataclass(frozen=True)
class EdfPlan:
    """The layout of the file: computed first, so its size is known before streaming."""

    record_seconds: int
    samples_per_record: int
    records: int
    lead_count: int
    header: bytes
    # The header holds whole seconds; the time-keeping annotations carry the rest.
    start_milliseconds: int = 0

    @property
    def size(self) -> int:
        return len(self.header) + self.records * self.record_bytes

    @property
    def record_bytes(self) -> int:
        return 2 * (self.samples_per_record * self.lead_count + ANNOTATION_SAMPLES)


def plan(start: datetime, sampling_frequency: float, leads: list[ExportLead]) -> EdfPlan:
    """Choose the data record duration and build the header; refuse what EDF+ cannot hold."""
    record_seconds = next(
        (
            d
            for d in RECORD_DURATIONS
            if round(sampling_frequency * d) >= 1
            and abs(sampling_frequency * d - round(sampling_frequency * d)) < 1e-9
        ),
        None,
    )
    if record_seconds is None:
        raise NotExportable(
            f"{sampling_frequency} Hz gives no whole number of samples in a data record of "
            f"{RECORD_DURATIONS[-1]} s or less"
        )
    samples_per_record = round(sampling_frequency * record_seconds)
    if samples_per_record * len(leads) > MAX_RECORD_SAMPLES:
        raise NotExportable(
            f"{len(leads)} leads at {sampling_frequency:g} Hz make data records of more than "
            f"the {MAX_RECORD_SAMPLES} samples the service reads back"
        )
    records = math.ceil(max(lead.number_of_samples for lead in leads) / samples_per_record)
    if len(str(records)) > 8:
        raise NotExportable(f"{records} data records do not fit EDF's 8-character count")
    header = edf_header(start, record_seconds, samples_per_record, records, leads)
    milliseconds = start.microsecond // 1000  # the service keeps dates to the millisecond
    return EdfPlan(record_seconds, samples_per_record, records, len(leads), header, milliseconds)


def edf_header(
    start: datetime, record_seconds: int, samples_per_record: int, records: int, leads
) -> bytes:
    """The EDF+ header: 256 bytes, then 256 per signal (the leads and one annotation signal)."""
    for lead in leads:
        if not fits_field(lead.name, 16):
            raise NotExportable(
                f"lead {lead.name!r} does not fit EDF's label of 16 printable ASCII characters"
            )
        if lead.name in ANNOTATION_LABELS:
            # Readers would take the lead for the file's annotations, and its samples for TALs.
            raise NotExportable(f"lead {lead.name!r} has the label EDF reserves for annotations")
    signals = [
        (
            lead.name,
            edf_unit(lead),
            *physical_range(lead.calibration),
            samples_per_record,
        )
        for lead in leads
    ] + [("EDF Annotations", "", -1, 1, ANNOTATION_SAMPLES)]
    month = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")[
        start.month - 1
    ]
    main = [
        field("0", 8),
        field("X X X X", 80),  # EDF+ patient: code, sex, birthdate, name, all unknown
        field(f"Startdate {start.day:02d}-{month}-{start.year} X X X", 80),
        field(start.strftime("%d.%m.%y"), 8),
        field(start.strftime("%H.%M.%S"), 8),
        field(str(256 * (len(signals) + 1)), 8),
        field("EDF+C", 44),
        field(str(records), 8),
        field(str(record_seconds), 8),
        field(str(len(signals)), 4),
    ]
    columns = [
        [field(label, 16) for label, *_ in signals],
        [field("", 80) for _ in signals],  # transducer type
        [field(unit, 8) for _, unit, *_ in signals],
        [field(edf_number(low), 8) for _, _, low, _, _ in signals],
        [field(edf_number(high), 8) for _, _, _, high, _ in signals],
        [field(str(DIGITAL_MIN), 8) for _ in signals],
        [field(str(DIGITAL_MAX), 8) for _ in signals],
        [field("", 80) for _ in signals],  # prefiltering
        [field(str(count), 8) for *_, count in signals],
        [field("", 32) for _ in signals],
    ]
    return "".join(main + [value for column in columns for value in column]).encode("ascii")


def edf_unit(lead: ExportLead) -> str:
    """The lead's unit as EDF writes it (uV for µV; none for an unspecified one); refused
    rather than cut or changed when it does not fit 8 printable ASCII characters."""
    unit = lead.calibration.unit if lead.calibration else ""
    unit = "" if unit == UNSPECIFIED_UNIT else unit.replace("µ", "u").replace("μ", "u")
    if not fits_field(unit, 8):
        raise NotExportable(
            f"lead {lead.name!r}'s unit {unit!r} does not fit EDF's 8 printable ASCII characters"
        )
    return unit


def fits_field(value: str, width: int) -> bool:
    return len(value) <= width and all(map(printable_ascii, value))


def printable_ascii(character: str) -> bool:
    return " " <= character <= "~"


def field(value: str, width: int) -> str:
    """An EDF header field: printable ASCII, left-aligned, space-padded, cut to width."""
    printable = "".join(c if printable_ascii(c) else "_" for c in value)
    return printable[:width].ljust(width)


def physical_range(calibration: Calibration | None) -> tuple[float, float]:
    """The physical values of the digital extremes: (digital - baseline) * scale."""
    if calibration is None:
        return DIGITAL_MIN, DIGITAL_MAX
    low = (DIGITAL_MIN - calibration.baseline) * calibration.scale
    high = (DIGITAL_MAX - calibration.baseline) * calibration.scale
    if not (math.isfinite(low) and math.isfinite(high)):
        raise NotExportable("a lead's calibration gives physical values beyond any number")
    written_low, written_high = float(edf_number(low)), float(edf_number(high))
    if written_low == written_high or not reads_back_within_half_a_step(
        calibration.scale, low, high, written_low, written_high
    ):
        raise NotExportable("a lead's calibration is too fine for EDF's 8-character physical range")
    return low, high


def reads_back_within_half_a_step(
    scale: float, low: float, high: float, written_low: float, written_high: float
) -> bool:
    """Whether the range as written (8 characters each) maps every digital value to within half
    a step of its physical value: the error is linear in the digital value, so the extremes
    bound it."""
    return abs(written_low - low) <= abs(scale) / 2 and abs(written_high - high) <= abs(scale) / 2


def edf_number(value: float) -> str:
    """A number in at most 8 characters, without exponent notation, as EDF requires."""
    for decimals in range(7, -1, -1):
        text = f"{value:.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if len(text) <= 8:
            return text
    raise NotExportable(f"the physical value {value} does not fit EDF's 8-character field")


def stream(edf_plan: EdfPlan, leads: list[ExportLead]) -> Iterator[bytes]:
    """The file's bytes: the header, then data records in batches (leads padded to the last
    record's end with their baseline)."""
    yield edf_plan.header
    spr = edf_plan.samples_per_record
    records_per_batch = max(1, BATCH_SAMPLES // (spr * len(leads)))
    readers = [BlockReader(iter(lead.blocks), padding_of(lead)) for lead in leads]
    for first in range(0, edf_plan.records, records_per_batch):
        count = min(records_per_batch, edf_plan.records - first)
        batch = np.zeros((count, spr * len(leads) + ANNOTATION_SAMPLES), dtype="<i2")
        for index, reader in enumerate(readers):
            batch[:, index * spr : (index + 1) * spr] = reader.take(count * spr).reshape(count, spr)
        for offset in range(count):
            onset = (first + offset) * edf_plan.record_seconds * 1000 + edf_plan.start_milliseconds
            batch[offset, -ANNOTATION_SAMPLES:] = time_keeping(onset)
        yield batch.tobytes()


def time_keeping(onset_milliseconds: int) -> np.ndarray:
    """The record's time-keeping annotation ("+onset" 0x14 0x14 0x00, the onset in seconds
    after the header's start time), as int16 words."""
    seconds, milliseconds = divmod(onset_milliseconds, 1000)
    fraction = f".{milliseconds:03d}".rstrip("0") if milliseconds else ""
    text = f"+{seconds}{fraction}\x14\x14\x00".encode("ascii")
    text = text.ljust(2 * ANNOTATION_SAMPLES, b"\x00")
    return np.frombuffer(text, dtype="<i2")


def padding_of(lead: ExportLead) -> int:
    """What fills the last data record past a lead's end: its baseline, so the padding reads
    as 0 in its unit rather than as a step to whatever digital 0 means."""
    baseline = round(lead.calibration.baseline) if lead.calibration else 0
    return min(max(baseline, DIGITAL_MIN), DIGITAL_MAX)


class BlockReader:
    """Takes exact counts of samples from a lead's blocks, ``padding`` once they run out."""

    def __init__(self, blocks: Iterator[np.ndarray], padding: int = 0):
        self.blocks = blocks
        self.padding = padding
        self.buffer = np.empty(0, dtype=np.int16)

    def take(self, count: int) -> np.ndarray:
        parts, needed = [self.buffer], count - self.buffer.size
        while needed > 0:
            block = next(self.blocks, None)
            if block is None:
                parts.append(np.full(needed, self.padding, dtype=np.int16))
                break
            parts.append(block)
            needed -= block.size
        joined = np.concatenate(parts)
        self.buffer = joined[count:]
        return joined[:count]
