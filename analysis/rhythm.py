"""Heart rate, RR intervals and their variability, from the beats of a whole recording.

Time-domain definitions of the Task Force of the ESC and NASPE (1996), over normal-to-normal
(NN) intervals: SDNN is the standard deviation (n - 1) of the NN intervals, RMSSD the root mean
square of the differences between successive NN intervals, pNN50 the share of those differences
above 50 ms. The service does not classify beats, so an interval counts as normal-to-normal
when it lies within 20 % of the median of the 11 intervals around it (the 20 % threshold of
Malik et al., Eur Heart J 1989;10:1060-1074, against a local median, so that an ectopic beat
excludes the two intervals it bounds, its coupling interval and its pause, and not the next).
Intervals no heart can produce, below 200 ms (300 bpm) or above 3000 ms (20 bpm), are excluded
from everything, with the successive differences they take part in; the heart rate is over all
the others, ectopic beats included, as a rate meter counts them.

The variability is absent, with the reason, rather than guessed:
- when fewer than 80 % of the intervals are normal-to-normal: frequent ectopy, an irregular
  rhythm such as atrial fibrillation, or wrong detections, none of which the Task Force's
  measures describe;
- below 250 Hz: the Task Force asks for 250-500 Hz, lower only with the R peak interpolated,
  which the service does not do (at 100 Hz a beat's position is only known to 10 ms, which
  adds about 7 ms of noise to every successive difference);
- when no two consecutive normal-to-normal intervals remain, for the measures made of
  successive differences.

The Task Force's short-term standard is 5 minutes. Shorter recordings still agree with it for
RMSSD from 10 s (a single standard ECG) and for SDNN from 30 s (Munoz et al., PLoS One 2015;
10(9):e0138921, 3387 adults); below those lengths the measure is absent, with the reason (pNN50
and the irregularity, made of the same successive differences as RMSSD, share its minimum). The
kept intervals must cover the minimum too, less the time before the first beat and after the
last (each up to an interval; 2 s or two median intervals, whichever is longer): 60 s with
beats in its first 2 s only is not 60 s of intervals.

Stretches of over 3000 ms without a beat (intervals, and the time before the first beat and
after the last) are reported as pauses: a heart that stopped beating for that long, or beats
that could not be detected (a lead off, noise); either way a reader must look.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter

MIN_RR_MS, MAX_RR_MS = 200.0, 3000.0
WINDOW_INTERVALS = 10  # heart rate min and max are over 10 consecutive kept intervals
# Adult resting limits (the AHA's): a child's normal rate is higher, a trained athlete's lower.
BRADYCARDIA_BPM, TACHYCARDIA_BPM = 60.0, 100.0
# Normal-to-normal: within 20 % of the median of the 11 intervals centred on it.
NN_CHANGE, NN_WINDOW = 0.20, 11
MIN_NN_SHARE = 0.80
MIN_VARIABILITY_HZ = 250.0
# Irregular: more than a fifth of successive intervals differ from the previous one by more than
# a fifth of it (the 20 % criterion of Malik et al., 1989, applied as a count).
IRREGULAR_CHANGE, IRREGULAR_SHARE = 0.20, 0.20
MIN_BEATS = 3
MIN_SECONDS_SUCCESSIVE = 10.0  # RMSSD, pNN50 and the irregularity
MIN_SECONDS_SDNN = 30.0
# What the kept intervals may lack of a minimum: the time before the first beat and after the
# last, each up to an interval long; at least this much, or two of the median interval.
EDGE_SECONDS = 2.0
NO_SUCCESSIVE_DIFFERENCES = (
    "No two consecutive RR intervals lie between 200 and 3000 ms, so RMSSD, pNN50 and the "
    "irregularity, which compare consecutive intervals, cannot be computed."
)
NO_SUCCESSIVE_NN = (
    "No two consecutive RR intervals are normal-to-normal, so RMSSD and pNN50, which compare "
    "consecutive NN intervals, cannot be computed."
)


@dataclass(frozen=True)
class Rhythm:
    """The rhythm section of an ECG's insights."""

    beats: int
    recording_seconds: float
    intervals: int
    normal_intervals: int
    pauses: dict[str, float | int | None]
    heart_rate_bpm: dict[str, float]
    rr_ms: dict[str, float | None]
    pnn50_percent: float | None
    classification: str
    irregular: bool | None
    variability_unavailable: str | None


class RhythmUnavailable(ValueError):
    """Why there is no rhythm section (a sentence)."""


