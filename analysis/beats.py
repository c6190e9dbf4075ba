"""Heartbeats (QRS complexes): sleepecg's detector, run on a recording a segment at a time.

sleepecg (BSD-3, a C extension) was the most accurate detector per millisecond measured here,
and it is scale-invariant, so uncalibrated uploads work. A long recording is analysed in
segments of SEGMENT_SECONDS with OVERLAP_SECONDS of context on each side, so memory stays
bounded; beats are kept only from each segment's core. sleepecg's thresholds adapt over the
whole history (exponential averages, a mean of recent intervals), so no overlap makes the
result provably the same as analysing the whole signal at once; with these two figures it is
the same, within a sample, on every validation record (tested), where shorter segments or
contexts differed on some. An abrupt change of amplitude (an electrode moved) can still make
them differ: a segment starts from thresholds of its context alone.

sleepecg, looking back for a beat it missed after 1.66 mean intervals, takes P waves and noise
in a slow rhythm's long diastole for beats (and, its refractory period started at a P wave,
then misses the QRS after it): a 30-bpm rhythm was reported at 60 bpm. So a detection with a
point more than twice as steep within the next 200 ms (the longest normal PR interval) is
moved there (of two then within 200 ms of each other, one beat, the steeper is kept); and of
two detections within 360 ms, one less than half as steep as the other is
a T wave after its QRS, or a P wave before it, and is dropped (the T-wave test of Pan and
Tompkins, IEEE Trans Biomed Eng 1985;32(3):230-236, applied whichever comes first). A T wave
more than half as steep as its QRS (a tall, peaked one) is still counted.

Detections are only beats if they look alike: each QRS (the 200 ms around it) is compared with
the next two, and counts as alike when it correlates with either by at least 0.66, the template
threshold of Orphanidou et al. (IEEE J Biomed Health Inform 2015;19(3):832-838). Two neighbours,
not one template, so that bigeminy (every other beat ectopic) still matches. On the MIT-BIH
validation records 88-100 % of beats are alike; on band-limited noise, which the quality
verdict cannot tell from an ECG, 0-30 %.
"""

import numpy as np
from sleepecg import detect_heartbeats

from analysis.pacing import PacingPulses
from analysis.windows import around

SEGMENT_SECONDS = 600
OVERLAP_SECONDS = 120
# sleepecg's 5-30 Hz band-pass needs more than 60 Hz; below 100 Hz a QRS spans a few samples.
MIN_SAMPLING_FREQUENCY = 100.0
# Above this the detector sees the lead averaged down (a QRS lasts 80-120 ms: 1 kHz keeps it),
# so its buffer stays a few megabytes whatever the recording's rate.
DETECTION_HZ = 1000.0
# Two detections closer than this are one beat seen from two segments (no heart beats faster).
REFRACTORY_SECONDS = 0.2
QRS_HALF_SECONDS = 0.1
# Pan and Tompkins's T-wave test: a detection this close to another, less than half as steep.
T_WAVE_SECONDS = 0.36
STEEPER_FACTOR = 2.0
# How far after a P wave its QRS may start: the longest normal PR interval.
PR_SECONDS = 0.2
SLOPE_HALF_SECONDS = 0.05  # a detection's slope is the steepest within 50 ms of it
SLOPE_SPAN_SECONDS = 0.008  # measured across 8 ms, so that noise a sample wide is not a slope
ALIKE_CORRELATION = 0.66
# Complexes whose 100 ms around them span less than this, in the median, are not QRS
# complexes (judged when the lead's calibration is known): low voltage is a QRS under 0.5 mV in
# the limb leads; what is left of a lead once a pacemaker's pulses are taken out, when no beat
# follows them, or an electrode's slow drift, is smaller. Judged for the whole lead, not beat by
# beat, so that a low-voltage lead's smaller beats are not dropped one at a time.
MIN_QRS_MILLIVOLTS = 0.1
# Pacing pulses (0.1-2 ms) are searched for from this detection rate: below it a QRS is a few
# samples wide and its tip stands out like a pulse (record 100 at 100 Hz showed 178).
PACING_MIN_HZ = 500.0


