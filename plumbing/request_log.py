"""Request ids and structured JSON logs: one line per request, never tokens, bodies or signals."""

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, current_app, g, has_request_context, request

INCOMING_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class JsonFormatter(logging.Formatter):
    """Log records as single-line JSON objects, tagged with the current request's id."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def init_app(app: Flask) -> None:
    """Log as JSON to stderr; give every request an id and one summary line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    app.logger.handlers = [handler]
    app.logger.setLevel(logging.INFO)
    app.logger.propagate = False
    app.before_request(start_request)
    app.after_request(finish_request)


def start_request() -> None:
    """Adopt the caller's X-Request-ID when it is well-formed, else make one."""
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if INCOMING_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.started = time.perf_counter()


class RouteLoggingFlask(Flask):
    """Flask, but an unhandled exception's log line names the route, as the request's line does,
    rather than the path."""

    def log_exception(self, exc_info) -> None:
        self.logger.error(f"Exception on {logged_route()} [{request.method}]", exc_info=exc_info)


def logged_route() -> str:
    """The route the request matched, as its pattern (``/api/v1/ecgs/<ecg_id>``): a path holds
    the ECG ids and lead names uploaders chose, which may name a patient (found in review)."""
    rule = request.url_rule
    return rule.rule if rule is not None else "(no route)"


def finish_request(response):
    """Echo the request id and log the request's outcome (the route only: no path, query or
    body)."""
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    user = g.get("current_user")
    fields = {
        "event": "request",
        "method": request.method,
        "route": logged_route(),
        "status": response.status_code,
        "duration_ms": round(
            (time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1
        ),
        "remote_addr": request.remote_addr,
        "user": user.username if user else None,
    }
    current_app.logger.info("request", extra={"fields": fields})
    return response
