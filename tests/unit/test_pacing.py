"""Pacemaker pulses are not heartbeats, and a lead without QRS complexes gives none."""

import numpy as np
import pytest
from scipy.signal import resample_poly

from analysis.beats import BeatDetector
from recordings.model import Calibration
from tests import mitdb
from tests.analysed import analyse
from tests.ecg_files import simulated_ecg

MICROVOLTS = Calibration("uV", 1.0)
FREQUENCY = 1000
PACED_PER_MINUTE = 72


def with_pacing_pulses(lead: np.ndarray, starts: np.ndarray, millivolts: float) -> np.ndarray:
    """``lead`` (µV) with a 0.5 ms pulse at each start and the small recharge after it."""
    paced = lead.astype(np.int64)
    for start in starts:
        paced[start] += round(millivolts * 1000)  # 0.5 ms: a sample at 1 kHz
        paced[start + 1 : start + FREQUENCY // 100] -= round(millivolts * 30)
    return paced


def pulse_starts(seconds: float, first: float = 0.5, frequency: int = FREQUENCY) -> np.ndarray:
    return np.round(np.arange(first, seconds, 60 / PACED_PER_MINUTE) * frequency).astype(int)


def test_a_pacemaker_firing_into_asystole_gives_no_heart_rate():
    """Found in review: a heart that stopped beating under a pacemaker firing at 72 bpm was
    reported at 72 bpm, normal, since its pulses were taken for beats."""
    time = np.arange(60 * FREQUENCY) / FREQUENCY
    resting = np.random.default_rng(5).normal(0, 10, time.size) + 300 * np.sin(0.4 * np.pi * time)
    lead = with_pacing_pulses(np.round(resting), pulse_starts(60), millivolts=2)
    insights, beats = analyse({"II": lead}, FREQUENCY, MICROVOLTS)
    assert insights["rhythm"] is None and beats.size == 0
    reason = insights["rhythm_unavailable"]
    assert "without a beat, the longest 60 s" in reason
    assert f"II shows {60 * PACED_PER_MINUTE // 60} pacemaker pulses" in reason


def test_a_paced_rhythm_counts_each_beat_once_and_its_pulses():
    seconds = 60
    lead = simulated_ecg(FREQUENCY, seconds, PACED_PER_MINUTE, noise_microvolts=8)
    # simulated_ecg's QRS peaks are at 0.3 s + a beat interval: each paced 40 ms before
    lead = with_pacing_pulses(lead, pulse_starts(seconds, first=0.26), millivolts=5)
    insights, beats = analyse({"II": lead}, FREQUENCY, MICROVOLTS)
    rhythm = insights["rhythm"]
    assert rhythm["heart_rate_bpm"]["mean"] == PACED_PER_MINUTE
    assert rhythm["pacing_pulses"] == beats.size == len(pulse_starts(seconds, first=0.26))


@pytest.mark.parametrize("sampling_frequency", [100, 128, 250, 360, 500, 1000])
def test_an_unpaced_lead_has_no_pacing_pulses(sampling_frequency):
    """Found in review: at 100 Hz a QRS's tip stood out of a 3-sample median as a pulse, and
    a 75-bpm lead read 139 bpm."""
    lead = simulated_ecg(sampling_frequency, 30, noise_microvolts=10)
    detector = BeatDetector(sampling_frequency, millivolts_per_step=0.001)
    detector.update(lead)
    assert detector.result().size == 30 and detector.pacing_pulses == 0


def test_a_flicker_of_one_step_is_no_pacing_pulse():
    """Found in review: on a lead of 10 µV steps that mostly holds still, the noise measured
    0 and every one-step flicker in the diastole counted as a pulse (49 in 30 s)."""
    microvolts = simulated_ecg(1000, 30, noise_microvolts=2)
    steps = np.round(microvolts / 10).astype(np.int64)
    detector = BeatDetector(1000, millivolts_per_step=0.01)
    detector.update(steps)
    assert detector.result().size == 30 and detector.pacing_pulses == 0


@pytest.mark.skipif(not mitdb.available(), reason="the MIT-BIH records are not here")
@pytest.mark.parametrize("record", mitdb.RECORDS)
def test_the_mitdb_records_show_no_pacing_pulses(record):
    """Records 102 and 104 are paced, but their recorder's filters smoothed the pulses away;
    resampled to 1 kHz (at 360 Hz no pulse is searched for), their QRS tips are no pulses."""
    five_minutes = mitdb.signal(record)[: 300 * mitdb.SAMPLING_FREQUENCY].astype(np.float64)
    lead = np.round(resample_poly(five_minutes, 25, 9)).astype(np.int64)  # 360 Hz to 1 kHz
    detector = BeatDetector(FREQUENCY, millivolts_per_step=0.005)
    detector.update(lead)
    assert detector.result().size > 300 and detector.pacing_pulses == 0


@pytest.mark.parametrize(("frequency", "width"), [(500, 2), (1000, 3)])
def test_pulses_as_wide_as_a_pacemakers_are_found(frequency, width):
    """Found in review: a 3-sample median took a 2-sample pulse for the signal itself, so a
    pacemaker firing into a stopped heart at 500 Hz was 72 bpm again."""
    silent = np.round(np.random.default_rng(0).normal(0, 8, 60 * frequency)).astype(np.int64)
    for start in pulse_starts(60, frequency=frequency):
        silent[start : start + width] += 5000
    insights, beats = analyse({"II": silent}, frequency, MICROVOLTS)
    assert beats.size == 0 and "pacemaker pulses" in insights["rhythm_unavailable"]


def test_bursts_of_muscle_noise_are_no_pacing_pulses():
    """Found in review: with the noise measured over the whole window, a clean lead's
    noise was a step, and bursts of 40 µV of muscle noise on a fifth of it were 1319
    pulses."""
    lead = simulated_ecg(FREQUENCY, 120, 75, noise_microvolts=1).astype(np.float64)
    generator = np.random.default_rng(1)
    for second in generator.choice(120, size=24, replace=False):
        burst = slice(second * FREQUENCY, (second + 1) * FREQUENCY)
        lead[burst] += generator.normal(0, 40, FREQUENCY)
    detector = BeatDetector(FREQUENCY, millivolts_per_step=0.001)
    detector.update(np.round(lead).astype(np.int64))
    assert detector.result().size == 150 and detector.pacing_pulses == 0


def test_a_lead_without_qrs_complexes_hands_detection_to_the_next():
    """Found in review: the smooth decay of an electrode's polarisation on II gave 79
    detections that all looked alike (181 bpm), and the clean V1 beside it was never read."""
    seconds = 30
    time = np.arange(seconds * 500) / 500
    drifting = np.round(5000 * np.exp(-time / 8)).astype(np.int64)
    clean = simulated_ecg(500, seconds, 75, noise_microvolts=8)
    insights, _ = analyse({"II": drifting, "V1": clean}, 500, MICROVOLTS)
    assert insights["rhythm"]["leads_used"] == ["V1"]
    assert insights["rhythm"]["heart_rate_bpm"]["mean"] == 75.0


@pytest.mark.parametrize(("millivolts", "used"), [(0.12, "I"), (0.07, "V5")])
def test_a_low_voltage_lead_keeps_all_its_beats_or_hands_detection_on(millivolts, used):
    """Found in review: beats were dropped one at a time under 0.1 mV, so a real QRS of about
    0.1 mV, its height breathing by 20 %, read 48.8 bpm (89 of 151 beats). The floor is for
    the lead: a median under 0.1 mV hands detection to the next lead."""
    seconds, frequency = 120, 500
    time = np.arange(seconds * frequency) / frequency
    breathing = 1 + 0.2 * np.sin(2 * np.pi * 0.25 * time)
    tall = simulated_ecg(frequency, seconds, 75, noise_microvolts=3)
    small = np.round(tall * breathing * millivolts).astype(np.int64)
    insights, beats = analyse({"I": small, "V5": tall}, frequency, MICROVOLTS)
    assert insights["rhythm"]["leads_used"] == [used]
    assert beats.size == 150 and insights["rhythm"]["heart_rate_bpm"]["mean"] == 75.0


def test_a_regular_lead_of_small_complexes_is_not_reported_as_a_pause():
    """Found in review: a clean 75-bpm lead of 0.09 mV was reported as 0 heartbeats and a
    60-s stretch without a beat, which states asystole for a heart that beat 75 times."""
    lead = np.round(simulated_ecg(500, 60, 75, noise_microvolts=1) * 0.09).astype(np.int64)
    insights, beats = analyse({"II": lead}, 500, MICROVOLTS)
    reason = insights["rhythm_unavailable"]
    assert beats.size == 0 and "without a beat" not in reason
    assert "span 0.09" in reason and "low-voltage lead, or a wrong calibration" in reason