class BeatDetector:
    """Finds the beats of one lead, fed consecutive blocks of its samples."""

    def __init__(self, sampling_frequency: float, millivolts_per_step: float | None = None):
        self.factor = max(1, int(np.ceil(sampling_frequency / DETECTION_HZ)))
        self.carry = np.empty(0, dtype=np.float64)  # samples not yet averaged down
        sampling_frequency = sampling_frequency / self.factor
        self.sampling_frequency = sampling_frequency
        self.segment = max(1, round(SEGMENT_SECONDS * sampling_frequency))
        self.overlap = round(OVERLAP_SECONDS * sampling_frequency)
        self.refractory = round(REFRACTORY_SECONDS * sampling_frequency)
        self.buffer = np.empty(0, dtype=np.float64)
        self.buffer_start = 0  # index in the lead of buffer[0]
        self.final_until = 0  # beats before this index are decided
        self.found: list[np.ndarray] = []
        self.qrs_half = round(QRS_HALF_SECONDS * sampling_frequency)
        self.waves = WaveTest(sampling_frequency)
        self.pacing = (
            PacingPulses(sampling_frequency) if sampling_frequency >= PACING_MIN_HZ else None
        )
        self.pacing_pulses = 0  # found in decided stretches, as beats are
        self.millivolts_per_step = abs(millivolts_per_step) if millivolts_per_step else None
        self.spans: list[np.ndarray] = []  # of each kept beat's 100 ms, in the lead's steps
        self.median_span_millivolts: float | None = None  # once the result is known
        self.compared = self.alike = 0  # beats compared with their neighbours, and alike

    def update(self, samples: np.ndarray) -> None:
        self.buffer = np.concatenate([self.buffer, self._averaged_down(samples)])
        while True:
            context = self.final_until - self.buffer_start  # left context already in the buffer
            core_end = self.final_until + self.segment
            if self.buffer_start + self.buffer.size < core_end + self.overlap:
                return
            self._decide(self.buffer[: context + self.segment + self.overlap], core_end)
            keep_from = max(self.buffer_start, self.final_until - self.overlap)
            self.buffer = self.buffer[keep_from - self.buffer_start :]
            self.buffer_start = keep_from

    def _averaged_down(self, samples: np.ndarray) -> np.ndarray:
        values = samples.astype(np.float64)
        if self.factor == 1:
            return values
        joined = np.concatenate([self.carry, values])
        whole = joined.size - joined.size % self.factor
        self.carry = joined[whole:]
        return joined[:whole].reshape(-1, self.factor).mean(axis=1)

    def _decide(self, window: np.ndarray, core_end: int | None) -> None:
        """Detect in ``window`` (the buffer's start) and keep what falls before ``core_end``
        (everything from final_until when None)."""
        if self.pacing is not None:
            window, pulses = self.pacing.removed(window)
            pulses = pulses + self.buffer_start
            decided = (pulses >= self.final_until) & (core_end is None or pulses < core_end)
            self.pacing_pulses += int(np.count_nonzero(decided))
        kept = self._keep(self._detect(window), core_end)
        self._compare(window, kept)
        half = self.qrs_half // 2  # a QRS lasts up to 100 ms; a longer span adds the drift
        self.spans.append(np.ptp(window[around(kept, -half, half, window.size)], axis=1))

    def _detect(self, window: np.ndarray) -> np.ndarray:
        if window.size < max(2, 2 * self.refractory) or window.min() == window.max():
            return np.empty(0, dtype=np.int64)  # sleepecg refuses flat signals: no beats
        try:
            detected = np.asarray(detect_heartbeats(window, self.sampling_frequency), np.int64)
        except ValueError:  # a window sleepecg cannot filter: no beats found in it
            return np.empty(0, dtype=np.int64)
        return self.waves.without_p_and_t_waves(window, detected)

    def _keep(self, detected: np.ndarray, core_end: int | None) -> np.ndarray:
        """Keep the detections in [final_until, core_end) and mark them decided; return them,
        as indices in the buffer."""
        beats = detected + self.buffer_start
        beats = beats[beats >= self.final_until]
        if core_end is not None:
            beats = beats[beats < core_end]
        last = next((found[-1] for found in reversed(self.found) if found.size), None)
        if last is not None:
            beats = beats[beats - last >= self.refractory]
        self.found.append(beats)
        if core_end is not None:
            self.final_until = core_end
        return beats - self.buffer_start

    def _compare(self, window: np.ndarray, beats: np.ndarray) -> None:
        similarity = neighbour_similarity(window, beats, self.qrs_half)
        self.compared += similarity.size
        self.alike += int(np.count_nonzero(similarity >= ALIKE_CORRELATION))

    def alike_share(self) -> float | None:
        """The share of compared beats that look like a neighbour; None if none was compared."""
        return self.alike / self.compared if self.compared else None

    def result(self) -> np.ndarray:
        """Every beat's sample index in the lead, in order; none when, on a calibrated lead,
        the complexes are smaller than a QRS (see ``median_span_millivolts``)."""
        if self.buffer.size:
            self._decide(self.buffer, None)
            self.buffer = np.empty(0, dtype=np.float64)
        beats = np.concatenate(self.found) if self.found else np.empty(0, dtype=np.int64)
        spans = np.concatenate(self.spans) if self.spans else np.empty(0)
        if self.millivolts_per_step is not None and spans.size:
            self.median_span_millivolts = float(np.median(spans)) * self.millivolts_per_step
            if self.median_span_millivolts < MIN_QRS_MILLIVOLTS:
                beats = beats[:0]
        return beats * self.factor + self.factor // 2 if self.factor > 1 else beats


