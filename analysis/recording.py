"""Every analysis of one recording: per lead (the registered lead analyses and the signal
quality), and once per ECG (heartbeats and the rhythm), fed lead by lead, block by block.

Heartbeats are detected on one lead: the first usable one in a clinical preference order (II,
then the other limb and precordial leads whose QRS is usually tall), read first; a lead much
shorter than the longest (under 90 % of it) comes after every lead that is not. Detecting on
every lead would multiply the cost (a 24-hour Holter's three leads: three times 5 s of CPU) for
no measured gain on the validation records, which have one lead; a lead that turns out unusable
hands detection to the next in the order, and so does one whose detections do not look alike
(fewer than half of them like a neighbour: noise the quality verdict let through, see
analysis.beats), or that gives fewer than 3 beats (an electrode's drift, complexes smaller than
a QRS); the first such lead is reported, with its pauses, only when no lead does better.
"""

import math

import numpy as np

from analysis import LeadAnalyses
from analysis.beats import MIN_QRS_MILLIVOLTS, MIN_SAMPLING_FREQUENCY, BeatDetector
from analysis.quality import SignalQuality
from analysis.rhythm import MIN_BEATS, RhythmUnavailable, rhythm
from recordings.model import LeadInput, Recording, standard_lead

# Bump when any analysis changes, so `flask reanalyse` brings stored ECGs up to date.
ANALYSIS_VERSION = "2026.12.6"
# Detection prefers a lead lasting at least this share of the longest: II for 3 s beside V1 for
# 5 minutes would give a rhythm of four beats.
FULL_LENGTH_SHARE = 0.9
MIN_ALIKE_SHARE = 0.5  # of a lead's beats, for its detections to be beats
PREFERRED_LEADS = ("II", "MLII", "I", "V5", "V2", "V1", "III", "aVF", "V4", "V6", "V3", "aVL")


def preference(name: str) -> int:
    """The place of a lead's name in PREFERRED_LEADS ("Lead II", "ECG II" are II); last if none."""
    plain = standard_lead(name) or ("MLII" if name.strip().upper() == "MLII" else None)
    return PREFERRED_LEADS.index(plain) if plain in PREFERRED_LEADS else len(PREFERRED_LEADS)


class LeadRun:
    """The analyses of one lead while it is read."""

    def __init__(self, lead: LeadInput, sampling_frequency: float | None, detect: bool):
        self.insights = LeadAnalyses()
        self.quality = SignalQuality(sampling_frequency, lead.calibration)
        step = lead.calibration.millivolts_per_step() if lead.calibration else None
        self.detector = BeatDetector(sampling_frequency, step) if detect else None

    def update(self, samples: np.ndarray) -> None:
        self.insights.update(samples)
        self.quality.update(samples)
        if self.detector is not None:
            self.detector.update(samples)

    def results(self) -> dict:
        return {**self.insights.results(), "signal_quality": self.quality.result()}


