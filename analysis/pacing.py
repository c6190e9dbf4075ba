"""Pacemaker pulses: found and taken out of a lead before its beats are detected.

A pacing pulse lasts 0.1 to 2 ms and is 2 to 700 mV high at the pacemaker (the range cardiac
monitors are tested to reject, ANSI/AAMI EC13 4.1.4); on the skin it is the narrowest and often
the steepest deflection of the ECG. sleepecg, which adapts to any scale, took such spikes for
beats: a heart that stopped beating under a pacemaker firing at 72 bpm was reported at 72 bpm,
normal. So a sample is part of a pulse when it stands out from the median of the samples around
it, twice as many as the widest pulse covers (which a pulse cannot bend, and a QRS, tens of
milliseconds wide, hardly moves), by more than half the range of that median over the 200 ms
around it, and by more than NOISE_FACTOR times the lead's own sample-to-sample noise in that
second and the ones either side (so that neither white noise on a flat lead nor a burst of
muscle noise is taken for pulses); a run of such samples wider than a pulse is noise too. A
pulse's samples, and the pacemaker's recharge in the RECHARGE_SECONDS after it, are replaced by
a straight line from the samples on either side.

Pulses are searched for from 500 Hz only (BeatDetector): below it a QRS is a few samples wide
and its tip stands out from the median as a pulse does. And they can only be seen where the
recording keeps them: a device's filter may smooth them away, and a device may mark pulses
apart and leave none in the signal.
"""

import numpy as np
from scipy.ndimage import median_filter

from analysis.windows import around

LONGEST_PULSE_SECONDS = 0.002
NOISE_SECONDS = 1.0  # noise is measured a second at a time: muscle noise comes in bursts
RANGE_SECONDS = 0.2
RECHARGE_SECONDS = 0.01
STAND_OUT_SHARE = 0.5
NOISE_FACTOR = 15.0
SPREAD_BATCH = 4096  # positions whose spread is measured at once (each a window of samples)
MAD_TO_SIGMA = 1.4826  # a normal distribution's standard deviation per median absolute deviation


class PacingPulses:
    """Finds and removes pacing pulses at one sampling frequency."""

    def __init__(self, sampling_frequency: float):
        # The samples a pulse may cover (the longest, straddling one sample more): the median
        # spans twice as many and one, so a pulse can never be its middle.
        self.widest = int(np.ceil(LONGEST_PULSE_SECONDS * sampling_frequency)) + 1
        self.half_span = self.widest
        self.noise_block = max(1, round(NOISE_SECONDS * sampling_frequency))
        self.range_size = 2 * round(RANGE_SECONDS * sampling_frequency / 2) + 1
        self.recharge = round(RECHARGE_SECONDS * sampling_frequency)

    def removed(self, signal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``signal`` without its pacing pulses, and the index where each pulse starts."""
        smooth = median_filter(signal, size=2 * self.half_span + 1, mode="nearest")
        standing_out = np.abs(signal - smooth)
        # The spread only where the noise is exceeded: a few samples per beat, at most.
        candidates = np.flatnonzero(standing_out > NOISE_FACTOR * self.local_noise(signal))
        spread = self.spread_around(smooth, candidates)
        pulse = np.zeros(signal.size, dtype=bool)
        pulse[candidates[standing_out[candidates] > STAND_OUT_SHARE * spread]] = True
        starts = np.flatnonzero(pulse & ~np.concatenate(([False], pulse[:-1])))
        ends = np.flatnonzero(pulse & ~np.concatenate((pulse[1:], [False])))
        # Longer than a pulse can be: a burst of noise, not a pacemaker.
        narrow = ends - starts < self.widest
        starts, ends = starts[narrow], ends[narrow]
        if not starts.size:
            return signal, starts
        covered = np.zeros(signal.size + 1, dtype=np.int64)
        np.add.at(covered, np.maximum(starts - self.half_span, 0), 1)
        np.add.at(covered, np.minimum(ends + self.half_span + self.recharge + 1, signal.size), -1)
        blanked = np.cumsum(covered[:-1]) > 0
        kept = np.flatnonzero(~blanked)
        if not kept.size:
            return np.full_like(signal, float(np.median(signal))), starts
        clean = signal.copy()
        clean[blanked] = np.interp(np.flatnonzero(blanked), kept, signal[kept])
        return clean, starts

    def local_noise(self, signal: np.ndarray) -> np.ndarray:
        """Each sample's noise: the standard deviation of the sample-to-sample changes, from
        their median absolute value, over its NOISE_SECONDS and the ones either side (the
        largest of the three), and at least a step of the lead (a lead that mostly holds still
        would otherwise have none, and its every flicker of a step would stand out)."""
        changes = np.abs(np.diff(signal, append=signal[-1:]))
        whole = changes.size - changes.size % self.noise_block
        medians = np.median(changes[:whole].reshape(-1, self.noise_block), axis=1)
        if whole < changes.size:  # the last, shorter block
            medians = np.append(medians, np.median(changes[whole:]))
        before = np.concatenate((medians[:1], medians[:-1]))
        after = np.concatenate((medians[1:], medians[-1:]))
        widest = np.maximum(medians, np.maximum(before, after))
        noise = np.maximum(1.0, MAD_TO_SIGMA * widest / np.sqrt(2))
        return np.repeat(noise, self.noise_block)[: signal.size]

    def spread_around(self, smooth: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """The range of ``smooth`` over the RANGE_SECONDS centred on each position, a batch of
        positions at a time (a noisy lead may have many)."""
        half = self.range_size // 2
        spreads = [
            np.ptp(smooth[around(batch, -half, half, smooth.size)], axis=1)
            for batch in np.array_split(positions, max(1, positions.size // SPREAD_BATCH))
        ]
        return np.concatenate(spreads) if spreads else np.empty(0)
