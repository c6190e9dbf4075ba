"""WFDB records (PhysioNet): a .hea header with its .dat signal files, as parts or one zip.

The header and the common sample formats are read here, in blocks, rather than with the wfdb
package, whose plotting and dataframe dependencies would weigh ~200 MB in the production image.
"""

import datetime as dt
import functools
import re
import shutil
import struct
import tempfile
import zipfile
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

ZIP_MAGIC = b"PK\x03\x04"
# Limits of a zip, checked before anything is inflated (zip bombs, descriptor exhaustion): a
# record of 64 signals needs a header and a few data files. ECG samples compress 2-5 times;
# 50 leaves room for flat lines without letting a small zip fill the disk.
MAX_ARCHIVE_MEMBERS = 256
# zipfile reads the central directory whole and makes an object of every entry in it, whatever
# the count the archive states: bounded before it is opened (an entry is 46 bytes, its name and
# its extra fields: this leaves 4 KiB for each member allowed).
MAX_DIRECTORY_BYTES = MAX_ARCHIVE_MEMBERS << 12
END_OF_DIRECTORY = struct.Struct("<4s4H2LH")  # the end of central directory record
ZIP64_LOCATOR = struct.Struct("<4sLQL")  # just before it, in an archive with zip64 fields
ZIP64_END_OF_DIRECTORY = struct.Struct("<4sQ2H2L4Q")  # just before the locator
MAX_HEADER_BYTES = 1 << 20
MAX_INFLATED_BYTES = 2 << 30
MAX_INFLATION_RATIO = 50
RECORD_LINE = re.compile(
    r"^(?P<name>[\w.-]+)(?P<segments>/\d+)?\s+(?P<signals>\d{1,9})"
    r"(?:\s+(?P<frequency>[\d.eE+-]+)(?:/[\d.eE+-]+)?(?:\([\d.eE+-]+\))?"
    r"(?:\s+(?P<samples>\d{1,15})(?:\s+(?P<time>[\d:.]+)(?:\s+(?P<date>[\d/]+))?)?)?)?\s*$"
)
SIGNAL_FORMAT = re.compile(r"^(?P<format>\d+)(?P<extra>[x:+].*)?$")
GAIN = re.compile(r"^(?P<gain>[\d.eE+-]+)(?:\((?P<baseline>-?\d{1,10})\))?(?:/(?P<unit>\S+))?$")
# bytes per sample, or None for the packed format 212 (two samples in three bytes)
FORMATS = {"16": 2, "61": 2, "80": 1, "24": 3, "32": 4, "212": None}


@dataclass(frozen=True)
class Signal:
    """One signal line of a header."""

    file_name: str
    format: str
    byte_offset: int
    calibration: Calibration | None
    description: str


def looks_like_wfdb(heads: list[bytes]) -> bool:
    """One zip, or parts of which one is a text header starting with a WFDB record line."""
    if len(heads) == 1 and heads[0].startswith(ZIP_MAGIC):
        return True
    return any(header_text(head) is not None for head in heads)


def header_text(content: bytes) -> str | None:
    """The content as a WFDB header, or None."""
    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        return None
    lines = record_lines(text)
    return text if lines and RECORD_LINE.match(lines[0]) else None


def record_lines(text: str) -> list[str]:
    """The header's lines without comments and blank lines."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def decode_header(content: bytes) -> str:
    """A header's text; headers are ASCII, and a few kilobytes even for 64 signals."""
    if len(content) > MAX_HEADER_BYTES:
        raise UnreadableFile(f"the WFDB header is larger than {MAX_HEADER_BYTES} bytes")
    try:
        return content.decode("ascii")
    except UnicodeDecodeError as error:
        raise UnreadableFile(f"the WFDB header is not ASCII (byte {error.start})") from None


def read(uploads: list[UploadedFile]) -> Recording:
    """Read a record from a zip or from header and signal file parts."""
    if len(uploads) == 1 and uploads[0].head(4) == ZIP_MAGIC:
        return read_zip(uploads[0].path)
    headers = [u for u in uploads if header_text(u.head(4096)) is not None]
    if len(headers) != 1:
        raise UnsupportedFile("send exactly one WFDB header (.hea) with its signal files")
    with open(headers[0].path, "rb") as header_file:
        header = decode_header(header_file.read(MAX_HEADER_BYTES + 1))
    data_parts = [u for u in uploads if u is not headers[0]]
    paths = {Path(u.filename).name: u.path for u in data_parts}
    if len(data_parts) == 1:
        paths[""] = data_parts[0].path  # a lone data part pairs with the header's only file
    return parse_record(header, lambda name: paths.get(name), [])


