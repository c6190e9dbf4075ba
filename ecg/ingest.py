"""Ingest a recording: stream each lead's blocks into storage and the analyses at once."""

from bson import ObjectId

from analysis import LeadAnalyses
from ecg.model import EcgSummary, LeadSummary, RecordingInput
from ecg.store import EcgStore


class EmptyLead(ValueError):
    """A lead without samples."""


def ingest(store: EcgStore, owner: ObjectId, recording: RecordingInput) -> EcgSummary:
    """Store and analyse a recording; it becomes visible only once complete."""
    with store.writer(owner, recording.id) as writer:
        leads = []
        for index, lead in enumerate(recording.leads):
            analyses = LeadAnalyses()
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
