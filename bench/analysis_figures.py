"""The clinical analyses measured on their own and printed as JSON: beat detection scored on the
MIT-BIH records (per record and gross sensitivity and positive predictivity, 150 ms tolerance),
each record's rate and RR variability beside its reference beats', and the analysis CPU a
standard 12-lead upload adds (10 s at 500 Hz; median of many runs).

    python -m bench.analysis_figures
Nothing here is asserted by the tests.
"""

import json
import statistics
import time

import numpy as np

from analysis import LeadAnalyses
from analysis.rhythm import rhythm
from bench.benchmark import SAMPLING_FREQUENCY, standard_ecg_leads
from tests import mitdb
from tests.analysed import analyse


def validation() -> dict:
    records, total = {}, mitdb.Score()
    for record in mitdb.RECORDS:
        _, beats = analyse({"MLII": mitdb.signal(record)}, mitdb.SAMPLING_FREQUENCY)
        found = mitdb.score(beats, mitdb.reference_beats(record))
        total += found
        records[record] = {
            "sensitivity_percent": round(found.sensitivity, 2),
            "positive_predictivity_percent": round(found.positive_predictivity, 2),
            "false_negatives": found.fn,
            "false_positives": found.fp,
        }
    records["gross"] = {
        "sensitivity_percent": round(total.sensitivity, 2),
        "positive_predictivity_percent": round(total.positive_predictivity, 2),
    }
    return records


def rhythms() -> dict:
    """Each record's rhythm from the service beside the one its reference beats give."""
    figures = {}
    for record in mitdb.RECORDS:
        signal = mitdb.signal(record)
        insights, _ = analyse({"MLII": signal}, mitdb.SAMPLING_FREQUENCY)
        seconds = signal.size / mitdb.SAMPLING_FREQUENCY
        reference = rhythm(mitdb.reference_beats(record), mitdb.SAMPLING_FREQUENCY, seconds)
        found = insights["rhythm"]
        figures[record] = {
            "service": {"heart_rate_bpm": found["heart_rate_bpm"]["mean"], **found["rr_ms"]},
            "reference_beats": {
                "heart_rate_bpm": reference.heart_rate_bpm["mean"],
                **reference.rr_ms,
            },
        }
    return figures


def cpu_ms_per_upload(runs: int = 200) -> dict:
    """CPU of every analysis of a 12-lead 10 s 500 Hz ECG, and of zero crossings alone."""
    signals = {
        lead["name"]: np.array(lead["signal"], dtype=np.int32) for lead in standard_ecg_leads(5000)
    }

    def all_analyses():
        analyse(signals, SAMPLING_FREQUENCY)

    def zero_crossings_only():
        for signal in signals.values():
            analyses = LeadAnalyses()
            analyses.update(signal)
            analyses.results()

    timings = {}
    for name, task in (
        ("every_analysis", all_analyses),
        ("zero_crossings_only", zero_crossings_only),
    ):
        samples = []
        for _ in range(runs):
            started = time.process_time()
            task()
            samples.append((time.process_time() - started) * 1000)
        timings[name] = round(statistics.median(samples), 2)
    timings["added_by_beats_quality_rhythm"] = round(
        timings["every_analysis"] - timings["zero_crossings_only"], 2
    )
    return timings


if __name__ == "__main__":
    print(
        json.dumps(
            {
                "mitdb_validation": validation(),
                "rhythm_against_reference_beats": rhythms(),
                "cpu_ms_per_12_lead_10_s_upload": cpu_ms_per_upload(),
            },
            indent=2,
        )
    )