def read_zip(path: Path) -> Recording:
    """A record from one zip: its header, and only the signal files that header names.

    Every limit is checked on the archive's directory before anything is inflated: the member
    count, the header's size, each named file's size, their total and its ratio to the zip's.
    """
    if directory_bytes(path) > MAX_DIRECTORY_BYTES:
        raise UnsupportedFile(f"the zip's directory lists more than {MAX_ARCHIVE_MEMBERS} files")
    try:
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.infolist() if not m.is_dir()]
    except Exception:  # zipfile raises many types (bad CRC, unknown versions, ...)
        raise UnreadableFile("the zip's directory could not be read") from None
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise UnsupportedFile(f"the zip holds more than {MAX_ARCHIVE_MEMBERS} files")
    headers = [m for m in members if m.filename.lower().endswith(".hea")]
    if len(headers) != 1:
        raise UnsupportedFile("the zip must hold exactly one WFDB header (.hea)")
    if headers[0].file_size > MAX_HEADER_BYTES:
        raise UnreadableFile(f"the WFDB header is larger than {MAX_HEADER_BYTES} bytes")
    by_name = {Path(m.filename).name: m for m in members if m is not headers[0]}
    budget = min(MAX_INFLATED_BYTES, MAX_INFLATION_RATIO * path.stat().st_size + (1 << 20))
    keep_alive: list = []

    def extract(name: str) -> Path | None:
        """The named member, inflated to a temporary file, within the archive's budget."""
        nonlocal budget
        member = by_name.get(name) or (
            next(iter(by_name.values())) if name == "" and len(by_name) == 1 else None
        )
        if member is None:
            return None
        budget -= member.file_size
        if budget < 0:
            raise UnreadableFile(
                "the zip inflates to more than its files can hold: at most "
                f"{MAX_INFLATION_RATIO} times its size, and {MAX_INFLATED_BYTES >> 30} GiB"
            )
        copy = tempfile.NamedTemporaryFile("wb+", prefix="ecg-wfdb-")  # noqa: SIM115
        keep_alive.append(copy)
        with archive.open(member) as source:  # stops at the member's declared size
            shutil.copyfileobj(source, copy, length=1 << 20)
        copy.flush()
        return Path(copy.name)

    try:
        with archive:  # every file the header names is extracted while it is parsed
            header = decode_header(archive.read(headers[0]))
            return parse_record(header, extract, keep_alive)
    except (UnreadableFile, UnsupportedFile):
        raise
    except Exception:  # a damaged member surfaces as any of zipfile's or zlib's errors
        raise UnreadableFile("a file in the zip is damaged (its data or checksum)") from None


def directory_bytes(path: Path) -> int:
    """The size of a zip's central directory, as its end record (zip64's, where it has one)
    states it: what zipfile will read; 0 without an end record (zipfile then refuses it)."""
    with open(path, "rb") as file:
        size = file.seek(0, 2)
        # The end record is last but for a comment of up to 64 KiB.
        tail_start = max(0, size - END_OF_DIRECTORY.size - 0xFFFF)
        file.seek(tail_start)
        tail = file.read()
        end = tail.rfind(b"PK\x05\x06")
        if end == -1 or len(tail) - end < END_OF_DIRECTORY.size:
            return 0
        directory = END_OF_DIRECTORY.unpack_from(tail, end)[5]
        locator = end - ZIP64_LOCATOR.size
        if locator < 0 or tail[locator : locator + 4] != b"PK\x06\x07":
            return directory
        # zipfile reads the zip64 record right before its locator, whatever the locator says.
        file.seek(max(0, tail_start + locator - ZIP64_END_OF_DIRECTORY.size))
        record = file.read(ZIP64_END_OF_DIRECTORY.size)
        if len(record) < ZIP64_END_OF_DIRECTORY.size or record[:4] != b"PK\x06\x06":
            return directory
        return max(directory, ZIP64_END_OF_DIRECTORY.unpack(record)[8])


