"""Which waveforms of a DICOM ECG are read: the recorded group, in the file's byte order."""

import copy
import io
import struct

import numpy as np
import pydicom
import pytest
from pydicom.filewriter import dcmwrite
from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian

from formats import (
    OversizedFile,
    UnreadableFile,
    UnsupportedFile,
    UploadedFile,
    dicom,
    read_recording,
)
from formats.dicom_elements import count_elements
from tests.ecg_files import dicom_ecg_bytes, ecg_like

RHYTHM = np.stack([ecg_like(5000, seed) for seed in range(12)], axis=1)  # 10 s at 500 Hz


def read(dataset: pydicom.Dataset, tmp_path, **encoding):
    path = tmp_path / "ecg.dcm"
    dcmwrite(path, dataset, **encoding)
    return read_recording([UploadedFile("ecg.dcm", path)])


def with_groups(*changes) -> pydicom.Dataset:
    """The rhythm ECG with more multiplex groups, each a copy of its rhythm group changed."""
    dataset = pydicom.dcmread(io.BytesIO(dicom_ecg_bytes(RHYTHM)))
    rhythm = dataset.WaveformSequence[0]
    groups = []
    for change in changes:
        group = copy.deepcopy(rhythm)
        change(group)
        groups.append(group)
    dataset.WaveformSequence = [*groups, rhythm]
    return dataset


def median_beat(group) -> None:
    group.WaveformOriginality = "DERIVED"
    group.NumberOfWaveformSamples = 600
    group.WaveformData = RHYTHM[:600].astype("<i2").tobytes()


def test_median_beats_before_the_rhythm_are_passed_over(tmp_path):
    """Found in review: the first group was read, so 600 samples of median beat were stored."""
    recording = read(with_groups(median_beat), tmp_path)
    first_lead = np.concatenate(list(recording.leads[0].blocks()))
    assert first_lead.tolist() == RHYTHM[:, 0].tolist()


def test_two_recorded_groups_are_refused_rather_than_one_dropped(tmp_path):
    with pytest.raises(UnsupportedFile, match="2 recorded waveform groups"):
        read(with_groups(lambda group: None), tmp_path)


def test_a_big_endian_file_is_refused_rather_than_read_as_noise(tmp_path):
    dataset = pydicom.dcmread(io.BytesIO(dicom_ecg_bytes(RHYTHM)))
    dataset.WaveformSequence[0].WaveformData = RHYTHM.astype(">i2").tobytes()
    dataset.file_meta.TransferSyntaxUID = ExplicitVRBigEndian
    with pytest.raises(UnsupportedFile, match="big-endian"):
        read(dataset, tmp_path, implicit_vr=False, little_endian=False, force_encoding=True)


def test_a_file_larger_than_may_be_read_whole_is_refused_before_parsing(tmp_path, monkeypatch):
    path = tmp_path / "ecg.dcm"
    path.write_bytes(dicom_ecg_bytes(RHYTHM))
    monkeypatch.setattr(dicom, "MAX_DICOM_BYTES", path.stat().st_size - 1)
    monkeypatch.setattr(pydicom, "dcmread", lambda *args, **kwargs: pytest.fail("parsed"))
    with pytest.raises(OversizedFile, match="EDF or WFDB"):
        read_recording([UploadedFile("ecg.dcm", path)])


def test_a_deflated_file_is_refused_before_it_is_inflated(tmp_path, monkeypatch):
    """Found in review: pydicom inflates a deflated file whole, so a few MiB became gigabytes."""
    dataset = pydicom.dcmread(io.BytesIO(dicom_ecg_bytes(RHYTHM)))
    dataset.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    path = tmp_path / "ecg.dcm"
    dcmwrite(path, dataset)
    monkeypatch.setattr(pydicom, "dcmread", lambda *args, **kwargs: pytest.fail("parsed"))
    with pytest.raises(UnsupportedFile, match="Deflated"):
        read_recording([UploadedFile("ecg.dcm", path)])


@pytest.mark.parametrize(
    "damaged",
    [
        b"US\x03\x00\x01\x02\x03",  # an unsigned short of three bytes
        b"CR\x02\x00ab",  # no such value representation
        b"SQ\x00\x00\x04\x00\x00\x00\x01\x02\x03\x04",  # a sequence of four stray bytes
    ],
    ids=["odd-length", "unknown-vr", "garbage-sequence"],
)
def test_a_damaged_element_of_the_waveform_group_is_unreadable(tmp_path, damaged):
    """Found in review: pydicom decodes a sequence's elements when they are first read, and the
    group's originality was read outside the guard, so these were a 500."""
    original = b"\x3a\x00\x04\x00CS\x08\x00ORIGINAL"  # (003A,0004) WaveformOriginality
    content = dicom_ecg_bytes(RHYTHM)
    assert content.count(original) == 1
    path = tmp_path / "ecg.dcm"
    path.write_bytes(content.replace(original, b"\x3a\x00\x04\x00" + damaged))
    with pytest.raises(UnreadableFile):
        read_recording([UploadedFile("ecg.dcm", path)])


