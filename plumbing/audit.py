"""The audit trail: an append-only record of security events (never signals or passwords)."""

from flask import current_app, g, has_request_context, request
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.client_session import ClientSession
from pymongo.database import Database

from plumbing.database import get_db
from plumbing.pagination import newest_first_page
from plumbing.timestamps import current_time

NEWEST_FIRST = [("at", DESCENDING), ("_id", DESCENDING)]
EVENTS = (
    "login.succeeded",
    "login.failed",
    "login.throttled",
    "password.throttled",
    "token.refreshed",
    "token.reuse_detected",
    "session.ended",
    "password.changed",
    "user.created",
    "user.changed",
    "user.deleted",
    "ecg.uploaded",
    "ecg.read",
    "ecg.exported",
    "ecg.deleted",
    "ecg.reanalysed",
)


class AuditLog:
    """Appends to and pages through one database's audit trail; it never updates or deletes."""

    def __init__(self, db: Database):
        self.events = db.audit

    def ensure_indexes(self) -> None:
        """The indexes of its queries, and the retention: MongoDB deletes entries older than
        AUDIT_RETENTION_DAYS itself (the service's database role cannot delete them)."""
        retention_seconds = current_app.config["AUDIT_RETENTION_DAYS"] * 24 * 3600
        self.events.create_indexes(
            [
                IndexModel(NEWEST_FIRST),
                IndexModel([("actor", ASCENDING), *NEWEST_FIRST]),
                IndexModel([("event", ASCENDING), *NEWEST_FIRST]),
                IndexModel([("at", ASCENDING)], expireAfterSeconds=retention_seconds),
            ]
        )

    def append(self, entry: dict, transaction: ClientSession | None = None) -> None:
        self.events.insert_one(entry, session=transaction)

    def page(
        self, limit: int, cursor: str | None, actor: str | None, event: str | None
    ) -> tuple[list[dict], str | None]:
        """Entries newest first, optionally of one actor or one event."""
        query = {
            field: value
            for field, value in (("actor", actor), ("event", event))
            if value is not None
        }
        return newest_first_page(self.events, query, "at", limit, cursor)


def audit(
    event: str,
    actor: str | None = None,
    outcome: str = "success",
    transaction: ClientSession | None = None,
    **details,
) -> None:
    """Record an event of this request: who (default: the authenticated caller), from where;
    within ``transaction`` when given, so it commits with the change it records."""
    if actor is None and has_request_context() and "current_user" in g:
        actor = g.current_user.username
    AuditLog(get_db()).append(
        {
            "at": current_time(),
            "event": event,
            "outcome": outcome,
            "actor": actor,
            "address": request.remote_addr if has_request_context() else None,
            "request_id": g.get("request_id") if has_request_context() else None,
            "details": details,
        },
        transaction,
    )
