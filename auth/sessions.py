"""Login sessions (refresh token families) in MongoDB, shared by every worker and host.

A session lives until it expires (a TTL index deletes it), is ended (logout, password change,
an administrator's change to the account) or is caught replaying a used refresh token, which
ends it too: one of the two holders of that token is a thief, and the family must die.
"""

import uuid
from datetime import timedelta
from enum import Enum

from bson import ObjectId
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.database import Database

from plumbing.timestamps import current_time


class Rotation(Enum):
    """What presenting a refresh token did."""

    ROTATED = "rotated"
    REUSED = "reused"  # an old token of a live family: the family is now revoked
    UNKNOWN = "unknown"  # no such live family


class SessionStore:
    """Reads and writes one database's sessions."""

    def __init__(self, db: Database):
        self.sessions = db.sessions

    def ensure_indexes(self) -> None:
        """Expired sessions delete themselves; a user's sessions are found by user."""
        self.sessions.create_indexes(
            [
                IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
                IndexModel([("user", ASCENDING)]),
            ]
        )

    def start(self, user_id: ObjectId, lifetime_seconds: int) -> tuple[str, str]:
        """Open a session; return its id and its first refresh token id."""
        session_id, refresh_id = uuid.uuid4().hex, uuid.uuid4().hex
        now = current_time()
        self.sessions.insert_one(
            {
                "_id": session_id,
                "user": user_id,
                "refresh_jti": refresh_id,
                "created_at": now,
                "expires_at": now + timedelta(seconds=lifetime_seconds),
            }
        )
        return session_id, refresh_id

    def is_active(self, session_id: str, user_id: ObjectId) -> bool:
        """Whether the session exists, belongs to the user and has not expired."""
        # A lookup by _id alone is the cheapest there is; this runs on every request.
        session = self.sessions.find_one({"_id": session_id}, {"user": True, "expires_at": True})
        return (
            session is not None
            and session["user"] == user_id
            and session["expires_at"] > current_time()
        )

    def rotate(
        self, session_id: str, user_id: ObjectId, presented: str, lifetime_seconds: int
    ) -> tuple[Rotation, str | None]:
        """Swap the session's refresh token id for a new one, if ``presented`` is the current."""
        now, fresh = current_time(), uuid.uuid4().hex
        rotated = self.sessions.find_one_and_update(
            {
                "_id": session_id,
                "user": user_id,
                "refresh_jti": presented,
                "expires_at": {"$gt": now},
            },
            {
                "$set": {
                    "refresh_jti": fresh,
                    "expires_at": now + timedelta(seconds=lifetime_seconds),
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        if rotated is not None:
            return Rotation.ROTATED, fresh
        if self.sessions.delete_one({"_id": session_id, "user": user_id}).deleted_count:
            return Rotation.REUSED, None
        return Rotation.UNKNOWN, None

    def end(self, session_id: str) -> None:
        self.sessions.delete_one({"_id": session_id})

    def end_all(self, user_id: ObjectId, keep: str | None = None) -> int:
        """End every session of a user (but ``keep``); their tokens stop working at once."""
        query: dict = {"user": user_id}
        if keep is not None:
            query["_id"] = {"$ne": keep}
        return self.sessions.delete_many(query).deleted_count
