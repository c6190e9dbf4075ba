"""A zip's central directory is bounded before zipfile reads it (it reads the directory whole,
an object per entry, whatever count the archive states)."""

import struct
import zipfile

import pytest

from formats import UnsupportedFile, UploadedFile, read_recording

NAME = b"a"
LOCAL = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(NAME), 0) + NAME
ENTRY = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0)
ENTRY += NAME


def directory_of(entries: int, zip64: bool) -> bytes:
    """One local header and ``entries`` directory entries; the classic end record states the
    true directory size, or, with ``zip64``, 0 where a zip64 end record states the true one."""
    directory = ENTRY * entries
    end_size = 0 if zip64 else len(directory)
    tail = b""
    if zip64:
        start = len(LOCAL) + len(directory)
        record = struct.pack(
            "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, len(directory), 30
        )
        tail = record + struct.pack("<4sLQL", b"PK\x06\x07", 0, start, 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, end_size, len(LOCAL), 0)
    return LOCAL + directory + tail + end


@pytest.mark.parametrize("zip64", [False, True], ids=["classic", "zip64"])
def test_a_directory_of_more_entries_than_members_allowed_is_refused_unread(
    tmp_path, monkeypatch, zip64
):
    """Found in review: 300 000 entries in 13 MiB cost a worker 118 MiB and 3 s before the
    member count was checked."""
    path = tmp_path / "many.zip"
    path.write_bytes(directory_of(30_000, zip64))
    monkeypatch.setattr(zipfile, "ZipFile", lambda *args, **kwargs: pytest.fail("opened"))
    with pytest.raises(UnsupportedFile, match="directory lists more than 256 files"):
        read_recording([UploadedFile("many.zip", path)])


def test_a_directory_of_few_entries_is_opened(tmp_path):
    path = tmp_path / "few.zip"
    path.write_bytes(directory_of(3, zip64=False))
    with pytest.raises(UnsupportedFile, match="exactly one WFDB header"):  # zipfile read it
        read_recording([UploadedFile("few.zip", path)])
