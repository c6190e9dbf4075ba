"""Chunked storage against a real database: atomic visibility, clean-up, limits."""

from datetime import timedelta

import numpy as np
import pytest
from bson import ObjectId
from pymongo.collection import Collection
from pymongo.errors import AutoReconnect

from analysis.recording import RecordingAnalysis
from plumbing.database import get_db
from plumbing.timestamps import current_time
from recordings.ingest import EmptyLead, ingest
from recordings.model import LeadInput, Recording
from recordings.store import (
    INLINE_LIMIT_BYTES,
    SAMPLES_PER_CHUNK,
    EcgExists,
    EcgGone,
    EcgStore,
    EcgTooLarge,
)

OWNER = ObjectId()


@pytest.fixture(params=[0, INLINE_LIMIT_BYTES], ids=["chunk collection", "inline when short"])
def store(app, request):
    """Every test runs with chunks in their own collection, and with short ECGs kept inline."""
    with app.app_context():
        store = EcgStore(get_db(), max_samples=10 * SAMPLES_PER_CHUNK, inline_limit=request.param)
        store.ensure_indexes()
        yield store


@pytest.fixture
def spilling_store(app):
    with app.app_context():
        store = EcgStore(get_db(), inline_limit=0)
        store.ensure_indexes()
        yield store


def stored_chunks(store: EcgStore, summary) -> list[dict]:
    return [c for i in range(len(summary.leads)) for c in store._chunks_of(summary, i)]


def recording(ecg_id: str, *lead_blocks) -> Recording:
    leads = [
        LeadInput(name=f"L{index}", blocks=lambda blocks=blocks: iter(blocks))
        for index, blocks in enumerate(lead_blocks)
    ]
    return Recording(id=ecg_id, date=current_time(), leads=leads)


def store_and_analyse(store: EcgStore, owner: ObjectId, recording: Recording):
    """Ingest as the service does, with every registered analysis."""
    return ingest(store, owner, recording, RecordingAnalysis)


def blocks_of(samples: int, size: int) -> list[np.ndarray]:
    signal = np.arange(samples, dtype=np.int32) % 1000 - 500
    return [signal[i : i + size] for i in range(0, samples, size)]


def test_blocks_of_any_size_become_fixed_size_chunks(store):
    samples = 2 * SAMPLES_PER_CHUNK + 12345
    summary = store_and_analyse(store, OWNER, recording("odd-blocks", blocks_of(samples, 100_003)))
    assert summary.leads[0].number_of_samples == samples
    assert [c["seq"] for c in stored_chunks(store, summary)] == [0, 1, 2]
    assert summary.inline == (store.inline_limit > 0)
    assert store.chunks.count_documents({"ecg": summary.key}) == (0 if summary.inline else 3)
    whole = np.concatenate(list(store.lead_blocks(summary, 0)))
    assert whole.tolist() == np.concatenate(blocks_of(samples, samples)).tolist()


def test_a_failure_mid_ingest_leaves_nothing_behind(store):
    def failing_blocks():
        yield from blocks_of(3 * SAMPLES_PER_CHUNK, SAMPLES_PER_CHUNK)
        raise OSError("the upload was cut off")

    broken = Recording(id="cut-off", date=current_time(), leads=[LeadInput("I", failing_blocks)])
    with pytest.raises(OSError):
        store_and_analyse(store, OWNER, broken)
    assert store.find(OWNER, "cut-off") is None
    assert store.chunks.count_documents({}) == 0
    assert store.page(OWNER, 10, None)[0] == []


def test_too_many_samples_are_refused_and_leave_nothing(store):
    too_many = recording("huge", blocks_of(11 * SAMPLES_PER_CHUNK, SAMPLES_PER_CHUNK))
    with pytest.raises(EcgTooLarge):
        store_and_analyse(store, OWNER, too_many)
    assert store.chunks.count_documents({}) == 0
    assert store.find(OWNER, "huge") is None