class RecordingAnalysis:
    """Runs every analysis of a recording; ``finish`` gives the ECG's insights and beats."""

    def __init__(self, recording: Recording):
        self.recording = recording
        self.sampling_frequency = recording.sampling_frequency
        frequency = recording.sampling_frequency
        self.can_detect = frequency is not None and frequency >= MIN_SAMPLING_FREQUENCY
        self.runs: dict[int, LeadRun] = {}
        self.detected_on: int | None = None  # the lead whose beats count
        self.beats = np.empty(0, dtype=np.int64)
        self.unlike_beats: str | None = None  # why the first lead detected on was passed over
        # The first usable lead with too few beats for a rhythm, kept should no other have more:
        # its pauses are the finding (a heart that stopped; what a pacemaker's pulses hid).
        self.too_few: tuple[int, np.ndarray] | None = None
        self.pacing_pulses: dict[int, int] = {}  # per lead detected on
        self.median_spans: dict[int, float | None] = {}  # of its complexes, in mV, if calibrated

    def reading_order(self) -> list[int]:
        """Leads in the order to read them: the preferred lead for detection first."""
        leads = self.recording.leads
        longest = max((lead.number_of_samples or 0 for lead in leads), default=0)

        def short(lead: LeadInput) -> bool:
            return lead.number_of_samples is not None and lead.number_of_samples < (
                FULL_LENGTH_SHARE * longest
            )

        return sorted(
            range(len(leads)),
            key=lambda index: (short(leads[index]), preference(leads[index].name), index),
        )

    def lead(self, index: int) -> LeadRun:
        detect = self.can_detect and self.detected_on is None
        run = LeadRun(self.recording.leads[index], self.sampling_frequency, detect)
        self.runs[index] = run
        return run

    def lead_done(self, index: int, results: dict) -> None:
        """Keep the lead's beats if it was detected on, is usable, and has at least 3 beats
        that look alike; else detection passes to the next lead."""
        run = self.runs[index]
        if run.detector is not None and results["signal_quality"]["usable"]:
            beats, alike = run.detector.result(), run.detector.alike_share()
            self.pacing_pulses[index] = run.detector.pacing_pulses
            self.median_spans[index] = run.detector.median_span_millivolts
            if beats.size < MIN_BEATS:
                self.too_few = self.too_few or (index, beats)
            elif alike is None or alike >= MIN_ALIKE_SHARE:
                self.detected_on, self.beats = index, beats
            elif self.unlike_beats is None:
                # Cut, not rounded: 49.6 % is not "50 %" beside a minimum of half.
                percent = math.floor(round(alike * 100, 6))
                self.unlike_beats = (
                    f"The beats detected on {self.recording.leads[index].name} do not look "
                    f"alike: {percent} % resemble a neighbour, where an ECG's mostly do, so "
                    "they are not taken for heartbeats: noise, or complexes too varied to count "
                    "(as in ventricular fibrillation)."
                )
        run.detector = None

    def finish(self) -> tuple[dict, np.ndarray]:
        """The ECG's own insights (rhythm, or why not) and its beats' sample indices."""
        insights = {
            "analysis_version": ANALYSIS_VERSION,
            "rhythm": None,
            "rhythm_unavailable": None,
        }
        if self.sampling_frequency is None:
            insights["rhythm_unavailable"] = (
                "The ECG has no sampling_frequency, so no time-based measure can be computed."
            )
            return insights, np.empty(0, dtype=np.int64)
        if not self.can_detect:
            insights["rhythm_unavailable"] = (
                f"The sampling frequency of {self.sampling_frequency:g} Hz is below the "
                f"{MIN_SAMPLING_FREQUENCY:g} Hz heartbeat detection needs."
            )
            return insights, np.empty(0, dtype=np.int64)
        if self.detected_on is None and self.too_few is not None:
            self.detected_on, self.beats = self.too_few
        if self.detected_on is None:
            insights["rhythm_unavailable"] = (
                self.unlike_beats or "No lead is usable (see each lead's signal_quality)."
            )
            return insights, np.empty(0, dtype=np.int64)
        small = self._small_complexes_sentence()
        if small and not self.pacing_pulses.get(self.detected_on):
            # Not a pause: complexes too small to count (a low-voltage lead, a wrong
            # calibration) say nothing of whether the heart beat. Under a pacemaker's pulses,
            # they are what is left of a heart that does not answer them: the pause is told.
            insights["rhythm_unavailable"] = small.strip()
            return insights, self.beats
        try:
            lead_seconds = self.runs[self.detected_on].quality.samples / self.sampling_frequency
            found = rhythm(self.beats, self.sampling_frequency, lead_seconds)
        except RhythmUnavailable as reason:
            insights["rhythm_unavailable"] = f"{reason}{small}{self._pacing_sentence()}"
        else:
            insights["rhythm"] = {
                **found.__dict__,
                "pacing_pulses": self.pacing_pulses[self.detected_on],
                "leads_used": [self.recording.leads[self.detected_on].name],
            }
        return insights, self.beats

    def _small_complexes_sentence(self) -> str:
        """Why the lead detected on has no beats when its complexes are too small to be QRS
        complexes ("" otherwise)."""
        span = self.median_spans.get(self.detected_on)
        if span is None or span >= MIN_QRS_MILLIVOLTS:
            return ""
        return (
            f" The complexes detected on {self.recording.leads[self.detected_on].name} span "
            f"{span:.3f} mV in the median, under the {MIN_QRS_MILLIVOLTS:g} mV below which none "
            "is taken for a QRS, so no heartbeats are counted from them (a low-voltage lead, "
            "or a wrong calibration, if the ECG shows beats)."
        )

    def _pacing_sentence(self) -> str:
        """The pacing pulses found on the lead detected on, for a reason ("" when none)."""
        pulses = self.pacing_pulses.get(self.detected_on, 0)
        if not pulses:
            return ""
        return (
            f" {self.recording.leads[self.detected_on].name} shows {pulses} pacemaker "
            f"pulse{'s' if pulses > 1 else ''}, which are not heartbeats."
        )