def test_a_waveform_sequence_of_another_value_representation_is_unreadable(tmp_path):
    dataset = pydicom.dcmread(io.BytesIO(dicom_ecg_bytes(RHYTHM)))
    del dataset.WaveformSequence
    dataset.add_new(0x54000100, "OB", b"\x01\x02\x03\x04")
    with pytest.raises(UnreadableFile, match="waveform sequence is damaged"):
        read(dataset, tmp_path)


def with_private_tail(tail: bytes, tmp_path) -> list[UploadedFile]:
    path = tmp_path / "ecg.dcm"
    path.write_bytes(dicom_ecg_bytes(RHYTHM) + tail)
    return [UploadedFile("ecg.dcm", path)]


EMPTY_PRIVATE_ELEMENTS = b"".join(
    struct.pack("<HH2sH", 0x7001 + 2 * (k >> 16), k & 0xFFFF, b"LO", 0) for k in range(150_000)
)
EMPTY_ITEMS = (
    struct.pack("<HH2sHL", 0x7001, 0x1010, b"SQ", 0, 0xFFFFFFFF)
    + struct.pack("<HHL", 0xFFFE, 0xE000, 0) * 150_000
    + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)
)


# An element whose VR is no two capitals, which pydicom reads as implicit (a 4-byte length, 16)
# and skips; read as explicit, its value would hold an OB of 2 GiB that hides what follows
# (found in the review of the counting).
NOT_A_VR = struct.pack("<HH2sHL", 0x7001, 0x0010, b"OB", 0, 0x7FFFFFF0) + b"\x00" * 4
HIDING_ITEMS = struct.pack("<HHL", 0x7001, 0x1000, len(NOT_A_VR)) + NOT_A_VR + EMPTY_ITEMS
# A sequence item of an explicit file written in implicit VR, as pydicom reads it: 150 000 empty
# elements.
IMPLICIT_ITEM = (
    struct.pack("<HH2sHL", 0x7001, 0x1010, b"SQ", 0, 0xFFFFFFFF)
    + struct.pack("<HHL", 0xFFFE, 0xE000, 0xFFFFFFFF)
    + b"".join(struct.pack("<HHL", 0x7003, k & 0xFFFF, 0) for k in range(150_000))
    + struct.pack("<HHL", 0xFFFE, 0xE00D, 0)
    + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)
)


@pytest.mark.parametrize(
    "tail",
    [EMPTY_PRIVATE_ELEMENTS, EMPTY_ITEMS, HIDING_ITEMS, IMPLICIT_ITEM],
    ids=["empty elements", "empty items", "items behind a value that is no VR", "implicit item"],
)
def test_a_file_of_more_elements_than_may_be_read_is_refused_before_parsing(
    tmp_path, monkeypatch, tail
):
    """Found in review: 300 000 empty items in 2.3 MiB cost a worker 198 MiB and 8.5 s, as
    pydicom makes an object of each; 256 MiB of them would have been 22 GiB."""
    files = with_private_tail(tail, tmp_path)
    monkeypatch.setattr(pydicom, "dcmread", lambda *args, **kwargs: pytest.fail("parsed"))
    monkeypatch.setattr(dicom, "read_file_meta_info", lambda *args: pytest.fail("parsed"))
    with pytest.raises(OversizedFile, match="more than 100000 data elements"):
        read_recording(files)


@pytest.mark.parametrize("implicit", [False, True], ids=["explicit VR", "implicit VR"])
def test_the_elements_of_an_ecg_are_counted_as_pydicom_reads_them(tmp_path, implicit):
    dataset = pydicom.dcmread(io.BytesIO(dicom_ecg_bytes(RHYTHM)))
    path = tmp_path / "ecg.dcm"
    if implicit:
        dataset.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    dcmwrite(path, dataset, implicit_vr=implicit, little_endian=True)

    def elements_and_items(elements) -> int:
        return sum(
            1 + sum(1 + elements_and_items(item) for item in element.value)
            if element.VR == "SQ"
            else 1
            for element in elements
        )

    read_back = pydicom.dcmread(path)
    expected = elements_and_items(read_back.file_meta) + elements_and_items(read_back)
    assert count_elements(path, 10**6) == expected