def parse_record(header: str, locate, keep_alive: list) -> Recording:
    """Parse the header and set up block readers for each signal.

    ``locate(file_name)`` gives the path of a signal file the header names, or None; "" asks for
    the only data file there is. The signal count is held to the limit before any signal line
    is read.
    """
    lines = record_lines(header)
    if not lines:
        raise UnreadableFile("the WFDB header has no record line (it is empty or only comments)")
    record = RECORD_LINE.match(lines[0])
    if record is None:
        raise UnreadableFile("the WFDB header's record line is malformed")
    if record["segments"]:
        raise UnsupportedFile("multi-segment WFDB records are not supported")
    count = int(record["signals"])
    if count > MAX_LEADS:
        raise UnsupportedFile(
            f"the WFDB record has {count} signals; at most {MAX_LEADS} are accepted"
        )
    if count == 0 or len(lines) < 1 + count:
        raise UnreadableFile(f"the WFDB header announces {count} signals but describes fewer")
    signals = [parse_signal(line) for line in lines[1 : 1 + count]]
    frequency = number(record["frequency"] or "250", "sampling frequency")
    if not 0 < frequency <= 100_000:
        raise UnreadableFile(f"the WFDB sampling frequency {frequency} is out of range")

    files: dict[str, list[int]] = {}
    for index, signal in enumerate(signals):
        files.setdefault(signal.file_name, []).append(index)
    readers = {}
    for file_name, members in files.items():
        path = locate(file_name) or (locate("") if len(files) == 1 else None)
        if path is None:
            raise UnreadableFile(f"the signal file {file_name!r} named by the header is missing")
        formats = {signals[i].format for i in members}
        offsets = {signals[i].byte_offset for i in members}
        if len(formats) != 1 or len(offsets) != 1:
            raise UnsupportedFile(f"signals in {file_name!r} mix formats or offsets")
        readers[file_name] = SignalFile(path, formats.pop(), len(members), offsets.pop())
    lengths = {reader.frames for reader in readers.values()}
    # Zero samples, like none given, means the count is unspecified (header(5)): all there are.
    declared = int(record["samples"] or 0) or min(lengths)
    if declared > min(lengths):
        raise UnreadableFile(f"the signal files hold fewer than the {declared} samples announced")

    names = lead_names([s.description or f"ch{i}" for i, s in enumerate(signals, 1)])
    leads = []
    for index, (name, signal) in enumerate(zip(names, signals, strict=True)):
        column = files[signal.file_name].index(index)
        reader = readers[signal.file_name]
        blocks = functools.partial(reader.column_blocks, column, declared, keep_alive)
        leads.append(LeadInput(name, blocks, signal.calibration))
    return Recording(leads, frequency, date=base_time(record))


def parse_signal(line: str) -> Signal:
    """One signal line: file, format[+offset], gain(baseline)/unit, resolution, zero, ..."""
    fields = line.split()
    if len(fields) < 2:
        raise UnreadableFile(f"the WFDB signal line {line!r} is malformed")
    spec = SIGNAL_FORMAT.match(fields[1])
    if spec is None or spec["format"] not in FORMATS:
        raise UnsupportedFile(
            f"WFDB signal format {fields[1]!r} is not supported (16, 61, 80, 212, 24, 32 are)"
        )
    extra = spec["extra"] or ""
    if "x" in extra or ":" in extra:
        raise UnsupportedFile(
            "WFDB signals with several samples per frame or skew are not supported"
        )
    if extra.startswith("+") and not re.fullmatch(r"\+\d{1,15}", extra):
        raise UnreadableFile(f"the WFDB byte offset {extra[:20]!r} is not a whole number")
    byte_offset = int(extra[1:]) if extra.startswith("+") else 0
    signal_calibration = None
    adc_zero = int(fields[4]) if len(fields) > 4 and re.fullmatch(r"-?\d{1,10}", fields[4]) else 0
    if len(fields) > 2:
        gain = GAIN.match(fields[2])
        if gain is None:
            raise UnreadableFile(f"the WFDB gain field {fields[2]!r} is malformed")
        adc_gain = number(gain["gain"], "gain")
        baseline = int(gain["baseline"]) if gain["baseline"] else adc_zero
        if adc_gain > 0:
            signal_calibration = calibration(gain["unit"] or "mV", 1 / adc_gain, baseline)
    description = " ".join(fields[8:]) if len(fields) > 8 else ""
    return Signal(fields[0], spec["format"], byte_offset, signal_calibration, description)


