"""What a WFDB header's record and signal lines say, read as header(5) defines them."""

import datetime as dt

import numpy as np
import pytest

from formats import UnreadableFile, UploadedFile, read_recording
from tests.ecg_files import ecg_like, wfdb_record

LEADS = np.stack([ecg_like(720, 1), ecg_like(720, 2)], axis=1)


def read(tmp_path, header: str, data: bytes):
    (tmp_path / "rec1.hea").write_text(header)
    (tmp_path / "rec1.dat").write_bytes(data)
    files = [UploadedFile(name, tmp_path / name) for name in ("rec1.hea", "rec1.dat")]
    return read_recording(files)


def with_base_time(base_time: str) -> tuple[str, bytes]:
    header, data = wfdb_record(LEADS)
    return header.replace("10:30:00 01/05/2024", f"{base_time} 01/05/2024", 1), data


@pytest.mark.parametrize(
    ("base_time", "expected"),
    [
        ("13:05:00", dt.time(13, 5)),
        ("13:5:0", dt.time(13, 5)),  # header(5)'s own example
        ("0:0:0", dt.time(0)),
        ("12:30", dt.time(0, 12, 30)),
        ("30", dt.time(0, 0, 30)),
        ("10:30:00.25", dt.time(10, 30, 0, 250000)),
    ],
)
def test_a_base_time_is_hours_minutes_and_seconds_leading_zeros_optional(
    tmp_path, base_time, expected
):
    """Found in review: "30" was read as 0.3 s past midnight, "13:5:0" refused."""
    recording = read(tmp_path, *with_base_time(base_time))
    assert recording.date == dt.datetime.combine(dt.date(2024, 5, 1), expected, tzinfo=dt.UTC)


@pytest.mark.parametrize("base_time", ["123000", "25:00:00", "10:60:00", "1:2:3:4", "10::00"])
def test_a_base_time_that_is_no_time_of_day_is_unreadable(tmp_path, base_time):
    with pytest.raises(UnreadableFile, match="base time"):
        read(tmp_path, *with_base_time(base_time))


def test_a_byte_offset_beyond_the_signal_file_is_unreadable(tmp_path):
    """Found in review: an offset the system refuses to seek to was a 500 when the samples were
    read, after the header had passed."""
    header, data = wfdb_record(LEADS)
    header = header.replace("rec1 2 360 720 10:30:00 01/05/2024", "rec1 2 360", 1)  # no count
    with pytest.raises(UnreadableFile, match="byte offset"):
        recording = read(
            tmp_path, header.replace("rec1.dat 16 ", "rec1.dat 16+999999999999999 "), data
        )
        for lead in recording.leads:
            list(lead.blocks())
