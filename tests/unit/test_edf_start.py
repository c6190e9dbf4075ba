"""An EDF+ file's start keeps the fraction of a second its first annotation carries."""

import datetime as dt

import edfio
import numpy as np
import pytest

from formats import UnreadableFile, UploadedFile, read_recording
from formats.edf_export import ExportLead, plan, stream
from tests.ecg_files import ecg_like

START = dt.datetime(2024, 5, 1, 10, 30, 15, 123000, tzinfo=dt.UTC)


@pytest.mark.filterwarnings("ignore:Creating EDF")  # edfio says it writes EDF+ to hold them
def test_a_subsecond_start_written_by_edfio_is_read(tmp_path):
    signal = edfio.EdfSignal(ecg_like(2500, 1).astype(float), sampling_frequency=250, label="II")
    path = tmp_path / "subsecond.edf"
    recording = edfio.Recording(startdate=START.date())
    edfio.Edf([signal], recording=recording, starttime=START.time()).write(path)
    assert read_recording([UploadedFile("subsecond.edf", path)]).date == START


def test_an_export_carries_the_milliseconds_edfio_reads(tmp_path):
    samples = ecg_like(5000, 2).astype(np.int32)
    leads = [ExportLead("II", None, samples.size, [samples])]
    layout = plan(START, 500.0, leads)
    path = tmp_path / "exported.edf"
    path.write_bytes(b"".join(stream(layout, leads)))
    assert edfio.read_edf(path).starttime == START.time()
    assert read_recording([UploadedFile("exported.edf", path)]).date == START


def test_a_fraction_past_the_last_moment_of_the_calendar_keeps_the_header_time(tmp_path):
    last = dt.datetime(9999, 12, 31, 23, 59, 59, 500000, tzinfo=dt.UTC)
    samples = ecg_like(500, 3).astype(np.int32)
    leads = [ExportLead("II", None, samples.size, [samples])]
    exported = b"".join(stream(plan(last, 500.0, leads), leads))
    # Seven nines round to a whole second, which 9999-12-31T23:59:59 has no room for.
    written, nines = b"+0.5\x14\x14\x00" + b"\x00" * 6, b"+0.9999999\x14\x14\x00"
    path = tmp_path / "last.edf"
    path.write_bytes(exported.replace(written, nines, 1))
    assert read_recording([UploadedFile("last.edf", path)]).date == last.replace(microsecond=0)


def test_a_time_keeping_annotation_followed_by_others_still_gives_the_fraction(tmp_path):
    """Found in review: only an annotation ending right after the time-keeping one was read."""
    quarter = START.replace(microsecond=250000)
    samples = ecg_like(500, 5).astype(np.int32)
    leads = [ExportLead("II", None, samples.size, [samples])]
    exported = b"".join(stream(plan(quarter, 500.0, leads), leads))
    written = b"+0.25\x14\x14\x00" + b"\x00" * 17
    with_another = b"+0.25\x14\x14Recording starts\x14\x00"
    path = tmp_path / "annotated.edf"
    path.write_bytes(exported.replace(written, with_another, 1))
    assert edfio.read_edf(path).starttime == quarter.time()
    assert read_recording([UploadedFile("annotated.edf", path)]).date == quarter


@pytest.mark.parametrize("onset", [b"+3.5", b"+3", b"+0000000012.25"])
def test_a_first_record_starting_seconds_after_the_header_moves_the_start(tmp_path, onset):
    """Found in review: an onset of a second or more was ignored, so the stored start was that
    much early (EDF+ 2.2.4: each record starts its time-keeping onset after the header's time)."""
    samples = ecg_like(500, 6).astype(np.int32)
    leads = [ExportLead("II", None, samples.size, [samples])]
    exported = b"".join(stream(plan(START.replace(microsecond=0), 500.0, leads), leads))
    written = b"+0\x14\x14\x00" + b"\x00" * 20
    assert exported.count(written) == 1
    path = tmp_path / "later.edf"
    path.write_bytes(
        exported.replace(written, (onset + b"\x14\x14\x00").ljust(len(written), b"\x00"))
    )
    seconds = float(onset.decode())
    expected = START.replace(microsecond=0) + dt.timedelta(seconds=seconds)
    assert read_recording([UploadedFile("later.edf", path)]).date == expected
    if seconds < 10:  # edfio reads the start the same way
        assert edfio.read_edf(path).starttime == expected.time()


def exported_with(tmp_path, **fields: bytes):
    """A valid export with header fields replaced: ``recording`` (bytes 88-168), ``date``
    (168-176) and ``time`` (176-184)."""
    samples = ecg_like(500, 4).astype(np.int32)
    leads = [ExportLead("II", None, samples.size, [samples])]
    exported = bytearray(b"".join(stream(plan(START, 500.0, leads), leads)))
    for name, (start, stop) in {
        "recording": (88, 168),
        "date": (168, 176),
        "time": (176, 184),
    }.items():
        if name in fields:
            exported[start:stop] = fields[name].ljust(stop - start)
    path = tmp_path / "patched.edf"
    path.write_bytes(bytes(exported))
    return [UploadedFile("patched.edf", path)]


@pytest.mark.parametrize(
    "fields",
    [
        {"recording": b"Startdate 31-FEB-2016 X X X", "date": b"31.02.16"},
        {"recording": b"plain EDF", "date": b"31.02.16"},
        {"time": b"23.59.60"},
    ],
    ids=["EDF+ date", "plain EDF date", "leap second"],
)
def test_a_start_that_is_no_date_makes_the_file_unreadable(tmp_path, fields):
    """Found in review: the upload time took its place, a made-up acquisition date."""
    with pytest.raises(UnreadableFile, match="is not a date and time"):
        read_recording(exported_with(tmp_path, **fields))


def test_an_anonymised_start_is_left_to_the_upload(tmp_path):
    recording = read_recording(exported_with(tmp_path, recording=b"Startdate X X X X"))
    assert recording.date > START


def test_an_edf_plus_startdate_not_in_its_form_gives_way_to_the_header_date(tmp_path):
    """Found in review: "Startdate 2024-05-02" made a file unreadable whose dd.mm.yy was valid."""
    files = exported_with(tmp_path, recording=b"Startdate 2024-05-02 X X X")
    assert read_recording(files).date == START
