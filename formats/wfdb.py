"""WFDB records (PhysioNet): a .hea header with its .dat signal files, as parts or one zip.

The header and the common sample formats are read here, in blocks, rather than with the wfdb
package, whose plotting and dataframe dependencies would weigh ~200 MB in the production image.
"""

import datetime as dt
import functools
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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

ZIP_MAGIC = b"PK\x03\x04"
MAX_EXTRACTED_BYTES = 4 << 30  # a zip may not unpack to more than this (zip bombs)
RECORD_LINE = re.compile(
    r"^(?P<name>[\w.-]+)(?P<segments>/\d+)?\s+(?P<signals>\d+)"
    r"(?:\s+(?P<frequency>[\d.eE+-]+)(?:/[\d.eE+-]+)?(?:\([\d.eE+-]+\))?"
    r"(?:\s+(?P<samples>\d+)(?:\s+(?P<time>[\d:.]+)(?:\s+(?P<date>[\d/]+))?)?)?)?\s*$"
)
SIGNAL_FORMAT = re.compile(r"^(?P<format>\d+)(?P<extra>[x:+].*)?$")
GAIN = re.compile(r"^(?P<gain>[\d.eE+-]+)(?:\((?P<baseline>-?\d+)\))?(?:/(?P<unit>\S+))?$")
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
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return text if lines and RECORD_LINE.match(lines[0].strip()) else None


def read(uploads: list[UploadedFile]) -> Recording:
    """Read a record from a zip or from header and signal file parts."""
    if len(uploads) == 1 and uploads[0].head(4) == ZIP_MAGIC:
        header, paths, keep_alive = unpack_zip(uploads[0].path)
    else:
        keep_alive = []
        headers = [
            u
            for u in uploads
            if header_text(u.path.read_bytes()[:4096] if u.path.stat().st_size < 1 << 20 else b"")
            is not None
        ]
        if len(headers) != 1:
            raise UnsupportedFile("send exactly one WFDB header (.hea) with its signal files")
        header = headers[0].path.read_text("ascii")
        data_parts = [u for u in uploads if u is not headers[0]]
        paths = {Path(u.filename).name: u.path for u in data_parts}
        if len(data_parts) == 1:
            paths[""] = data_parts[0].path  # a lone data part pairs with the header's only file
    return parse_record(header, paths, keep_alive)


def unpack_zip(path: Path) -> tuple[str, dict[str, Path], list]:
    """The zip's header text and its other members copied to temporary files."""
    try:
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.infolist() if not m.is_dir()]
        if sum(member.file_size for member in members) > MAX_EXTRACTED_BYTES:
            raise UnreadableFile("the zip unpacks to more than 4 GiB")
        headers = [m for m in members if m.filename.lower().endswith(".hea")]
        if len(headers) != 1:
            raise UnsupportedFile("the zip must hold exactly one WFDB header (.hea)")
        header = archive.read(headers[0]).decode("ascii")
        keep_alive, paths = [], {}
        for member in members:
            if member is headers[0]:
                continue
            copy = tempfile.NamedTemporaryFile("wb+", prefix="ecg-wfdb-")  # noqa: SIM115
            with archive.open(member) as source:
                shutil.copyfileobj(source, copy, length=1 << 20)
            copy.flush()
            keep_alive.append(copy)
            paths[Path(member.filename).name] = Path(copy.name)
        return header, paths, keep_alive
    except (UnreadableFile, UnsupportedFile):
        raise
    except Exception as error:  # zipfile raises many types (bad CRC, unknown versions, ...)
        raise UnreadableFile(f"the zip could not be read: {error}") from None


def parse_record(header: str, paths: dict[str, Path], keep_alive: list) -> Recording:
    """Parse the header and set up block readers for each signal."""
    lines = [
        line.strip() for line in header.splitlines() if line.strip() and not line.startswith("#")
    ]
    record = RECORD_LINE.match(lines[0])
    if record is None:
        raise UnreadableFile("the WFDB header's record line is malformed")
    if record["segments"]:
        raise UnsupportedFile("multi-segment WFDB records are not supported")
    count = int(record["signals"])
    if count == 0 or len(lines) < 1 + count:
        raise UnreadableFile(f"the WFDB header announces {count} signals but describes fewer")
    signals = [parse_signal(line) for line in lines[1 : 1 + count]]
    frequency = float(record["frequency"] or 250)
    if not 0 < frequency <= 100_000:
        raise UnreadableFile(f"the WFDB sampling frequency {frequency} is out of range")

    files: dict[str, list[int]] = {}
    for index, signal in enumerate(signals):
        files.setdefault(signal.file_name, []).append(index)
    readers = {}
    for file_name, members in files.items():
        path = paths.get(file_name) or (paths.get("") if len(files) == 1 else None)
        if path is None:
            raise UnreadableFile(f"the signal file {file_name!r} named by the header is missing")
        formats = {signals[i].format for i in members}
        offsets = {signals[i].byte_offset for i in members}
        if len(formats) != 1 or len(offsets) != 1:
            raise UnsupportedFile(f"signals in {file_name!r} mix formats or offsets")
        readers[file_name] = SignalFile(path, formats.pop(), len(members), offsets.pop())
    lengths = {reader.frames for reader in readers.values()}
    declared = int(record["samples"]) if record["samples"] else min(lengths)
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
    byte_offset = int(extra[1:]) if extra.startswith("+") else 0
    signal_calibration = None
    adc_zero = int(fields[4]) if len(fields) > 4 and fields[4].lstrip("-").isdigit() else 0
    if len(fields) > 2:
        gain = GAIN.match(fields[2])
        if gain is None:
            raise UnreadableFile(f"the WFDB gain field {fields[2]!r} is malformed")
        adc_gain = float(gain["gain"])
        baseline = int(gain["baseline"]) if gain["baseline"] else adc_zero
        if adc_gain > 0:
            signal_calibration = calibration(gain["unit"] or "mV", 1 / adc_gain, baseline)
    description = " ".join(fields[8:]) if len(fields) > 8 else ""
    return Signal(fields[0], spec["format"], byte_offset, signal_calibration, description)


def base_time(record: re.Match) -> dt.datetime | None:
    """The record's start (no time zone in WFDB: read as UTC)."""
    if not record["date"]:
        return None
    try:
        day = dt.datetime.strptime(record["date"], "%d/%m/%Y").date()
        clock = dt.time.fromisoformat(record["time"].rjust(8, "0")) if record["time"] else dt.time()
    except ValueError:
        raise UnreadableFile("the WFDB base time or date is malformed") from None
    return dt.datetime.combine(day, clock, tzinfo=dt.UTC)


class SignalFile:
    """A .dat file: interleaved frames of one sample per signal, in one format."""

    def __init__(self, path: Path, format: str, signals: int, byte_offset: int):
        self.path, self.format, self.signals, self.byte_offset = path, format, signals, byte_offset
        size = max(0, path.stat().st_size - byte_offset)
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
