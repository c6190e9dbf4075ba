"""Heart rate, RR intervals and their variability, from the beats of a whole recording.

Time-domain definitions of the Task Force of the ESC and NASPE (1996): SDNN is the standard
deviation (n - 1) of the intervals, RMSSD the root mean square of successive differences, pNN50
the share of successive differences above 50 ms. The service does not classify beats, so the
intervals are all RR intervals rather than strictly normal-to-normal ones, except those no heart
can produce: below 200 ms (300 bpm) or above 3000 ms (20 bpm); they are excluded, with the
successive differences they take part in. Wrong detections at plausible distances are not, so a
noisy lead's variability is overstated (README, Validation). When no two
consecutive intervals remain, the measures made of successive differences (RMSSD, pNN50, the
irregularity) are absent, with the reason, rather than reported as zero.
"""

from dataclasses import dataclass

import numpy as np

MIN_RR_MS, MAX_RR_MS = 200.0, 3000.0
WINDOW_INTERVALS = 10  # heart rate min and max are over 10 consecutive intervals
BRADYCARDIA_BPM, TACHYCARDIA_BPM = 60.0, 100.0
# Irregular: more than a fifth of successive intervals differ from the previous one by more than
# a fifth of it (the 20 % criterion of Malik et al., 1989, applied as a count).
IRREGULAR_CHANGE, IRREGULAR_SHARE = 0.20, 0.20
MIN_BEATS = 3
NO_SUCCESSIVE_DIFFERENCES = (
    "No two consecutive RR intervals lie between 200 and 3000 ms, so RMSSD, pNN50 and the "
    "irregularity, which compare consecutive intervals, cannot be computed."
)


@dataclass(frozen=True)
class Rhythm:
    """The rhythm section of an ECG's insights."""

    beats: int
    heart_rate_bpm: dict[str, float]
    rr_ms: dict[str, float | None]
    pnn50_percent: float | None
    classification: str
    irregular: bool | None
    variability_unavailable: str | None


class RhythmUnavailable(ValueError):
    """Why there is no rhythm section (a sentence)."""


def rhythm(beats: np.ndarray, sampling_frequency: float) -> Rhythm:
    """The rhythm of ``beats`` (sample indices, sorted); RhythmUnavailable if too few."""
    if beats.size < MIN_BEATS:
        raise RhythmUnavailable(
            f"{beats.size} heartbeats were found; the rhythm needs at least {MIN_BEATS}."
        )
    intervals = np.diff(beats) * (1000.0 / sampling_frequency)
    possible = (intervals >= MIN_RR_MS) & (intervals <= MAX_RR_MS)
    rr = intervals[possible]
    if rr.size < 2:
        raise RhythmUnavailable("Fewer than 2 of the RR intervals lie between 200 and 3000 ms.")
    # Successive differences only between two adjacent intervals that were both kept.
    adjacent = possible[1:] & possible[:-1]
    successive = np.diff(intervals)[adjacent]
    window = min(WINDOW_INTERVALS, rr.size)
    window_means = np.convolve(rr, np.ones(window) / window, mode="valid")
    mean_rr = float(rr.mean())
    mean_bpm = round(60000.0 / mean_rr, 1)  # classified as reported: 59.96 is 60.0, normal
    return Rhythm(
        beats=int(beats.size),
        heart_rate_bpm={
            "mean": mean_bpm,
            "min": round(60000.0 / float(window_means.max()), 1),
            "max": round(60000.0 / float(window_means.min()), 1),
        },
        rr_ms={
            "mean": round(mean_rr, 1),
            "sdnn": round(float(rr.std(ddof=1)), 1),
            "rmssd": round(float(np.sqrt(np.mean(successive**2))), 1) if successive.size else None,
        },
        pnn50_percent=round(float(np.mean(np.abs(successive) > 50 + 1e-6) * 100), 1)
        if successive.size
        else None,
        classification="bradycardia"
        if mean_bpm < BRADYCARDIA_BPM
        else "tachycardia"
        if mean_bpm > TACHYCARDIA_BPM
        else "normal",
        irregular=is_irregular(successive, intervals[:-1][adjacent]),
        variability_unavailable=None if successive.size else NO_SUCCESSIVE_DIFFERENCES,
    )


def is_irregular(successive: np.ndarray, previous: np.ndarray) -> bool | None:
    """Whether more than IRREGULAR_SHARE of the successive differences exceed IRREGULAR_CHANGE
    of the interval before them; None without any."""
    if not successive.size:
        return None
    return bool(np.mean(np.abs(successive) / previous > IRREGULAR_CHANGE) > IRREGULAR_SHARE)