def test_an_empty_lead_is_refused_and_leaves_nothing(store):
    with pytest.raises(EmptyLead):
        store_and_analyse(store, OWNER, recording("empty", blocks_of(10, 5), []))
    assert store.chunks.count_documents({}) == 0


def test_an_id_taken_while_ingesting_is_a_conflict_that_leaves_nothing(store):
    writer = store.writer(OWNER, "raced")
    store_and_analyse(store, OWNER, recording("raced", blocks_of(10, 10)))
    with pytest.raises(EcgExists), writer:
        writer.append(0, np.arange(10, dtype=np.int32))
        writer.commit(current_time(), None, [])
    assert store.chunks.count_documents({"ecg": writer.key}) == 0


def test_the_sweep_removes_only_old_chunks_without_an_ecg(spilling_store):
    store = spilling_store
    kept = store_and_analyse(store, OWNER, recording("kept", blocks_of(10, 10)))
    old = ObjectId.from_datetime(current_time() - timedelta(days=1))
    recent = ObjectId()
    for key in (old, recent):
        store.chunks.insert_one(
            {"ecg": key, "lead": 0, "seq": 0, "encoding": "int16le", "data": b""}
        )
    assert store.sweep_orphan_chunks() == 1
    assert store.chunks.count_documents({"ecg": old}) == 0
    assert store.chunks.count_documents({"ecg": recent}) == 1
    assert store.chunks.count_documents({"ecg": kept.key}) == 1


def test_deleting_all_of_an_owner_spares_other_owners(spilling_store):
    store = spilling_store
    mine = store_and_analyse(store, OWNER, recording("mine", blocks_of(10, 10)))
    other_owner = ObjectId()
    theirs = store_and_analyse(store, other_owner, recording("theirs", blocks_of(10, 10)))
    assert store.delete_all_of(OWNER) == 1
    assert store.chunks.count_documents({"ecg": mine.key}) == 0
    assert store.find(other_owner, "theirs") is not None
    assert store.chunks.count_documents({"ecg": theirs.key}) == 1


def test_a_long_recording_with_a_taken_id_is_refused_before_its_chunks_are_written(store):
    store_and_analyse(store, OWNER, recording("taken", blocks_of(10, 10)))
    before = store.chunks.count_documents({})
    with pytest.raises(EcgExists):
        store_and_analyse(
            store, OWNER, recording("taken", blocks_of(9 * SAMPLES_PER_CHUNK, SAMPLES_PER_CHUNK))
        )
    assert store.chunks.count_documents({}) == before


def test_metadata_reads_never_carry_inline_signals(store):
    summary = store_and_analyse(store, OWNER, recording("light", blocks_of(1000, 1000)))
    assert "inline_chunks" not in store.ecgs.find_one({"_id": summary.key}, {"inline_chunks": 0})
    assert store.find(OWNER, "light").leads[0].number_of_samples == 1000


@pytest.mark.parametrize(("peak", "wider"), [(32767, False), (32768, True)])
def test_samples_beyond_16_bits_are_found_from_encodings(store, peak, wider):
    signal = np.zeros(3 * SAMPLES_PER_CHUNK, dtype=np.int32)
    signal[-1] = peak  # only the last chunk holds the extreme
    summary = store_and_analyse(store, OWNER, recording(f"peak-{peak}", [signal]))
    assert store.has_samples_beyond_int16(summary) is wider


def test_reading_every_lead_of_an_inline_ecg_fetches_its_chunks_once(app):
    with app.app_context():
        store = EcgStore(get_db())
        store.ensure_indexes()
        summary = store_and_analyse(store, OWNER, recording("twelve", *[blocks_of(500, 500)] * 12))
        assert summary.inline
        fetches = []
        original = store.ecgs.find_one
        store.ecgs = type("Counting", (), {})()
        store.ecgs.find_one = lambda *args, **kwargs: (
            fetches.append(args) or original(*args, **kwargs)
        )
        leads = [np.concatenate(list(store.lead_blocks(summary, i))) for i in range(12)]
        assert all(lead.tolist() == blocks_of(500, 500)[0].tolist() for lead in leads)
        assert len(fetches) == 1


