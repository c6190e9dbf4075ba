"""Analyses of ECG leads: pure numpy, independent of Flask and MongoDB.

To add an analysis, write a function of a lead's signal in its own module and register it in
``LEAD_ANALYSES``; the API stores its result at upload and documents it in the insights schema.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from analysis import zero_crossings


@dataclass(frozen=True)
class LeadAnalysis:
    """One insight computed from a single lead's signal."""

    name: str
    compute: Callable[[np.ndarray], int | float]
    result_type: type
    description: str


LEAD_ANALYSES: tuple[LeadAnalysis, ...] = (
    LeadAnalysis(
        name="zero_crossings",
        compute=zero_crossings.count_zero_crossings,
        result_type=int,
        description=zero_crossings.DESCRIPTION,
    ),
)


def analyse_lead(signal: np.ndarray) -> dict[str, int | float]:
    """Run every registered lead analysis on one signal."""
    return {analysis.name: analysis.compute(signal) for analysis in LEAD_ANALYSES}
