"""ECGs in MongoDB: one metadata document per ECG, signals in fixed-size chunks.

A short recording's chunks travel inside its ECG document (one write, the common case); once
they pass INLINE_LIMIT_BYTES they go to `signal_chunks` instead. The ECG document is written
only after all of its chunks, so a recording becomes visible complete or not at all; an ingest
that fails removes its chunks, and `sweep_orphan_chunks` removes those of one that crashed.
Every lookup by a client's id includes the owner; lookups by storage key follow one (or run in
the CLI). Reads of metadata never load signals.
"""

import contextlib
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from datetime import datetime, timedelta

import numpy as np
from bson import Binary, ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from plumbing.pagination import newest_first_page
from plumbing.timestamps import current_time
from plumbing.transactions import in_transaction
from recordings.encoding import decode_signal, encode_signal, is_wider_than_int16
from recordings.model import Calibration, EcgSummary, LeadSummary

# 256 Ki samples: 512 KiB per int16 chunk, far below the 16 MiB document limit.
SAMPLES_PER_CHUNK = 1 << 18
# Chunks up to this size stay in the ECG document, leaving room below 16 MiB for the rest.
INLINE_LIMIT_BYTES = 8 << 20
WITHOUT_SIGNALS = {"inline_chunks": False}
NEWEST_FIRST = [("created_at", DESCENDING), ("_id", DESCENDING)]
# An ingest older than this without its ECG document has died; its chunks can go.
ABANDONED_AFTER = timedelta(hours=6)
SWEEP_BATCH = 1000  # orphaned ECGs' keys per delete
REANALYSIS_TRANSACTION_SECONDS = 120.0
# The series of detected beats (sample indices) is stored like a lead's signal, under this index.
BEATS_SERIES = -1


# Writes something about a new ECG in the transaction that stores it.
Record = Callable[[EcgSummary, ClientSession], None]
# Writes something about a deleted ECG (given by its key) in the transaction that deletes it.
DeletionRecord = Callable[[ObjectId, ClientSession], None]


class EcgExists(Exception):
    """The owner already has an ECG with this id."""


class EcgGone(Exception):
    """The ECG was deleted while its samples were being read."""

    def __init__(self, ecg_id: str):
        super().__init__(ecg_id)
        self.ecg_id = ecg_id


class EcgTooLarge(Exception):
    """The ECG has more samples than the service accepts."""


