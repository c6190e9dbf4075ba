"""The audit trail, for the admin role only."""

from datetime import datetime
from typing import Any, Literal

from flask import Blueprint
from pydantic import BaseModel, Field

from auth.guards import roles_required
from auth.users import ADMIN
from openapi.models import Page, PageQuery
from openapi.operation import operation
from plumbing.audit import EVENTS, AuditLog
from plumbing.database import get_db

bp = Blueprint("audit", __name__, url_prefix="/api/v1")


class AuditQuery(PageQuery):
    """Which audit entries to list."""

    user: str | None = Field(None, max_length=64, description="Only this actor's entries.")
    event: Literal[EVENTS] | None = Field(None, description="Only entries of this event.")


class AuditEntry(BaseModel):
    """One recorded security event."""

    at: datetime
    event: str
    outcome: Literal["success", "failure"]
    actor: str | None = Field(description="Who acted (for failed logins, the name tried).")
    address: str | None = Field(description="The client's address.")
    request_id: str | None
    details: dict[str, Any]


@bp.get("/audit")
@roles_required(ADMIN)
@operation(tag="Audit (admin)", response=Page[AuditEntry], query=AuditQuery, errors=(400,))
def list_audit_entries(query: AuditQuery):
    """List security events, newest first, filtered by user and event if asked."""
    entries, next_cursor = AuditLog(get_db()).page(
        query.limit, query.cursor, query.user, query.event
    )
    items = [AuditEntry(**entry) for entry in entries]
    return Page[AuditEntry](items=items, next_cursor=next_cursor)
