"""ECG upload and insights, under /api/v1, for the user role only."""

from flask import Blueprint

bp = Blueprint("ecg", __name__, url_prefix="/api/v1")

# Imported for its side effect: registering routes on bp.
from ecg import views  # noqa: E402, F401
