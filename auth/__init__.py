"""Authentication and user administration, under /api/v1."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/api/v1")

# Imported for their side effect: registering routes on bp.
from auth import audit_views, user_admin, views  # noqa: E402, F401