def rhythm(beats: np.ndarray, sampling_frequency: float, recording_seconds: float) -> Rhythm:
    """The rhythm of ``beats`` (sample indices, sorted) in a recording that lasts
    ``recording_seconds``; RhythmUnavailable if too few."""
    found_pauses = pauses(beats, sampling_frequency, recording_seconds)
    if beats.size < MIN_BEATS:
        raise RhythmUnavailable(
            f"{beats.size} heartbeats were found; the rhythm needs at least {MIN_BEATS}."
            + pause_sentence(found_pauses)
        )
    intervals = np.diff(beats) * (1000.0 / sampling_frequency)
    possible = (intervals >= MIN_RR_MS) & (intervals <= MAX_RR_MS)
    rr = intervals[possible]
    if rr.size < 2:
        raise RhythmUnavailable(
            "Fewer than 2 of the RR intervals lie between 200 and 3000 ms."
            + pause_sentence(found_pauses)
        )
    # Successive differences only between two adjacent intervals that were both kept.
    adjacent = possible[1:] & possible[:-1]
    successive, previous = np.diff(intervals)[adjacent], intervals[:-1][adjacent]
    span = Span(recording_seconds, float(rr.sum()) / 1000.0, float(np.median(rr)) / 1000.0)
    if not span.long_enough(MIN_SECONDS_SUCCESSIVE):
        successive, previous = successive[:0], previous[:0]
    variability = Variability.of(intervals, possible, span, sampling_frequency)
    gaps = variability_gaps(span, successive.size) + variability.gaps
    window = min(WINDOW_INTERVALS, rr.size)
    window_means = np.convolve(rr, np.ones(window) / window, mode="valid")
    mean_rr = float(rr.mean())
    mean_bpm = round(60000.0 / mean_rr, 1)  # classified as reported: 59.96 is 60.0, normal
    return Rhythm(
        beats=int(beats.size),
        recording_seconds=hundredths(recording_seconds),
        intervals=int(rr.size),
        normal_intervals=variability.normal_intervals,
        pauses=found_pauses,
        heart_rate_bpm={
            "mean": mean_bpm,
            "min": round(60000.0 / float(window_means.max()), 1),
            "max": round(60000.0 / float(window_means.min()), 1),
        },
        rr_ms={"mean": round(mean_rr, 1), "sdnn": variability.sdnn, "rmssd": variability.rmssd},
        pnn50_percent=variability.pnn50_percent,
        classification="bradycardia"
        if mean_bpm < BRADYCARDIA_BPM
        else "tachycardia"
        if mean_bpm > TACHYCARDIA_BPM
        else "normal",
        irregular=is_irregular(successive, previous),
        variability_unavailable=" ".join(gaps) or None,
    )


def normal_to_normal(rr: np.ndarray) -> np.ndarray:
    """Which of the consecutive RR intervals ``rr`` lie within NN_CHANGE of the median of the
    NN_WINDOW around each (mirrored at the ends, so the first is judged by those after it)."""
    local = median_filter(rr, size=NN_WINDOW, mode="mirror")
    return np.abs(rr - local) <= NN_CHANGE * local


@dataclass(frozen=True)
class Variability:
    """SDNN, RMSSD (ms) and pNN50 (%) over the normal-to-normal intervals, each None when it
    cannot be computed; ``gaps`` says why, beyond the recording's length (variability_gaps)."""

    normal_intervals: int
    sdnn: float | None
    rmssd: float | None
    pnn50_percent: float | None
    gaps: list[str]

    @classmethod
    def of(
        cls, intervals: np.ndarray, possible: np.ndarray, span: "Span", sampling_frequency: float
    ) -> "Variability":
        """From all RR ``intervals`` (ms), ``possible`` marking those a heart can produce."""
        normal = possible.copy()
        normal[possible] = normal_to_normal(intervals[possible])
        kept = int(np.count_nonzero(normal))
        if sampling_frequency < MIN_VARIABILITY_HZ:
            return cls.absent(
                kept,
                f"SDNN, RMSSD and pNN50 need a sampling frequency of at least "
                f"{MIN_VARIABILITY_HZ:g} Hz (Task Force 1996: lower rates only with the R peak "
                f"interpolated, which the service does not do); this ECG's is "
                f"{sampling_frequency:g} Hz.",
            )
        considered = int(np.count_nonzero(possible))
        if kept < MIN_NN_SHARE * considered:
            percent = math.floor(round(100 * kept / considered, 6))
            return cls.absent(
                kept,
                f"Only {percent} % of the RR intervals are normal-to-normal (within 20 % of "
                "their neighbours' median), where SDNN, RMSSD and pNN50 need at least "
                f"{MIN_NN_SHARE * 100:g} %: frequent ectopic beats, an irregular rhythm such as "
                "atrial fibrillation, or wrong detections, which these measures do not describe.",
            )
        both_normal = normal[1:] & normal[:-1]
        successive = np.diff(intervals)[both_normal]
        sdnn = (
            round(float(intervals[normal].std(ddof=1)), 1)
            if span.long_enough(MIN_SECONDS_SDNN)
            else None
        )
        if not span.long_enough(MIN_SECONDS_SUCCESSIVE):
            return cls(kept, sdnn, None, None, [])
        if not successive.size:
            return cls(kept, sdnn, None, None, [NO_SUCCESSIVE_NN])
        return cls(
            normal_intervals=kept,
            sdnn=sdnn,
            rmssd=round(float(np.sqrt(np.mean(successive**2))), 1),
            pnn50_percent=round(float(np.mean(np.abs(successive) > 50 + 1e-6) * 100), 1),
            gaps=[],
        )

    @classmethod
    def absent(cls, normal_intervals: int, reason: str) -> "Variability":
        return cls(normal_intervals, None, None, None, [reason])


