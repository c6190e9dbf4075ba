"""Keyset pagination shared by every list: opaque cursors and one page-query per sort order.

Pages are keyed on the last item seen rather than an offset, so they stay stable while documents
are added, and each page is one indexed range scan. Every store returns ``(items, next_cursor)``.
"""

import base64
import binascii
import json
from datetime import datetime

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection

from plumbing.errors import ApiError
from plumbing.timestamps import in_utc

MAX_PAGE_SIZE = 100


def encode_cursor(*position: str) -> str:
    """Make an opaque cursor from the sort key of the last item on a page."""
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


def decode_cursor(cursor: str, length: int) -> list[str]:
    """Recover the sort key from a cursor made by ``encode_cursor``; 400 if it was tampered with."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeError):
        position = None
    valid = (
        isinstance(position, list)
        and len(position) == length
        and all(isinstance(part, str) and is_utf_8(part) for part in position)
    )
    if not valid:
        raise invalid_cursor()
    return position


def is_utf_8(text: str) -> bool:
    """Whether ``text`` can go to MongoDB: JSON can hold a lone surrogate, which UTF-8 cannot
    (BSON raised a UnicodeEncodeError: a 500, found in review)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def invalid_cursor() -> ApiError:
    """The error for a cursor this API did not make."""
    return ApiError(400, "invalid_cursor", "The cursor is not one this API returned.")


def newest_first_page(
    collection: Collection,
    query: dict,
    time_field: str,
    limit: int,
    cursor: str | None,
    projection: dict | None = None,
) -> tuple[list[dict], str | None]:
    """A page of documents, newest first by (time_field, _id), and the next page's cursor."""
    if cursor is not None:
        moment, last_id = time_position(cursor)
        query = {
            **query,
            "$or": [
                {time_field: {"$lt": moment}},
                {time_field: moment, "_id": {"$lt": last_id}},
            ],
        }
    order = [(time_field, DESCENDING), ("_id", DESCENDING)]
    documents = list(collection.find(query, projection).sort(order).limit(limit + 1))
    return _split(documents, limit, lambda last: (last[time_field].isoformat(), str(last["_id"])))


def ascending_page(
    collection: Collection, unique_field: str, limit: int, cursor: str | None
) -> tuple[list[dict], str | None]:
    """A page of documents in the order of a unique string field, and the next page's cursor."""
    query = {} if cursor is None else {unique_field: {"$gt": decode_cursor(cursor, 1)[0]}}
    documents = list(collection.find(query).sort(unique_field, ASCENDING).limit(limit + 1))
    return _split(documents, limit, lambda last: (last[unique_field],))


def _split(documents: list[dict], limit: int, position) -> tuple[list[dict], str | None]:
    """The first ``limit`` of ``limit + 1`` documents, and a cursor if there was one more."""
    if len(documents) <= limit:
        return documents, None
    return documents[:limit], encode_cursor(*position(documents[limit - 1]))


def time_position(cursor: str) -> tuple[datetime, ObjectId]:
    """Recover the (time, _id) sort key a newest-first cursor was made from."""
    moment, last_id = decode_cursor(cursor, 2)
    try:
        # This API's cursors carry +00:00: one without an offset is not ours.
        return in_utc(datetime.fromisoformat(moment)), ObjectId(last_id)
    except (ValueError, InvalidId):
        raise invalid_cursor() from None
