"""Security headers on every response, and CORS only for configured origins."""

from flask import Flask, request
from flask_cors import CORS

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI's page runs an inline start-up script and styles from its own assets.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'"
)


# The viewer: its own scripts and styles only, its API calls, and the SVGs it fetches as blobs.
VIEWER_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    """Add the headers; enable CORS for CORS_ALLOWED_ORIGINS only (off when empty)."""
    app.after_request(add_security_headers)
    origins = app.config["CORS_ALLOWED_ORIGINS"]
    if origins:
        CORS(
            app,
            resources={r"/api/*": {"origins": origins}},
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["Location", "Retry-After", "X-Request-ID"],
            max_age=600,
        )


def add_security_headers(response):
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    if request.path.startswith("/docs"):
        headers["Content-Security-Policy"] = DOCS_POLICY
    elif request.path.startswith("/viewer"):
        headers["Content-Security-Policy"] = VIEWER_POLICY
    else:
        headers["Content-Security-Policy"] = API_POLICY
    if request.path.startswith("/api/"):
        # Health data must not linger in browser or proxy caches.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response
