"""The JSON the ECG endpoints return, and the calibration both directions share."""

from dataclasses import asdict
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, create_model, field_validator

from analysis import LEAD_ANALYSES
from openapi.models import StrictModel
from recordings.model import EcgSummary

MAX_SIGNAL_SLICE = 100_000


class CalibrationModel(StrictModel):
    """How stored integers become physical values: (sample - baseline) * scale, in unit."""

    unit: str = Field(min_length=1, max_length=16, examples=["uV"])
    scale: float = Field(
        allow_inf_nan=False,
        description="Physical units per step; negative for inverted polarity, never 0.",
        json_schema_extra={"not": {"const": 0}},
    )
    baseline: float = Field(0.0, allow_inf_nan=False, description="Sample value of 0 units.")

    @field_validator("scale")
    @classmethod
    def _scale_is_not_zero(cls, scale: float) -> float:
        if scale == 0:
            raise ValueError("scale must not be 0")
        return scale


class LeadMetadata(BaseModel):
    """A stored lead, without its signal."""

    name: str
    number_of_samples: int
    calibration: CalibrationModel | None


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
                    calibration=CalibrationModel(**asdict(lead.calibration))
                    if lead.calibration
                    else None,
                )
                for lead in summary.leads
            ],
        )


# One field per registered analysis, so adding an analysis documents its result too.
LeadInsights = create_model(
    "LeadInsights",
    __doc__="Insights of one lead, computed once at upload.",
    name=(str, ...),
    **{
        analysis.name: (analysis.result_type, Field(description=analysis.description))
        for analysis in LEAD_ANALYSES
    },
)


class EcgInsights(BaseModel):
    """Insights of every lead of an ECG, in upload order."""

    id: str
    leads: list[LeadInsights]

    @classmethod
    def from_summary(cls, summary: EcgSummary) -> "EcgInsights":
        return cls(
            id=summary.id,
            leads=[LeadInsights(name=lead.name, **lead.insights) for lead in summary.leads],
        )


class SignalRange(BaseModel):
    """Which samples of a lead to return: [start, stop)."""

    start: int = Field(0, ge=0, description="First sample, counted from 0.")
    stop: int | None = Field(
        None, ge=1, description=f"One past the last sample; at most start + {MAX_SIGNAL_SLICE}."
    )


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
