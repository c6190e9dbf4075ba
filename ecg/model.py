"""ECG values as the application handles them, independent of JSON, files and BSON."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

# What the service accepts of any ECG, whether it arrives as JSON or as a file.
MAX_LEADS = 64
MAX_SAMPLING_FREQUENCY = 100_000


@dataclass(frozen=True)
class Calibration:
    """How a lead's integers become physical values: (sample - baseline) * scale, in unit."""

    unit: str
    scale: float
    baseline: float = 0.0


@dataclass(frozen=True)
class LeadInput:
    """One lead of a recording being ingested; its samples arrive as consecutive blocks."""

    name: str
    blocks: Callable[[], Iterable[np.ndarray]]
    calibration: Calibration | None = None


@dataclass(frozen=True)
class RecordingInput:
    """An ECG being ingested, from JSON or from a file."""

    id: str
    date: datetime
    leads: list[LeadInput]
    sampling_frequency: float | None = None


@dataclass(frozen=True)
class LeadSummary:
    """What is known of a stored lead without loading its signal."""

    name: str
    number_of_samples: int
    insights: dict[str, int | float]
    calibration: Calibration | None = None


@dataclass(frozen=True)
class EcgSummary:
    """A stored ECG without its signals."""

    key: object  # the storage key of the ECG, for reading its signal chunks
    inline: bool  # whether the chunks are kept in the ECG's own document
    id: str
    date: datetime
    created_at: datetime
    leads: list[LeadSummary]
    sampling_frequency: float | None = None

    def lead_index(self, name: str) -> int | None:
        """Position of the named lead, or None."""
        return next((i for i, lead in enumerate(self.leads) if lead.name == name), None)
