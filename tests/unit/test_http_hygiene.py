"""Request ids, JSON request logs, security headers and CORS."""

import json
import logging

import flask
import pytest

from app import create_app
from tests.helpers import NO_DATABASE, TEST_SECRET


@pytest.fixture
def log_lines(app):
    """The app's log output, parsed."""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    collector = Collect()
    collector.setFormatter(app.logger.handlers[0].formatter)
    app.logger.addHandler(collector)
    return lambda: [json.loads(line) for line in records]


def test_no_request_opens_a_cookie_session(app):
    with app.test_request_context("/healthz"):
        app.preprocess_request()
        assert flask.session.__class__.__name__ == "NullSession"
        with pytest.raises(RuntimeError):
            flask.session["user"] = "someone"
    assert "Set-Cookie" not in app.test_client().get("/healthz").headers


def test_a_well_formed_request_id_is_echoed(app):
    response = app.test_client().get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"


@pytest.mark.parametrize("incoming", [None, "", "has spaces", "x" * 65, "<script>"])
def test_otherwise_a_request_id_is_made(app, incoming):
    headers = {"X-Request-ID": incoming} if incoming is not None else {}
    response = app.test_client().get("/healthz", headers=headers)
    assert len(response.headers["X-Request-ID"]) == 32
    assert response.headers["X-Request-ID"] != incoming


def test_each_request_is_logged_as_one_json_line_without_secrets(app, log_lines):
    app.test_client().get(
        "/api/v1/auth/me?cursor=abc",
        headers={"Authorization": "Bearer secret.token.value", "X-Request-ID": "r-1"},
    )
    (line,) = [entry for entry in log_lines() if entry.get("event") == "request"]
    assert line["request_id"] == "r-1"
    assert (line["method"], line["route"], line["status"]) == ("GET", "/api/v1/auth/me", 401)
    assert "secret.token.value" not in json.dumps(log_lines())
    assert "cursor" not in json.dumps(line)


@pytest.mark.parametrize(
    ("path", "route"),
    [
        (
            "/api/v1/ecgs/smith-john-1960/leads/ward%207/signal",
            "/api/v1/ecgs/<ecg_id>/leads/<path:lead_name>/signal",
        ),
        ("/api/v1/smith-john-1960", "(no route)"),
    ],
)
def test_a_request_is_logged_by_its_route_not_the_ids_in_its_path(app, log_lines, path, route):
    """Found in review: every line held the path, and with it the ECG id and lead name an
    uploader chose (a patient's name, often) beside the user who asked."""
    app.test_client().get(path, headers={"Authorization": "Bearer not.a.token"})
    (line,) = [entry for entry in log_lines() if entry.get("event") == "request"]
    assert line["route"] == route
    # Words no hexadecimal request id can hold.
    assert "smith" not in json.dumps(log_lines()) and "ward" not in json.dumps(log_lines())


def test_an_unhandled_exception_is_logged_by_its_route_too(app, log_lines):
    @app.get("/api/v1/ecgs/<ecg_id>/crash")
    def crash(ecg_id):
        raise RuntimeError("a bug")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: logged, then a 500
    assert app.test_client().get("/api/v1/ecgs/smith-john-1960/crash").status_code == 500
    text = json.dumps(log_lines())
    assert "Exception on /api/v1/ecgs/<ecg_id>/crash [GET]" in text and "smith" not in text


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/auth/me", "/api/v1/nowhere", "/docs/"])
def test_security_headers_are_on_every_response(app, path):
    headers = app.test_client().get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_api_responses_are_never_cached(app):
    headers = app.test_client().get("/api/v1/auth/me").headers
    assert headers["Cache-Control"] == "no-store"


def test_cors_is_off_by_default(app):
    response = app.test_client().options(
        "/api/v1/ecgs",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_allows_only_configured_origins(monkeypatch):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://viewer.example, https://other.example")
    app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "MONGODB_URI": NO_DATABASE})
    client = app.test_client()
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = client.options(
        "/api/v1/ecgs", headers={"Origin": "https://viewer.example", **preflight}
    )
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://viewer.example"
    refused = client.options(
        "/api/v1/ecgs", headers={"Origin": "https://evil.example", **preflight}
    )
    assert "Access-Control-Allow-Origin" not in refused.headers
    app.extensions["mongo_client"].close()
