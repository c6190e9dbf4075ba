"""ECG values as the application handles them, independent of JSON and BSON."""

from dataclasses import dataclass
from datetime import datetime

import numpy as np


@dataclass(frozen=True)
class Lead:
    """One lead of an uploaded recording."""

    name: str
    signal: np.ndarray


@dataclass(frozen=True)
class Recording:
    """An ECG as uploaded, before it is stored."""

    id: str
    date: datetime
    leads: list[Lead]


@dataclass(frozen=True)
class LeadSummary:
    """What is known of a stored lead without loading its signal."""

    name: str
    number_of_samples: int
    insights: dict[str, int | float]


@dataclass(frozen=True)
class EcgSummary:
    """A stored ECG without its signals."""

    id: str
    date: datetime
    created_at: datetime
    leads: list[LeadSummary]