def test_what_an_upload_records_commits_with_its_ecg_or_not_at_all(store):
    journal = store.ecgs.database.upload_journal

    def record(summary, session):
        journal.insert_one({"ecg": summary.id}, session=session)

    summary = ingest(
        store, OWNER, recording("recorded", blocks_of(1000, 1000)), RecordingAnalysis, record
    )
    assert store.find(OWNER, summary.id) is not None
    assert journal.count_documents({"ecg": "recorded"}) == 1

    def record_then_fail(summary, session):
        record(summary, session)
        raise RuntimeError("the audit entry could not be written")

    with pytest.raises(RuntimeError):
        ingest(
            store,
            OWNER,
            recording("unrecorded", blocks_of(1000, 1000)),
            RecordingAnalysis,
            record_then_fail,
        )
    assert store.find(OWNER, "unrecorded") is None
    assert journal.count_documents({"ecg": "unrecorded"}) == 0


def test_a_taken_id_records_nothing(store):
    journal = store.ecgs.database.upload_journal
    store_and_analyse(store, OWNER, recording("taken", blocks_of(10, 10)))

    def record(summary, session):
        journal.insert_one({"ecg": summary.id}, session=session)

    with pytest.raises(EcgExists):
        ingest(store, OWNER, recording("taken", blocks_of(10, 10)), RecordingAnalysis, record)
    assert journal.count_documents({}) == 0


def test_samples_of_an_ecg_deleted_while_read_are_gone_not_short(store):
    """Found in review: a concurrent delete made reads a 500, and an export of zeros."""
    store_and_analyse(store, OWNER, recording("deleted", [np.arange(3000)]))
    found = store.find(OWNER, "deleted")
    assert store.delete(OWNER, "deleted")
    with pytest.raises(EcgGone):
        store.read_samples(found, 0, 0, 10)
    with pytest.raises(EcgGone):
        list(store.lead_blocks(found, 0))


def test_chunks_stay_when_the_documents_write_may_have_succeeded(spilling_store, monkeypatch):
    """Found in review: a lost acknowledgement of the final write deleted the chunks of what
    could be a stored ECG; they are left for the sweep, which checks for the document."""

    def lost_answer(*args, **kwargs):
        raise AutoReconnect("connection closed before the answer")

    monkeypatch.setattr(Collection, "insert_one", lost_answer)
    with pytest.raises(AutoReconnect):
        store_and_analyse(spilling_store, OWNER, recording("unknown", blocks_of(300_000, 65536)))
    assert spilling_store.chunks.count_documents({}) > 0


def test_the_sweep_removes_orphans_batch_by_batch(spilling_store, monkeypatch):
    monkeypatch.setattr("recordings.store.SWEEP_BATCH", 2)
    old_keys = [
        ObjectId.from_datetime(current_time() - timedelta(days=1, seconds=index))
        for index in range(5)
    ]
    for key in old_keys:
        spilling_store.chunks.insert_one(
            {"ecg": key, "lead": 0, "seq": 0, "encoding": "int16le", "data": b""}
        )
    assert spilling_store.sweep_orphan_chunks() == 5
    assert spilling_store.chunks.count_documents({}) == 0


def test_the_sweep_removes_the_ecgs_of_owners_no_account_has(store):
    """Found in review: an upload committing after its owner's account was deleted stayed,
    unreachable, for ever."""
    gone, kept = ObjectId(), ObjectId()
    for owner, ecg_id in ((gone, "late"), (kept, "theirs")):
        store_and_analyse(store, owner, recording(ecg_id, blocks_of(10, 10)))
    assert store.sweep_ownerless(lambda owners: {kept} & set(owners)) == 1
    assert store.find(gone, "late") is None and store.find(kept, "theirs") is not None
