"""ECG files made on the fly by the formats' own libraries, for upload tests."""

import datetime as dt
import io

import edfio
import numpy as np


def ecg_like(samples: int, seed: int, amplitude: int = 2000) -> np.ndarray:
    """A reproducible random walk around zero, as int16."""
    walk = np.cumsum(np.random.default_rng(seed).integers(-60, 61, samples))
    return np.clip(walk - int(walk.mean()), -amplitude, amplitude).astype(np.int16)


def simulated_ecg(
    sampling_frequency: float,
    seconds: float = 10.0,
    beats_per_minute: float = 60.0,
    noise_microvolts: float = 0.0,
) -> np.ndarray:
    """A simulator's lead, in µV: P, QRS and T as Gaussians on a zero baseline, noise-free
    unless ``noise_microvolts`` (the standard deviation of white noise) says otherwise."""
    t = np.arange(round(sampling_frequency * seconds)) / sampling_frequency
    lead = np.random.default_rng(0).normal(0, noise_microvolts, t.size)
    for beat in np.arange(0.3, seconds, 60.0 / beats_per_minute):
        for height, offset, width in ((150, -0.2, 0.025), (1000, 0, 0.01), (300, 0.3, 0.04)):
            lead += height * np.exp(-((t - beat - offset) ** 2) / (2 * width**2))
    return np.round(lead).astype(np.int64)


def edf_bytes(
    digital: list[np.ndarray],
    sampling_frequency: float = 250,
    labels: tuple[str, ...] = ("ECG I", "ECG II", "ECG V1"),
    annotations: bool = False,
) -> bytes:
    """An EDF (EDF+ with annotations) file of int16 leads calibrated at 0.1 uV per step."""
    signals = [
        edfio.EdfSignal.from_digital(
            samples,
            sampling_frequency,
            label=label,
            physical_dimension="uV",
            physical_range=(-3276.8, 3276.7),
            digital_range=(-32768, 32767),
        )
        for label, samples in zip(labels, digital, strict=False)
    ]
    recording = edfio.Edf(
        signals,
        recording=edfio.Recording(startdate=dt.date(2024, 5, 1)),
        starttime=dt.time(10, 30, 0),
        annotations=[edfio.EdfAnnotation(1.0, None, "event")] if annotations else None,
    )
    buffer = io.BytesIO()
    recording.write(buffer)
    return buffer.getvalue()


def dicom_ecg_bytes(
    leads: np.ndarray,
    sampling_frequency: float = 500,
    storage_class: str = "1.2.840.10008.5.1.4.1.1.9.1.1",
    acquired: str = "20240501103000+0200",
) -> bytes:
    """A DICOM waveform ECG (12-lead by default), samples x channels of int16, 2.5 uV per step."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    names = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
    group = Dataset()
    group.WaveformOriginality = "ORIGINAL"
    group.NumberOfWaveformChannels = leads.shape[1]
    group.NumberOfWaveformSamples = leads.shape[0]
    group.SamplingFrequency = sampling_frequency
    group.WaveformBitsAllocated = 16
    group.WaveformSampleInterpretation = "SS"
    channels = []
    for index in range(leads.shape[1]):
        source, units, channel = Dataset(), Dataset(), Dataset()
        source.CodeMeaning = f"Lead {names[index % 12]}"
        units.CodeValue = "uV"
        channel.ChannelSourceSequence = [source]
        channel.ChannelSensitivity = "2.5"
        channel.ChannelSensitivityUnitsSequence = [units]
        channel.ChannelSensitivityCorrectionFactor = "1"
        channel.ChannelBaseline = "0"
        channel.WaveformBitsStored = 16
        channels.append(channel)
    group.ChannelDefinitionSequence = channels
    group.add_new(0x54001010, "OW", leads.astype("<i2").tobytes())

    dataset = Dataset()
    dataset.SOPClassUID = storage_class
    dataset.SOPInstanceUID = generate_uid()
    dataset.AcquisitionDateTime = acquired
    dataset.WaveformSequence = [group]
    dataset.file_meta = FileMetaDataset()
    dataset.file_meta.MediaStorageSOPClassUID = storage_class
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def pack_212(samples: np.ndarray) -> bytes:
    """WFDB format 212, from its specification: two 12-bit samples in three bytes."""
    values = (samples.astype(np.int64) & 0xFFF).tolist()
    if len(values) % 2:
        values.append(0)
    packed = bytearray()
    for first, second in zip(values[0::2], values[1::2], strict=True):
        packed += bytes(
            [first & 0xFF, ((first >> 8) & 0x0F) | ((second >> 4) & 0xF0), second & 0xFF]
        )
    return bytes(packed)


def wfdb_record(leads: np.ndarray, fmt: str = "16", frequency: int = 360) -> tuple[str, bytes]:
    """A WFDB header and its one interleaved signal file (samples x signals)."""
    frames, count = leads.shape
    interleaved = leads.reshape(-1)
    data = pack_212(interleaved) if fmt == "212" else interleaved.astype("<i2").tobytes()
    lines = [f"rec1 {count} {frequency} {frames} 10:30:00 01/05/2024"]
    for index in range(count):
        lines.append(f"rec1.dat {fmt} 200(0)/mV 12 0 0 0 0 lead{'ABCDEFGH'[index]}")
    return "\n".join(lines) + "\n# a comment line\n", data
