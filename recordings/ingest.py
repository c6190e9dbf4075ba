"""Ingest a recording: stream each lead's blocks into storage and the analyses at once."""

from collections.abc import Callable
from typing import Protocol

import numpy as np
from bson import ObjectId

from recordings.model import EcgSummary, LeadSummary, Recording
from recordings.store import EcgStore


class EmptyLead(ValueError):
    """A lead without samples."""


class LeadAnalyser(Protocol):
    """Whatever computes a lead's insights, fed the same blocks as storage."""

    def update(self, samples: np.ndarray) -> None: ...

    def results(self) -> dict[str, int | float]: ...


def ingest(
    store: EcgStore,
    owner: ObjectId,
    recording: Recording,
    analyser: Callable[[], LeadAnalyser],
) -> EcgSummary:
    """Store and analyse a recording; it becomes visible only once complete.

    The analyses are handed in (``analysis.LeadAnalyses`` in the service), so the domain does not
    depend on them.
    """
    with store.writer(owner, recording.id) as writer:
        leads = []
        for index, lead in enumerate(recording.leads):
            analyses = analyser()
            for block in lead.blocks():
                writer.append(index, block)
                analyses.update(block)
            number_of_samples = writer.stored.get(index, 0)
            if number_of_samples == 0:
                raise EmptyLead(lead.name)
            leads.append(
                LeadSummary(lead.name, number_of_samples, analyses.results(), lead.calibration)
            )
        return writer.commit(recording.date, recording.sampling_frequency, leads)
