"""DICOM waveform ECGs (12-lead, general and ambulatory), read with pydicom."""

import datetime as dt
import functools

import numpy as np
import pydicom
from pydicom import Dataset, uid
from pydicom.filereader import read_file_meta_info
from pydicom.valuerep import DT

from formats import (
    BLOCK_SAMPLES,
    OversizedFile,
    UnreadableFile,
    UnsupportedFile,
    UploadedFile,
    calibration,
)
from formats.dicom_elements import count_elements
from formats.leads import lead_names
from recordings.model import MAX_LEADS, Calibration, LeadInput, Recording

ECG_STORAGE_CLASSES = {
    "1.2.840.10008.5.1.4.1.1.9.1.1": "12-lead ECG",
    "1.2.840.10008.5.1.4.1.1.9.1.2": "general ECG",
    "1.2.840.10008.5.1.4.1.1.9.1.3": "ambulatory ECG",
}
# pydicom reads a file whole (the waveform data sits inside a sequence, which it does not defer
# reading), and reading one costs about twice its size in memory (measured), so this bounds what
# a DICOM upload costs a worker: 2.6 days of 3 leads at 200 Hz, 6 hours of 12 at 500 Hz.
# Longer recordings come as EDF or WFDB, which are read a block at a time.
MAX_DICOM_BYTES = 256 << 20
# Its elements and items are bounded too: pydicom makes an object of each, up to about 690
# bytes, whatever they hold (formats.dicom_elements). A 12-lead ECG has about 150; this leaves
# room for thousands of annotations and bounds what the objects cost a worker to about 70 MiB.
MAX_DICOM_ELEMENTS = 100_000
# Transfer syntaxes read as stored. Any other is refused from the file's meta information alone:
# pydicom would inflate a deflated file whole, to any size, before anything else is checked;
# big-endian files were retired from DICOM in 2004.
READ_AS_STORED = {uid.ImplicitVRLittleEndian, uid.ExplicitVRLittleEndian}
# Refused from the meta information, or, without a transfer syntax there, from the encoding
# pydicom found (read little-endian, the samples would be noise).
BIG_ENDIAN = "the DICOM file uses the retired big-endian transfer syntax"
# Waveform sample interpretations this reader decodes, as little-endian numpy types.
SAMPLE_TYPES = {("SS", 16): "<i2", ("SB", 8): "i1", ("SL", 32): "<i4"}


def looks_like_dicom(head: bytes) -> bool:
    """A DICOM file has a 128-byte preamble and then "DICM"."""
    return head[128:132] == b"DICM"


def read(upload: UploadedFile) -> Recording:
    """Read the recorded multiplex group (the rhythm waveforms) of a DICOM ECG."""
    if upload.path.stat().st_size > MAX_DICOM_BYTES:
        raise OversizedFile(
            f"the DICOM file is larger than the {MAX_DICOM_BYTES >> 20} MiB a DICOM file may "
            "be (it is read whole); send a recording this long as EDF or WFDB"
        )
    # Counted before pydicom reads even the meta information, whose elements cost as much.
    refuse_too_many_elements(upload)
    refuse_unread_syntax(upload)
    try:
        dataset = pydicom.dcmread(upload.path)
        storage_class = str(dataset.get("SOPClassUID", ""))
        groups = list(dataset.get("WaveformSequence", []))
        _, little_endian = dataset.original_encoding
    except Exception as error:  # pydicom raises many types for malformed input
        raise unreadable(upload, error) from None
    if storage_class not in ECG_STORAGE_CLASSES:
        raise UnsupportedFile(
            f"the DICOM file is not an ECG waveform (SOP class {storage_class!r})"
        )
    if not little_endian:
        raise UnsupportedFile(BIG_ENDIAN)
    if not groups:
        raise UnreadableFile("the DICOM ECG has no waveform data")
    try:
        group = recorded_group(groups)
        channel_count = int(group.NumberOfWaveformChannels)
        if channel_count > MAX_LEADS:  # before any per-channel work
            raise UnsupportedFile(
                f"the DICOM file has {channel_count} channels; at most {MAX_LEADS} are accepted"
            )
        samples = waveform_samples(group)
        channels = list(group.ChannelDefinitionSequence)
        labels = [channel_label(channel, index) for index, channel in enumerate(channels, 1)]
        calibrations = [channel_calibration(channel) for channel in channels]
        sampling_frequency = float(group.SamplingFrequency)
        date = acquisition_time(dataset)
    except (UnreadableFile, UnsupportedFile):
        raise
    except Exception as error:  # pydicom parses lazily: damage surfaces as any exception here
        raise UnreadableFile(
            f"the DICOM ECG's waveform is unusable: {upload.quoted(error)}"
        ) from None
    if len(channels) != samples.shape[1]:
        raise UnreadableFile("the DICOM ECG's channel definitions do not match its data")
    leads = [
        LeadInput(name, functools.partial(column_blocks, samples, index), calibration)
        for index, (name, calibration) in enumerate(
            zip(lead_names(labels), calibrations, strict=True)
        )
    ]
    return Recording(leads, sampling_frequency, date=date)


