"""User accounts in MongoDB."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.collation import Collation, CollationStrength
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, OperationFailure

from plumbing.commands import DataNeedsAttention
from plumbing.pagination import ascending_page
from plumbing.timestamps import current_time
from plumbing.transactions import Erasure, in_transaction

USER = "user"
ADMIN = "admin"
ROLES = (USER, ADMIN)
USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,64}$"
# A username names one person however it is typed: "DrJones" and "drjones" are one account.
# MongoDB compares names under this collation (secondary strength ignores case but not
# punctuation) in the unique index and in every lookup by name; the name keeps the case it was
# created with.
ANY_CASE = Collation(locale="en", strength=CollationStrength.SECONDARY)
DUPLICATE_KEY = 11000


def could_be_username(name: str) -> bool:
    """Whether an account could have this name. Only such names are looked up: under ANY_CASE,
    letters of other widths and signs (fullwidth "ａ", the Kelvin sign) match ASCII ones, and
    each such spelling would be a name of its own everywhere else (throttling, the audit)."""
    return re.fullmatch(USERNAME_PATTERN, name) is not None


class UsernamesClash(DataNeedsAttention):
    """Stored usernames differ only in case, so they cannot be made unique in any case."""


# Writes something about a changed account in the transaction that changes it.
Record = Callable[["User", ClientSession], None]


class LastAdmin(Exception):
    """The change would leave no enabled administrator."""


class UsernameTaken(Exception):
    """Another account already has this username."""


@dataclass(frozen=True)
class User:
    """An account, without its password hash."""

    id: ObjectId
    username: str
    role: str
    disabled: bool
    created_at: datetime
    # Set while the password is one an administrator chose (at creation or in a reset), until
    # the owner chooses their own.
    password_reset_pending: bool = False


def user_from_document(document: dict) -> User:
    """Turn a stored document into a User."""
    return User(
        id=document["_id"],
        username=document["username"],
        role=document["role"],
        disabled=document["disabled"],
        created_at=document["created_at"],
        password_reset_pending=document.get("password_reset_pending", False),
    )


class UserStore:
    """Reads and writes one database's users."""

    def __init__(self, db: Database):
        self.users = db.users

    def ensure_indexes(self) -> None:
        """Usernames are unique in any case (idempotent); the plain index orders the pages.

        Raises ``UsernamesClash`` when accounts created before the rule differ only in case.
        """
        try:
            self.users.create_indexes(
                [
                    IndexModel([("username", ASCENDING)], unique=True),
                    IndexModel(
                        [("username", ASCENDING)],
                        unique=True,
                        collation=ANY_CASE,
                        name="username_in_any_case",
                    ),
                ]
            )
        except OperationFailure as failure:
            if failure.code != DUPLICATE_KEY:
                raise
            raise UsernamesClash(
                "Some usernames differ only in case, and a username now names one account "
                f"however it is typed; rename or delete one of each pair ({failure.details})."
            ) from None

    def create(
        self,
        username: str,
        password_hash: str,
        role: str,
        record: Record | None = None,
        temporary_password: bool = False,
    ) -> User:
        """Store a new, enabled account; ``record(account, session)`` writes in the same
        transaction (the audit entry). A ``temporary_password`` opens only the choice of the
        owner's own, as after a reset."""
        document = {
            "username": username,
            "password_hash": password_hash,
            "role": role,
            "disabled": False,
            "created_at": current_time(),
            "password_reset_pending": temporary_password,
        }

        def insert(session: ClientSession) -> User:
            self.users.insert_one(document, session=session)
            account = user_from_document(document)
            if record is not None:
                record(account, session)
            return account

        try:
            return in_transaction(self.users.database, insert)
        except DuplicateKeyError:
            raise UsernameTaken(username) from None

    def find_by_id(self, user_id: str) -> User | None:
        """Return the account a token names, if it still exists."""
        object_id = account_id(user_id)
        if object_id is None:
            return None
        document = self.users.find_one({"_id": object_id})
        return user_from_document(document) if document else None

    def find_by_username(self, username: str) -> User | None:
        """Return an account by username, typed in any case."""
        document = self.named(username)
        return user_from_document(document) if document else None

    def credentials(self, username: str) -> tuple[User, str] | None:
        """Return an account and its password hash, for login."""
        document = self.named(username)
        return (user_from_document(document), document["password_hash"]) if document else None

    def named(self, username: str) -> dict | None:
        """The document of the account a typed name names; None for a name none can have."""
        if not could_be_username(username):
            return None
        return self.users.find_one({"username": username}, collation=ANY_CASE)

    def page(self, limit: int, cursor: str | None) -> tuple[list[User], str | None]:
        """Return up to ``limit`` accounts in username order, and the next page's cursor."""
        documents, next_cursor = ascending_page(self.users, "username", limit, cursor)
        return [user_from_document(document) for document in documents], next_cursor

    def update(
        self,
        username: str,
        changes: dict,
        record: Record | None = None,
    ) -> User | None:
        """Apply field changes to an account (by its stored name); None if it does not exist.
        ``record(changed_account, session)`` writes in the same transaction (the audit entry).

        Raises ``LastAdmin`` rather than disable or demote the only enabled administrator. The
        check and the change are one transaction that also writes every enabled admin, so two
        admins removing each other at once conflict: the later runs again, and sees the earlier.
        """

        def change(session: ClientSession) -> User | None:
            if changes.get("disabled") is True or changes.get("role") == USER:
                self.keep_an_admin(username, session)
            document = self.users.find_one_and_update(
                {"username": username},
                {"$set": changes},
                collation=ANY_CASE,
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            user = user_from_document(document) if document else None
            if user is not None and record is not None:
                record(user, session)
            return user

        return in_transaction(self.users.database, change)

    def keep_an_admin(self, username: str, session: ClientSession) -> None:
        """Raise ``LastAdmin`` if ``username`` is the only enabled admin; else write every
        enabled admin in ``session``, so a concurrent change to any of them conflicts."""
        admins = self.enabled_admins(session)
        if not admins:
            return  # none to keep
        if all(admin["username"].lower() == username.lower() for admin in admins):
            raise LastAdmin(username)
        ids = [admin["_id"] for admin in admins]
        self.users.update_many(
            {"_id": {"$in": ids}}, {"$inc": {"admin_checks": 1}}, session=session
        )

    def enabled_admins(self, session: ClientSession) -> list[dict]:
        return list(
            self.users.find({"role": ADMIN, "disabled": False}, {"username": True}, session=session)
        )

    def signs_in(self, user_id: ObjectId, password_hash: str, session: ClientSession) -> bool:
        """Record a sign-in, if the account is still enabled with this password hash; False if
        either changed since it was read. It writes the account in ``session``, so a password
        change, reset or disabling committing meanwhile conflicts with it, and the later of
        the two transactions runs again, after the other."""
        enabled_with_hash = {"_id": user_id, "password_hash": password_hash, "disabled": False}
        signed_in = {"$set": {"signed_in_at": current_time()}}
        return (
            self.users.update_one(enabled_with_hash, signed_in, session=session).matched_count == 1
        )

    def existing(self, user_ids: list[ObjectId]) -> set[ObjectId]:
        """Which of these accounts exist."""
        found = self.users.find({"_id": {"$in": user_ids}}, {"_id": True})
        return {document["_id"] for document in found}

    def delete(self, username: str, record: Erasure | None = None) -> bool:
        """Delete an account (by its stored name); False if it did not exist. Raises
        ``LastAdmin`` rather than delete the only enabled administrator (see ``update``).

        ``record(session)`` writes in the transaction that deletes it (the audit entry), so
        the deletion and its record commit together or not at all.
        """

        def remove(session: ClientSession) -> bool:
            # It was disabled on its way here, but may have been enabled since: still the rule.
            self.keep_an_admin(username, session)
            query = {"username": username}
            deleted = self.users.delete_one(query, collation=ANY_CASE, session=session)
            if deleted.deleted_count and record is not None:
                record(session)
            return deleted.deleted_count == 1

        return in_transaction(self.users.database, remove)


def account_id(user_id: str) -> ObjectId | None:
    """The database id a token's subject names, or None when it names none."""
    try:
        return ObjectId(user_id)
    except (InvalidId, TypeError):
        return None