def number(text: str, what: str) -> float:
    return header_number(text, "WFDB", what)


def base_time(record: re.Match) -> dt.datetime | None:
    """The record's start (no time zone in WFDB: read as UTC)."""
    if not record["date"]:
        return None
    try:
        day = dt.datetime.strptime(record["date"], "%d/%m/%Y").date()
        clock = clock_time(record["time"]) if record["time"] else dt.time()
    except ValueError:
        raise UnreadableFile("the WFDB base time or date is malformed") from None
    return dt.datetime.combine(day, clock, tzinfo=dt.UTC)


def clock_time(text: str) -> dt.time:
    """WFDB's base time: [[HH:]MM:]SS[.fraction], leading zeros optional (header(5): "13:05:00,
    or 13:5:0"; the WFDB library reads "30" as 30 seconds). ValueError if it is not one."""
    *whole, seconds = text.split(":")
    if len(whole) > 2 or not all(re.fullmatch(r"[0-9]{1,2}", part) for part in whole):
        raise ValueError(text)
    if not re.fullmatch(r"[0-9]{1,2}(\.[0-9]{1,12})?", seconds):
        raise ValueError(text)
    hours, minutes = [0, 0, *(int(part) for part in whole)][-2:]
    second = Decimal(seconds)
    return dt.time(hours, minutes, int(second), int(second % 1 * 1_000_000))


class SignalFile:
    """A .dat file: interleaved frames of one sample per signal, in one format."""

    def __init__(self, path: Path, format: str, signals: int, byte_offset: int):
        self.path, self.format, self.signals, self.byte_offset = path, format, signals, byte_offset
        file_size = path.stat().st_size
        if byte_offset > file_size:  # the system may refuse to seek there at all
            raise UnreadableFile(
                f"the WFDB byte offset {byte_offset} lies beyond the end of its signal file "
                f"({file_size} bytes)"
            )
        size = file_size - byte_offset
        width = FORMATS[format]
        self.frames = (size * 2 // 3 if width is None else size // width) // signals

    def column_blocks(self, column: int, frames: int, _keep_alive: list) -> Iterator[np.ndarray]:
        """One signal's samples for the first ``frames`` frames, in blocks."""
        # Format 212 packs pairs of samples: keep blocks at an even number of samples.
        frames_per_block = max(2, BLOCK_SAMPLES // self.signals) // 2 * 2
        with open(self.path, "rb") as file:
            file.seek(self.byte_offset)
            for first in range(0, frames, frames_per_block):
                count = min(frames_per_block, frames - first)
                samples = self.decode(file, count * self.signals)
                yield samples.reshape(count, self.signals)[:, column].astype(np.int32)

    def decode(self, file, samples: int) -> np.ndarray:
        """Read and decode the next ``samples`` interleaved samples."""
        width = FORMATS[self.format]
        size = (samples * 3 + 1) // 2 if width is None else samples * width
        raw = np.frombuffer(file.read(size), dtype=np.uint8)
        if raw.size < size:
            raise UnreadableFile("a WFDB signal file is truncated")
        if self.format == "16":
            return raw.view("<i2")
        if self.format == "61":
            return raw.view(">i2")
        if self.format == "32":
            return raw.view("<i4")
        if self.format == "80":
            return raw.astype(np.int16) - 128
        if self.format == "24":
            padded = np.zeros((samples, 4), dtype=np.uint8)
            padded[:, :3] = raw.reshape(samples, 3)
            return (padded.view("<i4").ravel() << 8) >> 8
        return unpack_212(raw, samples)


def unpack_212(raw: np.ndarray, samples: int) -> np.ndarray:
    """Format 212: each 3 bytes hold two 12-bit two's-complement samples."""
    if raw.size % 3:
        raw = np.concatenate([raw, np.zeros(3 - raw.size % 3, dtype=np.uint8)])
    triples = raw.reshape(-1, 3).astype(np.int16)
    first = triples[:, 0] | ((triples[:, 1] & 0x0F) << 8)
    second = triples[:, 2] | ((triples[:, 1] & 0xF0) << 4)
    pairs = np.stack([first, second], axis=1).ravel()[:samples]
    return np.where(pairs >= 2048, pairs - 4096, pairs)
