"""Whether a lead is usable, and the problems found, from a fixed vocabulary:

- ``flat_line``: a disconnected lead: in most 2-second windows the signal moves less than
  20 µV (2 steps when the lead has no calibration in volts);
- ``saturated``: clipped at the recording's limits: more than 1 % of the samples sit on
  plateaus (runs of at least 8 ms and 2 samples) at the lead's own minimum or maximum, where
  that extreme lies at least 5 % of the lead's range from its resting level (the median of the
  medians of its moving windows: a rail holds its windows flat, so it is not taken for rest).
  A real ECG touches its extremes at a few peaks; a noise-free simulator at every beat, but for
  a sample at a time, and its resting level may be its minimum; a clipped one stays on the rail
  while the signal lies beyond it. (A baseline clipped flat at a rail, with beats above it all
  along, looks like a noise-free one and is not told apart.)
- ``noisy``: in the typical 2-second window, the root mean square of the second difference is
  more than 10 % of the window's range (clean leads of the MIT-BIH records: 1-3 %; the same with
  white noise of 10 % of their range: 17 %; a low-voltage lead of 0.3 mV with 10 µV of noise,
  still readable: 8 %). Sampled more slowly, an ECG's second difference grows while white
  noise's stays about 40 %, so below 360 Hz the bound grows by 360 / f: the same leads resampled
  to 100 Hz measure 7-14 % against a bound of 36 % (to 250 Hz: 2-4 % against 14 %). The square
  of that factor, right for a signal smooth at every rate, let pure noise pass below 180 Hz;
- ``too_short``: under 2 seconds (1000 samples without a sampling frequency): too little to
  judge the rest, or to find a rhythm in.
Without a sampling frequency (or below 1 Hz) noise cannot be judged.
"""

import numpy as np

from recordings.model import Calibration

WINDOW_SECONDS = 2.0
FLAT_MILLIVOLTS = 0.02
FLAT_STEPS = 2
SATURATED_SHARE = 0.01
PLATEAU_SECONDS = 0.008
PLATEAU_SAMPLES = 2
CLIPPED_FROM_REST = 0.05  # of the range: how far a rail lies from the resting level
LEVEL_STRIDE = 4  # every 4th sample is enough to find the resting level
NOISE_RATIO = 0.10
NOISE_REFERENCE_HZ = 360.0
MIN_SECONDS = 2.0
WINDOWLESS_SAMPLES = 1000  # window length when the sampling frequency is unknown


def flat_threshold(calibration: Calibration | None) -> float:
    """The range, in the lead's own steps, below which a window counts as flat."""
    step = calibration.millivolts_per_step() if calibration else None
    # Stored before calibrations were bounded, a step may round to 0 mV: judged as uncalibrated.
    return FLAT_STEPS if not step else FLAT_MILLIVOLTS / abs(step)