class EcgStore:
    """Reads and writes one database's ECGs."""

    def __init__(
        self, db: Database, max_samples: int | None = None, inline_limit: int = INLINE_LIMIT_BYTES
    ):
        """``max_samples`` caps what a writer accepts (the service passes MAX_ECG_SAMPLES)."""
        self.ecgs = db.ecgs
        self.chunks = db.signal_chunks
        self.max_samples = max_samples
        self.inline_limit = inline_limit
        # Inline chunks already fetched, by ECG key: an export reads every lead of one ECG,
        # and the document need cross the network only once. A store serves one request.
        self.fetched_inline: dict[ObjectId, list[dict]] = {}

    def ensure_indexes(self) -> None:
        """Create the indexes every query relies on (idempotent)."""
        self.ecgs.create_indexes(
            [
                IndexModel([("owner", ASCENDING), ("id", ASCENDING)], unique=True),
                IndexModel([("owner", ASCENDING), *NEWEST_FIRST]),
            ]
        )
        self.chunks.create_indexes(
            [IndexModel([("ecg", ASCENDING), ("lead", ASCENDING), ("seq", ASCENDING)], unique=True)]
        )

    def writer(self, owner: ObjectId, ecg_id: str) -> "EcgWriter":
        """Start storing a new ECG."""
        return EcgWriter(self, owner, ecg_id)

    def exists(self, owner: ObjectId, ecg_id: str) -> bool:
        return self.ecgs.find_one({"owner": owner, "id": ecg_id}, {"_id": True}) is not None

    def find(self, owner: ObjectId, ecg_id: str) -> EcgSummary | None:
        """Return one of the owner's ECGs, without signals."""
        document = self.ecgs.find_one({"owner": owner, "id": ecg_id}, WITHOUT_SIGNALS)
        return summary_from_document(document) if document else None

    def page(
        self, owner: ObjectId, limit: int, cursor: str | None
    ) -> tuple[list[EcgSummary], str | None]:
        """Return up to ``limit`` of the owner's ECGs, newest first, and the next page's cursor."""
        documents, next_cursor = newest_first_page(
            self.ecgs, {"owner": owner}, "created_at", limit, cursor, WITHOUT_SIGNALS
        )
        return [summary_from_document(document) for document in documents], next_cursor

    def _chunks_of(self, ecg: EcgSummary, lead_index: int, first: int = 0, last: int | None = None):
        """A lead's chunk documents with seq in [first, last], in order."""
        seq = {"$gte": first, **({"$lte": last} if last is not None else {})}
        if not ecg.inline:
            query = {"ecg": ecg.key, "lead": lead_index, "seq": seq}
            return self.chunks.find(query).sort("seq", ASCENDING)
        if ecg.key not in self.fetched_inline:
            document = self.ecgs.find_one({"_id": ecg.key}, {"inline_chunks": True})
            if document is None:  # deleted since it was found (a concurrent delete)
                raise EcgGone(ecg.id)
            self.fetched_inline[ecg.key] = document["inline_chunks"]
        return [
            chunk
            for chunk in self.fetched_inline[ecg.key]
            if chunk["lead"] == lead_index
            and first <= chunk["seq"]
            and (last is None or chunk["seq"] <= last)
        ]

    def read_samples(self, ecg: EcgSummary, lead_index: int, start: int, stop: int) -> np.ndarray:
        """Samples [start, stop) of a lead, loading only the chunks that hold them."""
        first, last = start // SAMPLES_PER_CHUNK, (stop - 1) // SAMPLES_PER_CHUNK
        pieces = self._chunks_of(ecg, lead_index, first, last)
        blocks = [decode_signal(p["encoding"], p["data"]) for p in pieces]
        offset = first * SAMPLES_PER_CHUNK
        if sum(block.size for block in blocks) < stop - offset:
            raise EcgGone(ecg.id)
        return np.concatenate(blocks)[start - offset : stop - offset]

    def lead_blocks(self, ecg: EcgSummary, lead_index: int) -> Iterator[np.ndarray]:
        """A lead's samples chunk by chunk, in order, for streaming; EcgGone if they end before
        the lead does, rather than a shorter lead."""
        read = 0
        for piece in self._chunks_of(ecg, lead_index):
            block = decode_signal(piece["encoding"], piece["data"])
            read += block.size
            yield block
        if read < ecg.leads[lead_index].number_of_samples:
            raise EcgGone(ecg.id)

    def has_samples_beyond_int16(self, ecg: EcgSummary) -> bool:
        """Whether any chunk needed 32 bits (the narrowest encoding is chosen per chunk).

        Only the encodings are read, never the samples.
        """
        if ecg.inline:
            fields = {"inline_chunks.encoding": True, "inline_chunks.lead": True}
            document = self.ecgs.find_one({"_id": ecg.key}, fields)
            if document is None:
                raise EcgGone(ecg.id)
            encodings = {
                chunk["encoding"]
                for chunk in document["inline_chunks"]
                if chunk["lead"] != BEATS_SERIES
            }
        else:
            query = {"ecg": ecg.key, "lead": {"$ne": BEATS_SERIES}}
            encodings = set(self.chunks.distinct("encoding", query))
            self._still_stored(ecg)
        return any(is_wider_than_int16(encoding) for encoding in encodings)

    def beats(self, ecg: EcgSummary) -> np.ndarray:
        """The sample indices of the ECG's detected beats, in order (empty if none); EcgGone if
        it was deleted meanwhile, rather than the beats its deletion had not reached."""
        pieces = [
            decode_signal(p["encoding"], p["data"]) for p in self._chunks_of(ecg, BEATS_SERIES)
        ]
        if not ecg.inline:
            self._still_stored(ecg)
        return np.concatenate(pieces).astype(np.int64) if pieces else np.empty(0, dtype=np.int64)

    def _still_stored(self, ecg: EcgSummary) -> None:
        """EcgGone unless the ECG's document still exists. Its chunks are deleted only after it
        is, so chunks read before this check were all there."""
        if self.ecgs.find_one({"_id": ecg.key}, {"_id": True}) is None:
            raise EcgGone(ecg.id)

    def outdated(self, analysis_version: str) -> Iterator[EcgSummary]:
        """ECGs of every owner whose insights an older analysis made, in storage order.

        Their keys are listed first, so no cursor stays open while each is re-analysed (a
        Holter's analysis outlasts a cursor's idle timeout).
        """
        query = {"analysis.analysis_version": {"$ne": analysis_version}}
        keys = [d["_id"] for d in self.ecgs.find(query, {"_id": True}).sort("_id", ASCENDING)]
        for key in keys:
            document = self.ecgs.find_one({"_id": key, **query}, WITHOUT_SIGNALS)
            if document is not None:  # not deleted or re-analysed meanwhile
                yield summary_from_document(document)

    def replace_analysis(
        self, ecg: EcgSummary, lead_insights: list[dict], insights: dict, beats: np.ndarray
    ) -> None:
        """Store a new analysis of a stored ECG, its beats and its insights in one transaction:
        an interrupted re-analysis leaves the old one whole, and two runs at once cannot
        interleave (one's transaction conflicts with the other's and is retried after it)."""
        documents = beat_chunks(beats)
        changes = {f"leads.{i}.insights": lead for i, lead in enumerate(lead_insights)}

        def replace(session: ClientSession) -> None:
            if ecg.inline:
                self.ecgs.update_one(
                    {"_id": ecg.key},
                    {"$pull": {"inline_chunks": {"lead": BEATS_SERIES}}},
                    session=session,
                )
                if documents:
                    self.ecgs.update_one(
                        {"_id": ecg.key},
                        {"$push": {"inline_chunks": {"$each": documents}}},
                        session=session,
                    )
            else:
                self.chunks.delete_many({"ecg": ecg.key, "lead": BEATS_SERIES}, session=session)
                if documents:
                    chunks = [{"ecg": ecg.key, **document} for document in documents]
                    self.chunks.insert_many(chunks, session=session)
            self.ecgs.update_one(
                {"_id": ecg.key}, {"$set": {**changes, "analysis": insights}}, session=session
            )

        # A CLI's transaction, which may write a two-week recording's beats: the driver's own
        # budget rather than a request's.
        in_transaction(self.ecgs.database, replace, seconds=REANALYSIS_TRANSACTION_SECONDS)
        self.fetched_inline.pop(ecg.key, None)

    def delete(self, owner: ObjectId, ecg_id: str, record: DeletionRecord | None = None) -> bool:
        """Delete one of the owner's ECGs; False if the owner has none with this id.

        ``record(key, session)`` writes in the transaction that deletes the document (the audit
        entry), so the deletion and its record commit together or not at all. The chunks go
        after it; any a crash leaves behind belong to no ECG, and the orphan sweep removes them.
        """

        def remove(session: ClientSession) -> dict | None:
            query = {"owner": owner, "id": ecg_id}
            document = self.ecgs.find_one_and_delete(query, {"_id": True}, session=session)
            if document is not None and record is not None:
                record(document["_id"], session)
            return document

        document = in_transaction(self.ecgs.database, remove)
        if document is None:
            return False
        self.chunks.delete_many({"ecg": document["_id"]})
        return True

    def delete_all_of(self, owner: ObjectId) -> int:
        """Delete every ECG of an owner (when the owner's account is deleted)."""
        keys = [document["_id"] for document in self.ecgs.find({"owner": owner}, {"_id": True})]
        self.ecgs.delete_many({"owner": owner, "_id": {"$in": keys}})
        self.chunks.delete_many({"ecg": {"$in": keys}})
        return len(keys)

    def sweep_orphan_chunks(self) -> int:
        """Delete chunks of ingests that died long ago without writing their ECG document.

        The orphans come from one aggregation, read as a cursor and deleted in batches, so no
        single reply has to hold the keys of every chunked ECG.
        """
        cutoff = ObjectId.from_datetime(current_time() - ABANDONED_AFTER)
        orphans = self.chunks.aggregate(
            [
                {"$match": {"ecg": {"$lt": cutoff}}},
                {"$group": {"_id": "$ecg"}},
                {
                    "$lookup": {
                        "from": self.ecgs.name,
                        "localField": "_id",
                        "foreignField": "_id",
                        "pipeline": [{"$project": {"_id": True}}],
                        "as": "ecg",
                    }
                },
                {"$match": {"ecg": []}},
            ],
            allowDiskUse=True,
        )
        removed = 0
        for keys in batches((orphan["_id"] for orphan in orphans), SWEEP_BATCH):
            removed += self.chunks.delete_many({"ecg": {"$in": keys}}).deleted_count
        return removed

    def sweep_ownerless(self, existing: Callable[[list[ObjectId]], set[ObjectId]]) -> int:
        """Delete the ECGs of owners ``existing`` no longer knows: an upload that committed
        after its owner's account was deleted, which deleted only the ECGs it found then."""
        owners = self.ecgs.distinct("owner")  # one per account: the index answers it
        return sum(self.delete_all_of(owner) for owner in set(owners) - existing(owners))


