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

Detections are only beats if they look alike: each QRS (the 200 ms around it) is compared with
the next two, and counts as alike when it correlates with either by at least 0.66, the template
threshold of Orphanidou et al. (IEEE J Biomed Health Inform 2015;19(3):832-838). Two neighbours,
not one template, so that bigeminy (every other beat ectopic) still matches. On the MIT-BIH
validation records 88-100 % of beats are alike; on band-limited noise, which the quality
verdict cannot tell from an ECG, 0-30 %.
"""

import numpy as np
from sleepecg import detect_heartbeats

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
ALIKE_CORRELATION = 0.66


class BeatDetector:
    """Finds the beats of one lead, fed consecutive blocks of its samples."""

    def __init__(self, sampling_frequency: float):
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
        self.compared = self.alike = 0  # beats compared with their neighbours, and alike

    def update(self, samples: np.ndarray) -> None:
        self.buffer = np.concatenate([self.buffer, self._averaged_down(samples)])
        while True:
            context = self.final_until - self.buffer_start  # left context already in the buffer
            core_end = self.final_until + self.segment
            if self.buffer_start + self.buffer.size < core_end + self.overlap:
                return
            window = self.buffer[: context + self.segment + self.overlap]
            self._compare(window, self._keep(self._detect(window), core_end))
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

    def _detect(self, window: np.ndarray) -> np.ndarray:
        if window.size < max(2, 2 * self.refractory) or window.min() == window.max():
            return np.empty(0, dtype=np.int64)  # sleepecg refuses flat signals: no beats
        try:
            return np.asarray(detect_heartbeats(window, self.sampling_frequency), dtype=np.int64)
        except ValueError:  # a window sleepecg cannot filter: no beats found in it
            return np.empty(0, dtype=np.int64)

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
        """Every beat's sample index in the lead, in order."""
        if self.buffer.size:
            self._compare(self.buffer, self._keep(self._detect(self.buffer), None))
            self.buffer = np.empty(0, dtype=np.float64)
        beats = np.concatenate(self.found) if self.found else np.empty(0, dtype=np.int64)
        return beats * self.factor + self.factor // 2 if self.factor > 1 else beats


def neighbour_similarity(signal: np.ndarray, beats: np.ndarray, half: int) -> np.ndarray:
    """For each beat with two more after it (and room for its QRS window), the higher
    correlation of its QRS window, ``half`` samples each side, with the next beat's and the
    one after."""
    beats = beats[(beats >= half) & (beats < signal.size - half)]
    if beats.size < 3:
        return np.empty(0)
    windows = signal[beats[:, None] + np.arange(-half, half + 1)]
    windows = windows - windows.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(windows, axis=1, keepdims=True)
    windows = windows / np.where(norms > 0, norms, 1.0)  # a flat window correlates with none
    next_one = np.einsum("ij,ij->i", windows[:-2], windows[1:-1])
    one_after = np.einsum("ij,ij->i", windows[:-2], windows[2:])
    return np.maximum(next_one, one_after)


def detect_all(signal: np.ndarray, sampling_frequency: float) -> np.ndarray:
    """The beats of a whole signal at once (the reference the segmented detector must match)."""
    return np.asarray(detect_heartbeats(signal.astype(np.float64), sampling_frequency))
