"""Two uploads of one id at once, and reads of an ECG its owner deletes meanwhile."""

import numpy as np
import pytest
from bson import ObjectId
from pymongo.errors import PyMongoError

from analysis.recording import RecordingAnalysis
from plumbing.database import get_db
from plumbing.timestamps import current_time
from recordings.ingest import ingest
from recordings.model import LeadInput, LeadSummary, Recording
from recordings.store import INLINE_LIMIT_BYTES, EcgExists, EcgGone, EcgStore

OWNER = ObjectId()


@pytest.fixture(params=[0, INLINE_LIMIT_BYTES], ids=["chunk collection", "inline"])
def store(app, request):
    with app.app_context():
        store = EcgStore(get_db(), inline_limit=request.param)
        store.ensure_indexes()
        yield store


def long_recording(ecg_id: str) -> Recording:
    samples = np.arange(300_000, dtype=np.int32) % 1000
    return Recording([LeadInput("II", lambda: [samples])], id=ecg_id, date=current_time())


def no_record(summary, session) -> None:
    """The audit entry's place: an upload's document is written in a transaction."""


def test_an_upload_losing_to_one_of_its_id_not_yet_committed_leaves_nothing(store):
    """Found in review: in a transaction, another upload's uncommitted ECG of the same id is a
    write conflict, not a duplicate key; it was taken for a commit of unknown outcome, so the
    loser's chunks stayed for the six-hour sweep."""
    client = store.ecgs.database.client
    with client.start_session() as other, other.start_transaction():
        pending = {"owner": OWNER, "id": "contended", "created_at": current_time()}
        store.ecgs.insert_one(pending, session=other)
        with pytest.raises(PyMongoError) as conflict:
            ingest(store, OWNER, long_recording("contended"), RecordingAnalysis, no_record)
        assert conflict.value.has_error_label("TransientTransactionError")  # a 503: try again
        assert store.chunks.count_documents({}) == 0
        other.abort_transaction()


def test_an_upload_losing_to_one_of_its_id_committed_since_is_a_conflict(app, monkeypatch):
    with app.app_context():
        store = EcgStore(get_db())  # inline: only the document's write meets the other upload
        store.ensure_indexes()
        client = store.ecgs.database.client
        with client.start_session() as other:
            other.start_transaction()
            pending = {"owner": OWNER, "id": "contended", "created_at": current_time()}
            store.ecgs.insert_one(pending, session=other)
            exists = store.exists

            def committed_first(owner, ecg_id):
                other.commit_transaction()
                return exists(owner, ecg_id)

            monkeypatch.setattr(store, "exists", committed_first)
            with pytest.raises(EcgExists):
                ingest(store, OWNER, long_recording("contended"), RecordingAnalysis, no_record)


def test_beats_and_the_export_check_of_an_ecg_deleted_meanwhile_are_gone(store):
    """Found in review: beats read while the ECG was being deleted came back empty or short, as
    a 200, and an export's check passed, so its 200 began and was cut off."""
    with store.writer(OWNER, "deleted") as writer:
        writer.append(0, np.arange(5000, dtype=np.int32) % 200)
        writer.append_beats(np.arange(100, 5000, 400))
        writer.commit(current_time(), 500.0, [LeadSummary("II", 5000, {}, None)])
    found = store.find(OWNER, "deleted")
    # Its deletion has committed; its chunks are not removed yet.
    store.ecgs.delete_one({"_id": found.key})
    with pytest.raises(EcgGone):
        store.beats(found)
    with pytest.raises(EcgGone):
        store.has_samples_beyond_int16(found)
