"""Which detections count as beats (most must look like a neighbour, analysis.beats), and the
lead they are taken from (analysis.recording)."""

import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt

from analysis.beats import detect_all
from analysis.recording import RecordingAnalysis
from recordings.ingest import analyse_leads
from recordings.model import LeadInput, Recording
from tests import mitdb
from tests.analysed import analyse

needs_records = pytest.mark.skipif(not mitdb.available(), reason=mitdb.shared_data_missing_reason())


def band_limited_noise(sampling_frequency: int, seconds: int = 60, seed: int = 1) -> np.ndarray:
    """What a monitor shows of a lead that is off: noise in the ECG's band, 0.5-40 Hz."""
    band = butter(2, (0.5, 40), btype="band", fs=sampling_frequency, output="sos")
    noise = np.random.default_rng(seed).normal(0, 100, sampling_frequency * seconds)
    return np.round(sosfiltfilt(band, noise)).astype(np.int32)


@pytest.mark.parametrize("sampling_frequency", [250, 360, 500, 1000])
def test_band_limited_noise_gets_no_rhythm(sampling_frequency):
    """Found in review: such noise passed the quality verdict and was reported as a
    tachycardia of 180-220 bpm."""
    insights, beats = analyse({"II": band_limited_noise(sampling_frequency)}, sampling_frequency)
    assert insights["rhythm"] is None and beats.size == 0
    assert "do not look alike" in insights["rhythm_unavailable"]


@needs_records
def test_detection_passes_from_a_noisy_lead_to_the_next():
    ecg = mitdb.signal("100")[: 360 * 60]
    insights, _ = analyse({"II": band_limited_noise(360), "V5": ecg}, 360)
    assert insights["rhythm"]["leads_used"] == ["V5"]
    assert insights["rhythm"]["heart_rate_bpm"]["mean"] == pytest.approx(75, abs=5)


def with_bigeminy(signal: np.ndarray, beats: np.ndarray, half: int = 40) -> np.ndarray:
    """Every other beat's QRS replaced by a wider one of the opposite polarity."""
    changed = signal.astype(np.float64)
    for beat in beats[1::2]:
        if half <= beat < signal.size - half:
            qrs = changed[beat - half : beat + half]
            changed[beat - half : beat + half] = -1.5 * qrs[::-1]
    return np.round(changed).astype(np.int32)


@needs_records
@pytest.mark.parametrize("record", mitdb.RECORDS)
def test_ecgs_keep_their_rhythm_with_every_other_beat_ectopic(record):
    """Compared with two neighbours, not one template: in bigeminy beat i is like beat i + 2."""
    signal = mitdb.signal(record)
    for lead in (signal, with_bigeminy(signal, detect_all(signal, 360))):
        insights, _ = analyse({"MLII": lead}, 360)
        assert insights["rhythm"] is not None, insights["rhythm_unavailable"]


@needs_records
def test_detection_prefers_a_lead_that_lasts_over_a_preferred_one_that_does_not():
    """Found in review: lead II of 3 s beside V1 of 5 minutes gave a rhythm of four beats."""
    ecg = mitdb.signal("100")
    leads = [
        LeadInput("V1", lambda: [ecg[: 360 * 300]], number_of_samples=360 * 300),
        LeadInput("II", lambda: [ecg[: 360 * 3]], number_of_samples=360 * 3),
    ]
    analysis = RecordingAnalysis(Recording(leads, 360))
    analyse_leads(analysis.recording, analysis)
    insights, _ = analysis.finish()
    assert insights["rhythm"]["leads_used"] == ["V1"]
    assert insights["rhythm"]["recording_seconds"] == 300.0
