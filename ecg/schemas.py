"""The JSON the ECG endpoints return, and the calibration both directions share."""

from dataclasses import asdict
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, create_model, field_validator

from analysis import LEAD_ANALYSES
from openapi.models import StrictModel
from recordings.model import MAX_BASELINE, MAX_SCALE, MIN_SCALE, EcgSummary, calibration_problem

MAX_SIGNAL_SLICE = 100_000
MAX_BEATS = 100_000
MAX_RENDER_SECONDS = 60
# The lead names a render may ask for, in characters: even a character of 4 UTF-8 bytes
# percent-encoded (12 bytes), with the longest ECG id and other parameters, the request line
# stays within gunicorn's 4094 bytes, so no valid request is refused as too long (414).
MAX_RENDER_LEADS_LENGTH = 256
# Samples one image may read, all leads together: 12 leads of 60 s at 2 kHz.
MAX_RENDER_SAMPLES = 12 * 60 * 2000
# Below this, paper speed spreads single samples millimetres apart: not an ECG to draw.
MIN_RENDER_HZ = 25.0


class CalibrationModel(StrictModel):
    """How stored integers become physical values: (sample - baseline) * scale, in unit."""

    unit: str = Field(min_length=1, max_length=16, examples=["uV"])
    scale: float = Field(
        ge=-MAX_SCALE,
        le=MAX_SCALE,
        allow_inf_nan=False,
        description=(
            f"Physical units per step; negative for inverted polarity; {MIN_SCALE:g} to "
            f"{MAX_SCALE:g} in size."
        ),
        json_schema_extra={"not": {"exclusiveMinimum": -MIN_SCALE, "exclusiveMaximum": MIN_SCALE}},
    )
    baseline: float = Field(
        0.0,
        ge=-MAX_BASELINE,
        le=MAX_BASELINE,
        allow_inf_nan=False,
        description="Sample value of 0 units.",
    )

    @field_validator("scale")
    @classmethod
    def _scale_is_a_step(cls, scale: float) -> float:
        problem = calibration_problem(scale, 0.0)
        if problem:
            raise ValueError(problem)
        return scale


class StoredCalibration(BaseModel):
    """A stored lead's calibration: (sample - baseline) * scale, in unit. Unbounded, unlike an
    upload's: ECGs stored before the bounds keep theirs, and reading one is never an error."""

    unit: str = Field(examples=["uV"])
    scale: float = Field(description="Physical units per step; negative for inverted polarity.")
    baseline: float = Field(description="Sample value of 0 units.")


class LeadMetadata(BaseModel):
    """A stored lead, without its signal."""

    name: str
    number_of_samples: int
    calibration: StoredCalibration | None


class EcgMetadata(BaseModel):
    """A stored ECG, without its signals."""

    id: str
    date: datetime
    created_at: datetime
    sampling_frequency: float | None
    leads: list[LeadMetadata]

    @classmethod
    def from_summary(cls, summary: EcgSummary) -> "EcgMetadata":
        return cls(
            id=summary.id,
            date=summary.date,
            created_at=summary.created_at,
            sampling_frequency=summary.sampling_frequency,
            leads=[
                LeadMetadata(
                    name=lead.name,
                    number_of_samples=lead.number_of_samples,
                    calibration=StoredCalibration(**asdict(lead.calibration))
                    if lead.calibration
                    else None,
                )
                for lead in summary.leads
            ],
        )


class SignalQualityOut(BaseModel):
    """Whether the lead is usable, and the problems found (see the README's vocabulary)."""

    usable: bool
    problems: list[Literal["flat_line", "saturated", "noisy", "too_short"]]


# One field per registered analysis, so adding an analysis documents its result too.
LeadInsights = create_model(
    "LeadInsights",
    __doc__="Insights of one lead, computed once at upload.",
    name=(str, ...),
    **{
        analysis.name: (analysis.result_type, Field(description=analysis.description))
        for analysis in LEAD_ANALYSES
    },
    signal_quality=(
        SignalQualityOut | None,
        Field(None, description="Null for ECGs analysed before quality verdicts existed."),
    ),
)


class HeartRate(BaseModel):
    """Heart rate in beats per minute."""

    mean: float = Field(description="60000 / the mean RR interval in ms.")
    min: float = Field(
        description="The lowest rate over 10 consecutive kept RR intervals (an interval below "
        "200 or above 3000 ms is skipped, not a break; over all of them, so the mean, when "
        "there are fewer than 10)."
    )
    max: float = Field(
        description="The highest rate over 10 consecutive kept RR intervals (as min is computed)."
    )


class RrIntervals(BaseModel):
    """RR intervals in milliseconds (Task Force of the ESC and NASPE, 1996), excluding those
    below 200 or above 3000 ms. SDNN and RMSSD are over the normal-to-normal (NN) intervals:
    an interval is NN when it lies within 20 % of the median of the 11 around it, so an
    ectopic beat's coupling interval and pause are left out. Both are null below 250 Hz (the
    Task Force's rate without R-peak interpolation) and when fewer than 80 % of the intervals
    are NN (frequent ectopy, atrial fibrillation, wrong detections); variability_unavailable
    says why."""

    mean: float = Field(description="The mean of every kept interval, ectopic beats included.")
    sdnn: float | None = Field(
        description="Standard deviation of the NN intervals (n - 1); also null for a recording "
        "under 30 s, or whose kept intervals cover less of it than all but its edges (the time "
        "before the first beat and after the last)."
    )
    rmssd: float | None = Field(
        description="Root mean square of the differences between consecutive NN intervals; "
        "also null for a recording under 10 s, or whose kept intervals cover less of it than "
        "all but its edges, or when no two consecutive intervals are NN."
    )