class EcgWriter:
    """Stores one ECG's signals chunk by chunk, then its document; undoes itself on failure."""

    def __init__(self, store: EcgStore, owner: ObjectId, ecg_id: str):
        self.store = store
        self.owner = owner
        self.ecg_id = ecg_id
        self.key = ObjectId()  # its timestamp dates the chunks for the orphan sweep
        self.pending: dict[int, list[np.ndarray]] = {}
        self.inline: list[dict] | None = []  # chunks kept for the ECG document; None once spilled
        self.inline_bytes = 0
        self.stored: dict[int, int] = {}  # samples stored or pending, per lead
        self.total_samples = 0
        self.outcome_unknown = False  # the document's write failed, perhaps only its answer

    def append(self, lead_index: int, samples: np.ndarray) -> None:
        """Add the next block of a lead's samples; full chunks are written as they fill."""
        self.total_samples += samples.size
        limit = self.store.max_samples
        if limit is not None and self.total_samples > limit:
            raise EcgTooLarge(self.ecg_id)
        self._append(lead_index, samples)

    def append_beats(self, beats: np.ndarray) -> None:
        """Store the detected beats with the signals (they do not count as samples)."""
        if beats.size:
            self._append(BEATS_SERIES, beats.astype(np.int32))

    def _append(self, lead_index: int, samples: np.ndarray) -> None:
        self.pending.setdefault(lead_index, []).append(samples)
        self.stored[lead_index] = self.stored.get(lead_index, 0) + samples.size
        pending_size = sum(block.size for block in self.pending[lead_index])
        if pending_size >= SAMPLES_PER_CHUNK:
            self._keep(self._chunks(lead_index, final=False))

    def _keep(self, documents: list[dict]) -> None:
        """Hold chunks for the ECG document, or, past the inline limit, write them out."""
        if self.inline is not None:
            self.inline.extend(documents)
            self.inline_bytes += sum(len(document["data"]) for document in documents)
            if self.inline_bytes <= self.store.inline_limit:
                return
            # A long recording: say 409 now, before writing what could be a lot for nothing.
            if self.store.exists(self.owner, self.ecg_id):
                raise EcgExists(self.ecg_id)
            documents, self.inline = self.inline, None
        if documents:
            self.store.chunks.insert_many(
                [{"ecg": self.key, **document} for document in documents], ordered=True
            )

    def _chunks(self, lead_index: int, final: bool) -> list[dict]:
        """Chunk documents for the lead's pending samples: whole chunks, or all when final."""
        blocks = self.pending.pop(lead_index, [])
        if not blocks:
            return []
        joined = np.concatenate(blocks)
        whole = joined.size if final else joined.size - joined.size % SAMPLES_PER_CHUNK
        if whole < joined.size:
            self.pending[lead_index] = [joined[whole:]]
        first_seq = (self.stored[lead_index] - joined.size) // SAMPLES_PER_CHUNK
        documents = []
        for offset in range(0, whole, SAMPLES_PER_CHUNK):
            encoding, payload = encode_signal(joined[offset : offset + SAMPLES_PER_CHUNK])
            documents.append(
                {
                    "lead": lead_index,
                    "seq": first_seq + offset // SAMPLES_PER_CHUNK,
                    "encoding": encoding,
                    "data": Binary(payload),
                }
            )
        return documents

    def commit(
        self,
        date: datetime,
        sampling_frequency: float | None,
        leads: list[LeadSummary],
        insights: dict | None = None,
        record: Record | None = None,
    ) -> EcgSummary:
        """Write the remaining chunks, then the document that makes the ECG visible.

        ``record(summary, session)`` writes what must be exactly as durable as the ECG (its
        audit entry): in one transaction with the document, so both are committed, majority
        and journaled, or neither is. Attempted once: a failure reaches the caller.
        """
        self._keep([doc for lead in list(self.pending) for doc in self._chunks(lead, final=True)])
        document = {
            "_id": self.key,
            "owner": self.owner,
            "id": self.ecg_id,
            "date": date,
            "created_at": current_time(),
            "sampling_frequency": sampling_frequency,
            "leads": [lead_document(lead) for lead in leads],
            "analysis": insights or {},
            "inline": self.inline is not None,
        }
        if self.inline is not None:
            document["inline_chunks"] = self.inline
        summary = summary_from_document(document)
        try:
            if record is None:
                self.store.ecgs.insert_one(document)
                return summary
            client = self.store.ecgs.database.client
            with client.start_session() as session, session.start_transaction():
                self.store.ecgs.insert_one(document, session=session)
                record(summary, session)
        except DuplicateKeyError:
            raise EcgExists(self.ecg_id) from None
        except PyMongoError as error:
            if not aborted(error):
                # The document may be stored even so (an acknowledgement lost on the way back):
                # its chunks stay for the sweep, which removes them only if no ECG refers to them.
                self.outcome_unknown = True
            elif self.store.exists(self.owner, self.ecg_id):
                # In a transaction, another upload's ECG of this id, not yet committed, is a
                # write conflict rather than a duplicate key: once committed, it is this 409.
                raise EcgExists(self.ecg_id) from None
            raise
        return summary

    def abort(self) -> None:
        """Remove what was written; if the database is gone, the orphan sweep will."""
        if self.inline is not None or self.outcome_unknown:
            return  # nothing reached signal_chunks, or it may belong to a stored ECG
        with contextlib.suppress(PyMongoError):
            self.store.chunks.delete_many({"ecg": self.key})

    def __enter__(self) -> "EcgWriter":
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is not None:
            self.abort()


