"""Pacemaker pulses: found and taken out of a lead before its beats are detected.

A pacing pulse lasts 0.1 to 2 ms and is 2 to 700 mV high at the pacemaker (the range cardiac
monitors are tested to reject, ANSI/AAMI EC13 4.1.4); on the skin it is the narrowest and often
the steepest deflection of the ECG. sleepecg, which adapts to any scale, took such spikes for
beats: a heart that stopped beating under a pacemaker firing at 72 bpm was reported at 72 bpm,
normal. So a sample is part of a pulse when it stands out from the median of the PULSE_SECONDS
around it (which a pulse cannot bend, and a QRS, tens of milliseconds wide, hardly moves) by
more than half the range of that median over the 200 ms around it, and by more than
NOISE_FACTOR times the lead's own sample-to-sample noise (so that white noise on a flat lead is
not taken for pulses). A pulse's samples, and the pacemaker's recharge in the RECHARGE_SECONDS
after it, are replaced by a straight line from the samples on either side.

Pulses are searched for from 500 Hz only (BeatDetector): below it a QRS is a few samples wide
and its tip stands out from the median as a pulse does. And they can only be seen where the
recording keeps them: at 500 Hz a 0.5 ms pulse lasts a sample at most, or is smoothed away by
the device's filter, and a device may mark pulses apart and leave none in the signal.
"""

import numpy as np
from scipy.ndimage import median_filter

PULSE_SECONDS = 0.004  # the median's span: twice the longest pulse
RANGE_SECONDS = 0.2
RECHARGE_SECONDS = 0.01
STAND_OUT_SHARE = 0.5
NOISE_FACTOR = 15.0
SPREAD_BATCH = 4096  # positions whose spread is measured at once (each a window of samples)
MAD_TO_SIGMA = 1.4826  # a normal distribution's standard deviation per median absolute deviation


class PacingPulses:
    """Finds and removes pacing pulses at one sampling frequency."""

    def __init__(self, sampling_frequency: float):
        self.half_span = max(1, round(PULSE_SECONDS * sampling_frequency / 2))
        self.range_size = 2 * round(RANGE_SECONDS * sampling_frequency / 2) + 1
        self.recharge = round(RECHARGE_SECONDS * sampling_frequency)

    def removed(self, signal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``signal`` without its pacing pulses, and the index where each pulse starts."""
        smooth = median_filter(signal, size=2 * self.half_span + 1, mode="nearest")
        standing_out = np.abs(signal - smooth)
        # At least a step of the lead: a lead that mostly holds still would otherwise have no
        # noise, and its every flicker of a step would stand out.
        noise = max(1.0, MAD_TO_SIGMA * float(np.median(np.abs(np.diff(signal)))) / np.sqrt(2))
        # The spread only where the noise is exceeded: a few samples per beat, at most.
        candidates = np.flatnonzero(standing_out > NOISE_FACTOR * noise)
        spread = self.spread_around(smooth, candidates)
        pulse = np.zeros(signal.size, dtype=bool)
        pulse[candidates[standing_out[candidates] > STAND_OUT_SHARE * spread]] = True
        starts = np.flatnonzero(pulse & ~np.concatenate(([False], pulse[:-1])))
        if not starts.size:
            return signal, starts
        covered = np.zeros(signal.size + 1, dtype=np.int64)
        ends = np.flatnonzero(pulse & ~np.concatenate((pulse[1:], [False])))
        np.add.at(covered, np.maximum(starts - self.half_span, 0), 1)
        np.add.at(covered, np.minimum(ends + self.half_span + self.recharge + 1, signal.size), -1)
        blanked = np.cumsum(covered[:-1]) > 0
        kept = np.flatnonzero(~blanked)
        if not kept.size:
            return np.full_like(signal, float(np.median(signal))), starts
        clean = signal.copy()
        clean[blanked] = np.interp(np.flatnonzero(blanked), kept, signal[kept])
        return clean, starts

    def spread_around(self, smooth: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """The range of ``smooth`` over the RANGE_SECONDS centred on each position, a batch of
        positions at a time (a noisy lead may have many)."""
        half = self.range_size // 2
        offsets = np.arange(-half, half + 1)
        spreads = [
            np.ptp(smooth[np.clip(batch[:, None] + offsets, 0, smooth.size - 1)], axis=1)
            for batch in np.array_split(positions, max(1, positions.size // SPREAD_BATCH))
        ]
        return np.concatenate(spreads) if spreads else np.empty(0)
