"""Liveness and readiness probes for orchestrators, outside the versioned API."""

from flask import Blueprint
from pydantic import BaseModel

from openapi.operation import operation
from plumbing.database import get_db

bp = Blueprint("health", __name__)


class ProbeStatus(BaseModel):
    """A probe's answer."""

    status: str


@bp.get("/healthz")
@operation(tag="Health", response=ProbeStatus)
def healthz():
    """The process is alive (the database is not consulted)."""
    return ProbeStatus(status="ok")


@bp.get("/readyz")
@operation(tag="Health", response=ProbeStatus, errors=(503,))
def readyz():
    """The database answers; 503 otherwise."""
    get_db().command("ping")
    return ProbeStatus(status="ready")
