"""Ingest a recording: stream each lead's blocks into storage and the analyses at once."""

import functools
from collections.abc import Callable
from typing import Protocol

import numpy as np
from bson import ObjectId

from recordings.model import EcgSummary, LeadInput, LeadSummary, Recording
from recordings.store import EcgGone, EcgStore, Record


class EmptyLead(ValueError):
    """A lead without samples."""


class LeadRun(Protocol):
    """What analyses one lead, fed the same blocks as storage."""

    def update(self, samples: np.ndarray) -> None: ...

    def results(self) -> dict: ...


class RecordingAnalysis(Protocol):
    """What analyses a whole recording: per lead, then once for the ECG."""

    def reading_order(self) -> list[int]: ...

    def lead(self, index: int) -> LeadRun: ...

    def lead_done(self, index: int, results: dict) -> None: ...

    def finish(self) -> tuple[dict, np.ndarray]: ...


def analyse_leads(recording: Recording, analysis: RecordingAnalysis, write=None) -> list[dict]:
    """Feed every lead to the analyses (and to ``write(index, block)``), in their order."""
    results: dict[int, dict] = {}
    for index in analysis.reading_order():
        run = analysis.lead(index)
        samples = 0
        for block in recording.leads[index].blocks():
            if write is not None:
                write(index, block)
            run.update(block)
            samples += block.size
        if samples == 0:
            raise EmptyLead(recording.leads[index].name)
        results[index] = {**run.results(), "number_of_samples": samples}
        analysis.lead_done(index, results[index])
    return [results[index] for index in range(len(recording.leads))]


def ingest(
    store: EcgStore,
    owner: ObjectId,
    recording: Recording,
    analyse: Callable[[Recording], RecordingAnalysis],
    record: Record | None = None,
) -> EcgSummary:
    """Store and analyse a recording; it becomes visible only once complete.

    The analyses are handed in (``analysis.recording.RecordingAnalysis`` in the service), so
    the domain does not depend on them; so is ``record``, written in the transaction that
    stores the ECG (see ``EcgWriter.commit``).
    """
    analysis = analyse(recording)
    with store.writer(owner, recording.id) as writer:
        results = analyse_leads(recording, analysis, writer.append)
        insights, beats = analysis.finish()
        writer.append_beats(beats)
        leads = [
            LeadSummary(lead.name, result.pop("number_of_samples"), result, lead.calibration)
            for lead, result in zip(recording.leads, results, strict=True)
        ]
        return writer.commit(recording.date, recording.sampling_frequency, leads, insights, record)


def reanalyse_outdated(
    store: EcgStore,
    analysis_version: str,
    analyse: Callable[[Recording], RecordingAnalysis],
    progress: Callable[[int, str], None],
) -> int:
    """Recompute the insights of every stored ECG an older analysis made; return how many.

    One ECG at a time, its signals read back chunk by chunk (bounded memory). Each ECG's new
    version is written last, so an interrupted run is resumed by running it again.
    """
    done = 0
    for ecg in store.outdated(analysis_version):
        recording = Recording(
            leads=[
                LeadInput(
                    lead.name,
                    functools.partial(store.lead_blocks, ecg, index),
                    lead.calibration,
                    lead.number_of_samples,
                )
                for index, lead in enumerate(ecg.leads)
            ],
            sampling_frequency=ecg.sampling_frequency,
            id=ecg.id,
            date=ecg.date,
        )
        analysis = analyse(recording)
        try:
            results = analyse_leads(recording, analysis)
        except EcgGone:  # deleted by its owner since the run found it: nothing to bring up
            continue
        insights, beats = analysis.finish()
        for result in results:
            del result["number_of_samples"]
        store.replace_analysis(ecg, results, insights, beats)
        done += 1
        progress(done, ecg.id)
    return done
