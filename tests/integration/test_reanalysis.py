"""`flask reanalyse` brings insights an older analysis made up to the current one."""

import numpy as np
import pytest
from bson import ObjectId
from pymongo.collection import Collection
from pymongo.errors import OperationFailure

from analysis.recording import ANALYSIS_VERSION, RecordingAnalysis
from plumbing.database import get_db
from recordings.ingest import ingest, reanalyse_outdated
from recordings.model import LeadInput, Recording
from recordings.store import INLINE_LIMIT_BYTES, EcgStore
from tests import mitdb

OWNER = ObjectId()


def stored_record(app, inline_limit: int, ecg_id: str):
    signal = mitdb.signal("100")[: 360 * 120]
    with app.app_context():
        store = EcgStore(get_db(), inline_limit=inline_limit)
        store.ensure_indexes()
        lead = LeadInput(
            "MLII", lambda: [signal[i : i + 10_000] for i in range(0, signal.size, 10_000)]
        )
        summary = ingest(store, OWNER, Recording([lead], 360, id=ecg_id), RecordingAnalysis)
        return summary, store.beats(summary)


def make_outdated(app, summary) -> None:
    """As an ECG stored before rhythms existed: no analysis, no quality, no beats."""
    with app.app_context():
        db = get_db()
        db.ecgs.update_one(
            {"_id": summary.key},
            {"$unset": {"analysis": "", "leads.0.insights.signal_quality": ""}},
        )
        db.signal_chunks.delete_many({"ecg": summary.key, "lead": -1})
        db.ecgs.update_one({"_id": summary.key}, {"$pull": {"inline_chunks": {"lead": -1}}})


def test_reanalysis_restores_the_insights_and_beats_of_outdated_ecgs(app, runner):
    for inline_limit, ecg_id in ((INLINE_LIMIT_BYTES, "inline"), (0, "chunked")):
        summary, beats = stored_record(app, inline_limit, ecg_id)
        make_outdated(app, summary)
    result = runner.invoke(args=["reanalyse"])
    assert result.exit_code == 0, result.output
    assert "2 ECGs brought up to date" in result.output
    with app.app_context():
        entry = get_db().audit.find_one({"event": "ecg.reanalysed"})
    assert (entry["actor"], entry["details"]) == ("flask reanalyse", {"ecgs": 2})
    with app.app_context():
        store = EcgStore(get_db())
        for ecg_id in ("inline", "chunked"):
            again = store.find(OWNER, ecg_id)
            assert again.insights["analysis_version"] == ANALYSIS_VERSION
            assert again.insights["rhythm"]["beats"] == beats.size
            assert again.leads[0].insights["signal_quality"]["usable"] is True
            assert np.array_equal(store.beats(again), beats)
    assert "0 ECGs brought up to date" in runner.invoke(args=["reanalyse"]).output


def test_an_ecg_awaiting_reanalysis_says_so(app):
    from ecg.schemas import EcgInsights

    summary, _ = stored_record(app, INLINE_LIMIT_BYTES, "awaiting")
    make_outdated(app, summary)
    with app.app_context():
        outdated = EcgStore(get_db()).find(OWNER, "awaiting")
    insights = EcgInsights.from_summary(outdated)
    assert insights.rhythm is None and "re-analysis" in insights.rhythm_unavailable


def test_an_ecg_deleted_while_the_run_goes_on_is_skipped(app, monkeypatch):
    """Found in review: the first ECG deleted mid-run stopped the whole run with a traceback."""
    for ecg_id in ("kept", "deleted"):
        summary, _ = stored_record(app, INLINE_LIMIT_BYTES, ecg_id)
        make_outdated(app, summary)
    with app.app_context():
        store = EcgStore(get_db())
        found = list(store.outdated(ANALYSIS_VERSION))  # as the run's cursor found them
        store.delete(OWNER, "deleted")
        monkeypatch.setattr(EcgStore, "outdated", lambda self, version: iter(found))
        done = reanalyse_outdated(store, ANALYSIS_VERSION, RecordingAnalysis, lambda *_: None)
        assert done == 1
        assert store.find(OWNER, "kept").insights["analysis_version"] == ANALYSIS_VERSION


def test_a_re_analysis_that_fails_half_way_leaves_the_old_one_whole(app, monkeypatch):
    """Found in review: beats and insights were replaced by separate writes, so two runs at
    once stored the beats twice, and a failure in between left new beats with old insights."""
    original_update = Collection.update_one

    def failing_last_write(collection, query, update, *args, **kwargs):
        if "analysis" in update.get("$set", {}):
            raise OperationFailure("the insights' write failed")
        return original_update(collection, query, update, *args, **kwargs)

    for inline_limit, ecg_id in ((INLINE_LIMIT_BYTES, "inline-half"), (0, "chunked-half")):
        summary, beats = stored_record(app, inline_limit, ecg_id)
        with app.app_context(), monkeypatch.context() as patched:
            patched.setattr(Collection, "update_one", failing_last_write)
            store = EcgStore(get_db())
            with pytest.raises(OperationFailure):
                store.replace_analysis(summary, [{}], {"analysis_version": "x"}, beats[:3])
        with app.app_context():
            again = EcgStore(get_db())
            assert np.array_equal(again.beats(again.find(OWNER, ecg_id)), beats)