def neighbour_similarity(signal: np.ndarray, beats: np.ndarray, half: int) -> np.ndarray:
    """For each beat with two more after it (and room for its QRS window), the higher
    correlation of its QRS window, ``half`` samples each side, with the next beat's and the
    one after."""
    beats = beats[(beats >= half) & (beats < signal.size - half)]
    if beats.size < 3:
        return np.empty(0)
    windows = signal[around(beats, -half, half, signal.size)]
    windows = windows - windows.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(windows, axis=1, keepdims=True)
    windows = windows / np.where(norms > 0, norms, 1.0)  # a flat window correlates with none
    next_one = np.einsum("ij,ij->i", windows[:-2], windows[1:-1])
    one_after = np.einsum("ij,ij->i", windows[:-2], windows[2:])
    return np.maximum(next_one, one_after)


class WaveTest:
    """Pan and Tompkins's T-wave test, applied to P waves too, at one sampling frequency."""

    def __init__(self, sampling_frequency: float):
        self.closest = round(T_WAVE_SECONDS * sampling_frequency)
        self.half = max(1, round(SLOPE_HALF_SECONDS * sampling_frequency))
        self.span = max(1, round(SLOPE_SPAN_SECONDS * sampling_frequency / 2))
        self.reach = round(PR_SECONDS * sampling_frequency)
        self.refractory = round(REFRACTORY_SECONDS * sampling_frequency)

    def without_p_and_t_waves(self, signal: np.ndarray, detected: np.ndarray) -> np.ndarray:
        """``detected`` (indices in ``signal``, sorted) without the P and T waves taken for
        beats: each first moved to a much steeper QRS just after it (moved_to_a_steeper_qrs);
        then, of two closer than T_WAVE_SECONDS, one less than half as steep as the other is
        dropped (a chain of them is judged from its first, each against the last kept)."""
        if detected.size == 0:
            return detected
        change = self.change(signal)
        detected = self.moved_to_a_steeper_qrs(change, detected)
        if detected.size < 2 or not np.any(np.diff(detected) < self.closest):
            return detected
        slopes = self.steepness(change, detected)
        kept = [0]
        for index in range(1, detected.size):
            last = kept[-1]
            if detected[index] - detected[last] >= self.closest:
                kept.append(index)
            elif STEEPER_FACTOR * slopes[index] < slopes[last]:
                continue  # a T wave after its QRS
            elif STEEPER_FACTOR * slopes[last] < slopes[index]:
                kept[-1] = index  # the last was a P wave before this QRS
            else:
                kept.append(index)
        return detected[kept]

    def change(self, signal: np.ndarray) -> np.ndarray:
        """How much ``signal`` changes across 2 * span samples, at each sample."""
        change = np.zeros(signal.size)
        change[self.span : -self.span] = np.abs(signal[2 * self.span :] - signal[: -2 * self.span])
        return change

    def steepness(self, change: np.ndarray, detected: np.ndarray) -> np.ndarray:
        """The steepest ``change`` within SLOPE_HALF_SECONDS of each detection."""
        return change[around(detected, -self.half, self.half, change.size)].max(axis=1)

    def moved_to_a_steeper_qrs(self, change: np.ndarray, detected: np.ndarray) -> np.ndarray:
        """Each detection moved to the steepest point of the next PR_SECONDS when that is more
        than twice as steep as the detection itself (a P wave taken for its QRS, which
        sleepecg's refractory period then hid). Two detections left within REFRACTORY_SECONDS
        of each other are one beat, where the steeper is kept (the earlier, if alike)."""
        ahead = around(detected, self.half + 1, self.reach, change.size)
        steepest = ahead[np.arange(detected.size), change[ahead].argmax(axis=1)]
        move = change[steepest] > STEEPER_FACTOR * self.steepness(change, detected)
        moved = np.unique(np.where(move, steepest, detected))
        close = np.flatnonzero(np.diff(moved) < self.refractory)
        if not close.size:
            return moved
        slopes = change[moved]
        return np.delete(moved, np.where(slopes[close + 1] > slopes[close], close, close + 1))


def detect_all(signal: np.ndarray, sampling_frequency: float) -> np.ndarray:
    """The beats of a whole signal at once (the reference the segmented detector must match on
    leads without pacing pulses, its QRS floor aside)."""
    values = signal.astype(np.float64)
    detected = np.asarray(detect_heartbeats(values, sampling_frequency), dtype=np.int64)
    return WaveTest(sampling_frequency).without_p_and_t_waves(values, detected)