class SignalQuality:
    """The quality verdict of one lead, fed consecutive blocks of its samples."""

    def __init__(self, sampling_frequency: float | None, calibration: Calibration | None):
        # Below 1 Hz no ECG is sampled: judged as if the frequency were unknown.
        if sampling_frequency is not None and sampling_frequency < 1:
            sampling_frequency = None
        self.sampling_frequency = sampling_frequency
        self.window = (
            max(4, round(WINDOW_SECONDS * sampling_frequency))
            if sampling_frequency
            else WINDOWLESS_SAMPLES
        )
        self.plateau = max(
            PLATEAU_SAMPLES,
            round(PLATEAU_SECONDS * sampling_frequency) if sampling_frequency else 0,
        )
        self.flat_below = flat_threshold(calibration)
        # The median of each moving window (of every LEVEL_STRIDE-th sample): a rail the lead
        # sits on, its windows flat, is not its resting level.
        self.levels: list[np.ndarray] = []
        self.pending = np.empty(0, dtype=np.int32)
        self.samples = 0
        self.low = self.high = None
        self.at_low = self.at_high = 0
        # The run of samples equal to the low (the high) that ends the blocks so far: a plateau
        # the next block continues is one run, wherever the blocks split it.
        self.low_tail = self.high_tail = 0
        self.flat_windows = 0
        self.windows = 0
        self.noise_ratios: list[np.ndarray] = []

    def update(self, samples: np.ndarray) -> None:
        if samples.size == 0:
            return
        self.samples += samples.size
        self._extremes(samples)
        joined = np.concatenate([self.pending, samples]) if self.pending.size else samples
        whole = joined.size - joined.size % self.window
        self.pending = joined[whole:]
        if whole:
            self._windows(joined[:whole].reshape(-1, self.window))

    def _extremes(self, samples: np.ndarray) -> None:
        low, high = int(samples.min()), int(samples.max())
        if self.low is None or low < self.low:
            self.low, self.at_low, self.low_tail = low, 0, 0
        if self.high is None or high > self.high:
            self.high, self.at_high, self.high_tail = high, 0, 0
        # A block that does not reach an extreme adds nothing to it, and ends no run at it.
        if low == self.low:
            self.at_low, self.low_tail = self._plateaus(samples, low, self.at_low, self.low_tail)
        else:
            self.low_tail = 0
        if high == self.high:
            self.at_high, self.high_tail = self._plateaus(
                samples, high, self.at_high, self.high_tail
            )
        else:
            self.high_tail = 0

    def _plateaus(
        self, samples: np.ndarray, value: int, counted: int, tail: int
    ) -> tuple[int, int]:
        """``counted`` samples on plateaus at ``value`` with this block's added, its first run
        joined to the ``tail`` that ended the blocks before; and the tail this block leaves."""
        matches = samples == value
        at_edges = matches[0] or matches[-1]
        if not at_edges and np.count_nonzero(matches) < self.plateau:
            return counted, 0  # the common block: its extreme a sample or two, no run to carry
        runs = runs_of(matches)  # at least one: an edge matches, or enough samples for a run
        if tail and matches[0]:
            counted -= tail if tail >= self.plateau else 0  # counted alone, it is one run now
            runs[0] += tail
        counted += int(runs[runs >= self.plateau].sum())
        return counted, int(runs[-1]) if matches[-1] else 0

    def _windows(self, windows: np.ndarray) -> None:
        # float64 first: second differences of 32-bit samples can overflow 64-bit squares
        values = windows.astype(np.float64)
        ranges = np.ptp(values, axis=1)
        self.windows += ranges.size
        moving = ranges >= self.flat_below
        still = ranges.size - int(np.count_nonzero(moving))
        self.flat_windows += still
        if still < ranges.size:
            if still:
                values, ranges = values[moving], ranges[moving]
            every = values[:, ::LEVEL_STRIDE]
            self.levels.append(
                np.partition(every, every.shape[1] // 2, axis=1)[:, every.shape[1] // 2]
            )
            second = values[:, 2:] - 2 * values[:, 1:-1] + values[:, :-2]
            rms = np.sqrt(np.einsum("ij,ij->i", second, second) / second.shape[1])
            self.noise_ratios.append(rms / ranges)

    def result(self) -> dict:
        """``{"usable": bool, "problems": [...]}`` in the vocabulary above."""
        minimum = MIN_SECONDS * self.sampling_frequency if self.sampling_frequency else self.window
        if self.samples < minimum:
            return {"usable": False, "problems": ["too_short"]}
        # A last part window of at least half a window, and of the 3 samples a second
        # difference needs.
        if self.pending.size >= max(3, self.window // 2):
            self._windows(self.pending[None, :])
        problems = []
        flat = self.flat_windows > self.windows / 2
        if flat:
            problems.append("flat_line")
        elif (
            self.at_low + self.at_high > SATURATED_SHARE * self.samples
            and self._clipped() > SATURATED_SHARE * self.samples
        ):
            problems.append("saturated")
        if self.sampling_frequency and not flat and self._noise() > self._noise_bound():
            problems.append("noisy")
        return {"usable": not problems, "problems": problems}

    def _clipped(self) -> int:
        """The samples on plateaus at an extreme far enough from the resting level to be a
        rail rather than the baseline (both extremes when no window moved)."""
        if not self.levels:
            return self.at_low + self.at_high
        rest = float(np.median(np.concatenate(self.levels)))
        far = CLIPPED_FROM_REST * (self.high - self.low)
        return (self.at_low if rest - self.low >= far else 0) + (
            self.at_high if self.high - rest >= far else 0
        )

    def _noise(self) -> float:
        """The median window's noise ratio (sorted by hand: np.median costs more than the rest
        of a 10-second lead's checks)."""
        ratios = np.sort(np.concatenate(self.noise_ratios)) if self.noise_ratios else np.zeros(1)
        middle = ratios.size // 2
        return float(
            ratios[middle] if ratios.size % 2 else (ratios[middle - 1] + ratios[middle]) / 2
        )

    def _noise_bound(self) -> float:
        return NOISE_RATIO * max(1.0, NOISE_REFERENCE_HZ / self.sampling_frequency)


def runs_of(matches: np.ndarray) -> np.ndarray:
    """The lengths of the runs of True in ``matches``, in order (none when there is none)."""
    if not matches.any():
        return np.empty(0, dtype=np.int64)
    # Runs alternate between matching and not; their lengths from where they change.
    changes = np.flatnonzero(matches[1:] != matches[:-1]) + 1
    runs = np.diff(np.concatenate(([0], changes, [matches.size])))
    return runs[0 if matches[0] else 1 :: 2]
