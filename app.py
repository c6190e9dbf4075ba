"""The ECG service's application factory."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import auth.audit_trail
import auth.user_admin
import auth.views
import ecg.views
import health
import openapi
import viewer
from analysis.recording import ANALYSIS_VERSION, RecordingAnalysis
from auth.first_admin import create_first_admin
from auth.sessions import SessionStore
from auth.throttle import KnownAddresses
from auth.users import UserStore
from plumbing import cookieless, database, request_log, security_headers
from plumbing.audit import AuditLog
from plumbing.commands import Maintenance, register_commands
from plumbing.config import settings_from_environment, validate_settings
from plumbing.error_handlers import register_error_handlers
from plumbing.rate_limits import RateLimits
from recordings.ingest import reanalyse_outdated
from recordings.store import EcgStore


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then environment, then the test override, then wiring."""
    app = request_log.RouteLoggingFlask(__name__, static_folder=None)
    app.config.from_mapping(settings_from_environment())
    if test_config is not None:
        app.config.from_mapping(test_config)
    validate_settings(app.config)

    app.json.sort_keys = False  # responses keep the documented field order
    if app.config["PROXY_COUNT"]:
        # Trust that many proxies' X-Forwarded-For, so limits and audit see the client's address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"])
    database.init_app(app)
    cookieless.init_app(app)
    request_log.init_app(app)
    security_headers.init_app(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app, MAINTENANCE)
    return app


def register_blueprints(app: Flask) -> None:
    """Routes: tokens, user administration, the audit trail, ECGs, probes, the viewer, and the
    API's documents."""
    app.register_blueprint(auth.views.bp)
    app.register_blueprint(auth.user_admin.bp)
    app.register_blueprint(auth.audit_trail.bp)
    app.register_blueprint(ecg.views.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(viewer.bp)
    openapi.init_app(app)


# What `flask init`, `flask sweep` and `flask reanalyse` look after: every store's indexes, the
# first admin, the signal chunks of uploads that crashed and the ECGs of deleted accounts, and
# insights of older analyses.
MAINTENANCE = Maintenance(
    stores=(UserStore, SessionStore, AuditLog, RateLimits, KnownAddresses, EcgStore),
    create_first_admin=create_first_admin,
    sweep_orphans=lambda db: (
        EcgStore(db).sweep_orphan_chunks(),
        EcgStore(db).sweep_ownerless(UserStore(db).existing),
    ),
    reanalyse=lambda db, progress: reanalyse_outdated(
        EcgStore(db), ANALYSIS_VERSION, RecordingAnalysis, progress
    ),
)
