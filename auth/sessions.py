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
from pymongo.client_session import ClientSession
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
        self.accounts = db.users

    def ensure_indexes(self) -> None:
        """Expired sessions delete themselves; a user's sessions are found by user."""
        self.sessions.create_indexes(
            [
                IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
                IndexModel([("user", ASCENDING)]),
            ]
        )

    def start(
        self,
        user_id: ObjectId,
        lifetime_seconds: int,
        transaction: ClientSession | None = None,
    ) -> tuple[str, str]:
        """Open a session, within ``transaction`` when given; return its id and its first
        refresh token id."""
        session_id, refresh_id = uuid.uuid4().hex, uuid.uuid4().hex
        now = current_time()
        self.sessions.insert_one(
            {
                "_id": session_id,
                "user": user_id,
                "refresh_jti": refresh_id,
                "created_at": now,
                "expires_at": now + timedelta(seconds=lifetime_seconds),
            },
            session=transaction,
        )
        return session_id, refresh_id

    def account_and_session(self, user_id: ObjectId, session_id: str) -> tuple[dict | None, bool]:
        """The account's document (without its password hash), if it exists, and whether the
        session is live (it exists, belongs to the account and has not expired).

        One round trip, from the account to its session, both found by indexed fields: this proves
        every request's token, so disabling or deleting an account, or ending a session, takes
        effect on the next request.
        """
        live_session = {"_id": session_id, "expires_at": {"$gt": current_time()}}
        found = self.accounts.aggregate(
            [
                {"$match": {"_id": user_id}},
                {"$project": {"password_hash": False}},
                {
                    "$lookup": {
                        "from": self.sessions.name,
                        "localField": "_id",
                        "foreignField": "user",
                        "pipeline": [{"$match": live_session}, {"$project": {"_id": True}}],
                        "as": "live_sessions",
                    }
                },
            ]
        )
        account = next(found, None)
        if account is None:
            return None, False
        return account, bool(account.pop("live_sessions"))

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

    def end_all(
        self,
        user_id: ObjectId,
        keep: str | None = None,
        transaction: ClientSession | None = None,
    ) -> int:
        """End every session of a user (but ``keep``), within ``transaction`` when given;
        their tokens stop working at once."""
        query: dict = {"user": user_id}
        if keep is not None:
            query["_id"] = {"$ne": keep}
        return self.sessions.delete_many(query, session=transaction).deleted_count
