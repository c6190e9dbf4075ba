"""Analyses of ECG leads: pure numpy, independent of Flask and MongoDB.

An analysis is a class with a ``name``, a ``result_type``, a ``description``, an ``update``
method fed consecutive blocks of a lead's samples (so recordings of any length are analysed in
bounded memory) and a ``result`` method. Register it in ``LEAD_ANALYSES``: the API stores its
result at upload and documents it in the insights schema.
"""

from typing import Protocol

import numpy as np

from analysis.zero_crossings import ZeroCrossings


class LeadAnalysis(Protocol):
    """One insight computed from a single lead's signal, a block at a time."""

    name: str
    result_type: type
    description: str

    def update(self, samples: np.ndarray) -> None: ...

    def result(self) -> int | float: ...


LEAD_ANALYSES: tuple[type[LeadAnalysis], ...] = (ZeroCrossings,)


class LeadAnalyses:
    """Every registered analysis of one lead, fed together."""

    def __init__(self) -> None:
        self.analyses = [analysis() for analysis in LEAD_ANALYSES]

    def update(self, samples: np.ndarray) -> None:
        for analysis in self.analyses:
            analysis.update(samples)

    def results(self) -> dict[str, int | float]:
        return {analysis.name: analysis.result() for analysis in self.analyses}


def analyse_lead(signal: np.ndarray) -> dict[str, int | float]:
    """Run every registered analysis on a whole signal."""
    analyses = LeadAnalyses()
    analyses.update(signal)
    return analyses.results()
