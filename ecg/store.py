"""ECG documents in MongoDB; every query is scoped to the owner."""

from datetime import datetime

from bson import Binary, ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.database import Database
from pymongo.errors import DocumentTooLarge, DuplicateKeyError

from ecg.encoding import encode_signal
from ecg.model import EcgSummary, LeadSummary, Recording
from pagination import decode_cursor, encode_cursor, invalid_cursor
from timestamps import current_time

# List and metadata reads never load signals.
WITHOUT_SIGNALS = {"leads.signal": False}
NEWEST_FIRST = [("created_at", DESCENDING), ("_id", DESCENDING)]


class EcgExists(Exception):
    """The owner already has an ECG with this id."""


class EcgTooLarge(Exception):
    """The ECG does not fit in one MongoDB document."""


class EcgStore:
    """Reads and writes one database's ECGs."""

    def __init__(self, db: Database):
        self.ecgs = db.ecgs

    def ensure_indexes(self) -> None:
        """Create the indexes every query relies on (idempotent)."""
        self.ecgs.create_indexes(
            [
                IndexModel([("owner", ASCENDING), ("id", ASCENDING)], unique=True),
                IndexModel([("owner", ASCENDING), *NEWEST_FIRST]),
            ]
        )

    def insert(
        self, owner: ObjectId, recording: Recording, insights: list[dict[str, int | float]]
    ) -> EcgSummary:
        """Store a recording with its leads' insights, which reads return without recomputing."""
        leads = []
        for lead, lead_insights in zip(recording.leads, insights, strict=True):
            encoding, payload = encode_signal(lead.signal)
            leads.append(
                {
                    "name": lead.name,
                    "number_of_samples": len(lead.signal),
                    "encoding": encoding,
                    "signal": Binary(payload),
                    "insights": lead_insights,
                }
            )
        document = {
            "owner": owner,
            "id": recording.id,
            "date": recording.date,
            "created_at": current_time(),
            "leads": leads,
        }
        try:
            self.ecgs.insert_one(document)
        except DuplicateKeyError:
            raise EcgExists(recording.id) from None
        except DocumentTooLarge:
            raise EcgTooLarge(recording.id) from None
        return summary_from_document(document)

    def find(self, owner: ObjectId, ecg_id: str) -> EcgSummary | None:
        """Return one of the owner's ECGs, without signals."""
        document = self.ecgs.find_one({"owner": owner, "id": ecg_id}, WITHOUT_SIGNALS)
        return summary_from_document(document) if document else None

    def page(
        self, owner: ObjectId, limit: int, cursor: str | None
    ) -> tuple[list[EcgSummary], str | None]:
        """Return up to ``limit`` of the owner's ECGs, newest first, and the next page's cursor."""
        query: dict = {"owner": owner}
        if cursor is not None:
            created_at, last_id = position_from_cursor(cursor)
            query["$or"] = [
                {"created_at": {"$lt": created_at}},
                {"created_at": created_at, "_id": {"$lt": last_id}},
            ]
        documents = list(self.ecgs.find(query, WITHOUT_SIGNALS).sort(NEWEST_FIRST).limit(limit + 1))
        next_cursor = None
        if len(documents) > limit:
            last = documents[limit - 1]
            next_cursor = encode_cursor(last["created_at"].isoformat(), str(last["_id"]))
        return [summary_from_document(document) for document in documents[:limit]], next_cursor

    def delete(self, owner: ObjectId, ecg_id: str) -> bool:
        """Delete one of the owner's ECGs; False if the owner has none with this id."""
        return self.ecgs.delete_one({"owner": owner, "id": ecg_id}).deleted_count == 1

    def delete_all_of(self, owner: ObjectId) -> int:
        """Delete every ECG of an owner (when the owner's account is deleted)."""
        return self.ecgs.delete_many({"owner": owner}).deleted_count


def position_from_cursor(cursor: str) -> tuple[datetime, ObjectId]:
    """Recover the (created_at, _id) sort key a cursor was made from."""
    created_at, last_id = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(created_at), ObjectId(last_id)
    except (ValueError, InvalidId):
        raise invalid_cursor() from None


def summary_from_document(document: dict) -> EcgSummary:
    """Turn a stored document (signals projected out or not) into a summary."""
    return EcgSummary(
        id=document["id"],
        date=document["date"],
        created_at=document["created_at"],
        leads=[
            LeadSummary(lead["name"], lead["number_of_samples"], lead["insights"])
            for lead in document["leads"]
        ],
    )