def aborted(error: PyMongoError) -> bool:
    """Whether a transaction that failed so certainly committed nothing: the driver labels it
    transient (the whole transaction may run again), not a commit of unknown outcome."""
    return error.has_error_label("TransientTransactionError") and not error.has_error_label(
        "UnknownTransactionCommitResult"
    )


def batches(items: Iterable, size: int) -> Iterator[list]:
    """``items`` in lists of ``size`` (the last shorter); itertools.batched from Python 3.12."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def lead_document(lead: LeadSummary) -> dict:
    return {
        "name": lead.name,
        "number_of_samples": lead.number_of_samples,
        "calibration": asdict(lead.calibration) if lead.calibration else None,
        "insights": lead.insights,
    }


def summary_from_document(document: dict) -> EcgSummary:
    """Turn a stored ECG document into a summary."""
    return EcgSummary(
        key=document["_id"],
        inline=document["inline"],
        id=document["id"],
        date=document["date"],
        created_at=document["created_at"],
        sampling_frequency=document.get("sampling_frequency"),
        insights=document.get("analysis", {}),
        leads=[
            LeadSummary(
                name=lead["name"],
                number_of_samples=lead["number_of_samples"],
                insights=lead["insights"],
                calibration=Calibration(**lead["calibration"]) if lead.get("calibration") else None,
            )
            for lead in document["leads"]
        ],
    )


def beat_chunks(beats: np.ndarray) -> list[dict]:
    """The chunk documents of a beats series."""
    values = beats.astype(np.int32)
    documents = []
    for seq, offset in enumerate(range(0, values.size, SAMPLES_PER_CHUNK)):
        encoding, payload = encode_signal(values[offset : offset + SAMPLES_PER_CHUNK])
        documents.append(
            {"lead": BEATS_SERIES, "seq": seq, "encoding": encoding, "data": Binary(payload)}
        )
    return documents