def pauses(beats: np.ndarray, sampling_frequency: float, recording_seconds: float) -> dict:
    """Stretches of more than MAX_RR_MS without a beat: RR intervals, and the time before the
    first beat and after the last (the whole recording when there is none)."""
    bounds = np.concatenate(
        ([0.0], beats * (1000.0 / sampling_frequency), [recording_seconds * 1000])
    )
    stretches = np.diff(bounds)
    long = stretches[stretches > MAX_RR_MS]
    return {
        "count": int(long.size),
        "longest_ms": round(float(long.max()), 1) if long.size else None,
    }


def pause_sentence(found: dict) -> str:
    """The pauses, for a reason the rhythm is unavailable ("" when there are none)."""
    if not found["count"]:
        return ""
    stretches = "stretch" if found["count"] == 1 else "stretches"
    return (
        f" The recording has {found['count']} {stretches} of over 3 s without a beat, the "
        f"longest {cut(found['longest_ms'] / 1000, 10):g} s."
    )


@dataclass(frozen=True)
class Span:
    """How much of a recording its kept RR intervals cover."""

    recording_seconds: float
    covered_seconds: float
    median_interval_seconds: float

    def edge_seconds(self) -> float:
        """What the kept intervals may lack: the time before the first beat and after the last,
        each up to an interval (EDGE_SECONDS at least)."""
        return max(EDGE_SECONDS, 2 * self.median_interval_seconds)

    def long_enough(self, minimum_seconds: float) -> bool:
        """Whether the recording lasts ``minimum_seconds`` and its kept intervals cover all of it
        but the edges."""
        return self.recording_seconds >= minimum_seconds and (
            self.covered_seconds >= minimum_seconds - self.edge_seconds()
        )


def variability_gaps(span: Span, differences: int) -> list[str]:
    """Why each absent measure of variability is absent, a sentence each, for a recording with
    ``differences`` successive differences of kept intervals."""

    def needs(what: str, minimum_seconds: float, source: str) -> str:
        return (
            f"{what} at least {minimum_seconds:g} s of recording ({source}), its kept RR "
            f"intervals covering at least {cut(minimum_seconds - span.edge_seconds(), 100):g} s "
            f"of it; this recording lasts {hundredths(span.recording_seconds):g} s and its kept "
            f"intervals {hundredths(span.covered_seconds):g} s."
        )

    gaps = []
    if not span.long_enough(MIN_SECONDS_SDNN):
        munoz_and_task_force = "Munoz et al. 2015; the Task Force's standard is 5 minutes"
        gaps.append(needs("SDNN needs", MIN_SECONDS_SDNN, munoz_and_task_force))
    if not span.long_enough(MIN_SECONDS_SUCCESSIVE):
        gaps.append(
            needs(
                "RMSSD, pNN50 and the irregularity need",
                MIN_SECONDS_SUCCESSIVE,
                "Munoz et al. 2015",
            )
        )
    elif not differences:
        gaps.append(NO_SUCCESSIVE_DIFFERENCES)
    return gaps


def hundredths(seconds: float) -> float:
    """Seconds cut, not rounded, to hundredths: 9.996 s is not 10 s beside a minimum of 10 s
    (rounded to a millionth first, so that 10.2, 1019.999... hundredths in floats, stays 10.2)."""
    return cut(seconds, 100)


def cut(value: float, parts: int) -> float:
    """``value`` cut down to whole ``parts`` of one (hundredths for 100)."""
    return math.floor(round(value * parts, 6)) / parts


def is_irregular(successive: np.ndarray, previous: np.ndarray) -> bool | None:
    """Whether more than IRREGULAR_SHARE of the successive differences exceed IRREGULAR_CHANGE
    of the interval before them; None without any."""
    if not successive.size:
        return None
    return bool(np.mean(np.abs(successive) / previous > IRREGULAR_CHANGE) > IRREGULAR_SHARE)