class Pauses(BaseModel):
    """Stretches of over 3000 ms without a beat (RR intervals, and the time before the first
    beat and after the last), which the rate and the variability leave out: the heart paused
    (sinus arrest, block), or beats went undetected (a lead off, noise)."""

    count: int
    longest_ms: float | None = Field(description="The longest such stretch; null if none.")


class RhythmOut(BaseModel):
    """The rhythm, from the beats of the whole recording."""

    beats: int = Field(description="Heartbeats detected.")
    # Absent from rhythms of analyses before 2026.12.3, until `flask reanalyse` has run.
    recording_seconds: float | None = Field(
        None, description="How long the lead the beats were detected on lasts, in seconds."
    )
    intervals: int | None = Field(
        None, description="RR intervals kept (those between 200 and 3000 ms)."
    )
    # Absent from rhythms of analyses before 2026.12.6, until `flask reanalyse` has run.
    normal_intervals: int | None = Field(
        None,
        description="Of the kept intervals, those normal-to-normal (within 20 % of the median "
        "of the 11 around each), which sdnn, rmssd and pnn50_percent are over.",
    )
    pauses: Pauses | None = None
    heart_rate_bpm: HeartRate
    rr_ms: RrIntervals
    pnn50_percent: float | None = Field(
        description="Share of the differences between consecutive NN intervals above 50 ms, in "
        "percent; null as rmssd is (see variability_unavailable)."
    )
    classification: Literal["bradycardia", "normal", "tachycardia"] = Field(
        description="Mean heart rate below 60 bpm, 60 to 100, above 100: the adult resting "
        "limits (a child's normal rate is higher, a trained athlete's may be lower)."
    )
    irregular: bool | None = Field(
        description="More than 20 % of successive RR intervals (all kept ones, not only NN) "
        "differ from the previous by more than 20 % of it; null for a recording under 10 s, "
        "or whose kept intervals cover less of it than all but its edges, or without two "
        "consecutive kept intervals."
    )
    variability_unavailable: str | None = Field(
        None,
        description="Why sdnn, rmssd, pnn50_percent and irregular are null, when they are.",
    )
    # Absent from rhythms of analyses before 2026.12.6, until `flask reanalyse` has run.
    pacing_pulses: int | None = Field(
        None,
        description="Pacemaker pulses found on the lead the beats were detected on (0.1 to 2 "
        "ms wide: seen only where the recording keeps them, usually at 1 kHz or more), taken "
        "out before detection so that they are not counted as beats.",
    )
    leads_used: list[str] = Field(description="The leads the beats were detected on.")


class EcgInsights(BaseModel):
    """Insights of an ECG: each lead's, in upload order, and its rhythm."""

    id: str
    analysis_version: str | None = Field(description="The analysis that made these insights.")
    leads: list[LeadInsights]
    rhythm: RhythmOut | None
    rhythm_unavailable: str | None = Field(
        description="Why there is no rhythm, when there is none."
    )

    @classmethod
    def from_summary(cls, summary: EcgSummary) -> "EcgInsights":
        analysis = summary.insights
        unavailable = analysis.get("rhythm_unavailable")
        if not analysis:
            unavailable = (
                "The ECG was analysed before rhythms were computed; it awaits re-analysis."
            )
        return cls(
            id=summary.id,
            analysis_version=analysis.get("analysis_version"),
            leads=[LeadInsights(name=lead.name, **lead.insights) for lead in summary.leads],
            rhythm=analysis.get("rhythm"),
            rhythm_unavailable=unavailable,
        )


class BeatRange(BaseModel):
    """Which beats to return: those at sample indices in [start, stop)."""

    start: int = Field(
        0, ge=0, description="First sample index, counted from the recording's start."
    )
    stop: int | None = Field(
        None, ge=1, description="One past the last sample index; default the end."
    )


class EcgBeats(BaseModel):
    """The sample indices of the detected beats in [start, stop)."""

    id: str
    sampling_frequency: float | None
    start: int
    stop: int
    beats: list[int]


class SignalRange(BaseModel):
    """Which samples of a lead to return: [start, stop)."""

    start: int = Field(0, ge=0, description="First sample, counted from 0.")
    stop: int | None = Field(
        None, ge=1, description=f"One past the last sample; at most start + {MAX_SIGNAL_SLICE}."
    )


class RenderQuery(BaseModel):
    """What to draw, and how: the standard paper view by default."""

    format: Literal["svg", "pdf"] = Field("svg", description="SVG (sized in mm) or a one-page PDF.")
    start_s: float = Field(
        0.0, ge=0, le=10**9, allow_inf_nan=False, description="Window start, seconds."
    )
    duration_s: float = Field(
        10.0,
        gt=0,
        le=MAX_RENDER_SECONDS,
        allow_inf_nan=False,
        description="Window length, seconds.",
    )
    leads: str | None = Field(
        None,
        max_length=MAX_RENDER_LEADS_LENGTH,
        description="Comma-separated lead names (percent-encoded); all by default.",
    )
    layout: Literal["auto", "strips"] = Field(
        "auto", description="auto: 3 x 4 with a II rhythm strip for a standard 12-lead ECG."
    )
    speed: Literal["12.5", "25", "50"] = Field("25", description="Paper speed, mm/s.")
    gain: Literal["5", "10", "20"] = Field("10", description="Gain, mm/mV.")


class ExportQuery(BaseModel):
    """The export format."""

    format: Literal["edf"] = Field("edf", description="EDF+ (continuous), 16-bit.")


class LeadSignal(BaseModel):
    """A slice of a lead's stored integer samples."""

    id: str
    lead: str
    start: int
    stop: int
    samples: list[int]
