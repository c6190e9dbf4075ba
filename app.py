"""The ECG service's application factory."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import auth
import db
import ecg.views
import health
import http_headers
import openapi
import request_log
from commands import register_commands
from config import settings_from_environment, validate_settings
from ecg.uploads import FileUploadRequest
from errors import register_error_handlers


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then environment, then the test override, then wiring."""
    app = Flask(__name__, static_folder=None)
    app.request_class = FileUploadRequest
    app.config.from_mapping(settings_from_environment())
    if test_config is not None:
        app.config.from_mapping(test_config)
    validate_settings(app.config)

    app.json.sort_keys = False  # responses keep the documented field order
    if app.config["PROXY_COUNT"]:
        # Trust that many proxies' X-Forwarded-For, so limits and audit see the client's address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"])
    db.init_app(app)
    request_log.init_app(app)
    http_headers.init_app(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def register_blueprints(app: Flask) -> None:
    """Routes: authentication and users, ECGs, probes, and the API's documentation."""
    app.register_blueprint(auth.bp)
    app.register_blueprint(ecg.views.bp)
    app.register_blueprint(health.bp)
    openapi.init_app(app)