def refuse_too_many_elements(upload: UploadedFile) -> None:
    """413 for a file of more elements and items than MAX_DICOM_ELEMENTS, before pydicom."""
    if count_elements(upload.path, MAX_DICOM_ELEMENTS) > MAX_DICOM_ELEMENTS:
        raise OversizedFile(
            f"the DICOM file holds more than {MAX_DICOM_ELEMENTS} data elements and items, "
            "each of which costs memory to read; send a recording with this much in it as EDF "
            "or WFDB"
        )


def refuse_unread_syntax(upload: UploadedFile) -> None:
    """Refuse a file whose meta information names a transfer syntax not in READ_AS_STORED."""
    try:
        syntax = read_file_meta_info(upload.path).get("TransferSyntaxUID")
    except Exception as error:  # pydicom raises many types for malformed input
        raise unreadable(upload, error) from None
    if syntax is None:
        return  # without one, pydicom finds the encoding, and read() checks its byte order
    if not isinstance(syntax, str):  # several values
        raise UnreadableFile("the DICOM file's transfer syntax is damaged")
    if syntax in READ_AS_STORED:
        return
    if syntax == uid.ExplicitVRBigEndian:
        raise UnsupportedFile(BIG_ENDIAN)
    raise UnsupportedFile(
        f"the DICOM file uses the transfer syntax {uid.UID(syntax[:64]).name!r}; waveforms are "
        "read uncompressed and little-endian only"
    )


def unreadable(upload: UploadedFile, error: Exception) -> UnreadableFile:
    return UnreadableFile(f"the DICOM file could not be read: {upload.quoted(error)}")


def recorded_group(groups: list) -> object:
    """The one multiplex group recorded as it was acquired (WaveformOriginality ORIGINAL, or
    unstated), not one derived from it, such as median beats; refused when there are several,
    rather than one kept and the others dropped."""
    if not all(isinstance(group, Dataset) for group in groups):  # a sequence of another VR
        raise UnreadableFile("the DICOM ECG's waveform sequence is damaged")
    recorded = [
        group
        for group in groups
        if str(group.get("WaveformOriginality", "ORIGINAL")).upper() == "ORIGINAL"
    ]
    if not recorded:
        raise UnsupportedFile("the DICOM ECG holds only derived waveforms (such as median beats)")
    if len(recorded) > 1:
        raise UnsupportedFile(
            f"the DICOM ECG holds {len(recorded)} recorded waveform groups; one can be read"
        )
    return recorded[0]


def waveform_samples(group) -> np.ndarray:
    """The multiplex group's integers, one column per channel."""
    interpretation = (group.WaveformSampleInterpretation, int(group.WaveformBitsAllocated))
    if interpretation not in SAMPLE_TYPES:
        raise UnsupportedFile(f"DICOM waveform samples of type {interpretation} are not supported")
    channels, count = int(group.NumberOfWaveformChannels), int(group.NumberOfWaveformSamples)
    data = np.frombuffer(group.WaveformData, dtype=SAMPLE_TYPES[interpretation])
    if data.size < channels * count:
        raise UnreadableFile("the DICOM ECG's waveform data is truncated")
    return data[: channels * count].reshape(count, channels)


def column_blocks(samples: np.ndarray, column: int):
    for start in range(0, samples.shape[0], BLOCK_SAMPLES):
        yield samples[start : start + BLOCK_SAMPLES, column].astype(np.int32)


def channel_label(channel, position: int) -> str:
    """The lead's name from the channel source code ("Lead I" becomes "I")."""
    source = channel.get("ChannelSourceSequence")
    meaning = str(source[0].get("CodeMeaning", "")) if source else ""
    return meaning.removeprefix("Lead ").strip() or f"ch{position}"


def channel_calibration(channel) -> Calibration | None:
    """DICOM: physical = sample * sensitivity * correction + baseline (in the sensitivity unit)."""
    if "ChannelSensitivity" not in channel:
        return None
    scale = float(channel.ChannelSensitivity) * float(
        channel.get("ChannelSensitivityCorrectionFactor", 1)
    )
    if scale == 0:
        return None
    units = channel.get("ChannelSensitivityUnitsSequence")
    unit = str(units[0].get("CodeValue", "")) if units else ""
    baseline = float(channel.get("ChannelBaseline", 0))
    return calibration(unit, scale, -baseline / scale)


def acquisition_time(dataset) -> dt.datetime | None:
    """AcquisitionDateTime (or ContentDate/Time), with the file's UTC offset if it gives one."""
    if "AcquisitionDateTime" in dataset:
        moment = DT(dataset.AcquisitionDateTime)
    elif "ContentDate" in dataset:
        moment = DT(f"{dataset.ContentDate}{dataset.get('ContentTime', '')}")
    else:
        return None
    if moment.tzinfo is None and "TimezoneOffsetFromUTC" in dataset:
        moment = DT(f"{moment.strftime('%Y%m%d%H%M%S.%f')}{dataset.TimezoneOffsetFromUTC}")
    try:
        return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    except OverflowError:
        raise UnreadableFile(
            "the DICOM acquisition time in UTC falls outside the calendar"
        ) from None
