"""One JSON error shape for every failure: ``{"error": code, "message": sentence[, "details"]}``."""

import re

from flask import Flask, current_app, jsonify
from pymongo.errors import ConnectionFailure, PyMongoError
from werkzeug.exceptions import HTTPException

from plumbing.errors import ApiError


def error_response(status: int, error: str, message: str, details: list | None = None):
    """Build the JSON response every error uses."""
    body = {"error": error, "message": message}
    if details is not None:
        body["details"] = details
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ecg-service"'
    return response


def _code_for(exception: HTTPException) -> str:
    """Turn a status name ("Request Entity Too Large") into a code (request_entity_too_large)."""
    return re.sub(r"[^a-z0-9]+", "_", (exception.name or "error").lower()).strip("_")


def handle_api_error(exception: ApiError):
    response = error_response(
        exception.status, exception.error, exception.message, exception.details
    )
    response.headers.update(exception.headers)
    return response


def handle_http_exception(exception: HTTPException):
    """Flask's own errors (404, 405, 413, ...) in the common shape, keeping headers like Allow."""
    response = error_response(exception.code or 500, _code_for(exception), exception.description)
    for name, value in exception.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_malformed_body(exception: Exception):
    """A body the HTTP server could not parse as the app read it (gunicorn raises its parse
    errors out of ``wsgi.input``: a chunk size that is no number, a chunk without its CRLF)."""
    return error_response(
        400, "malformed_body", "The request body is malformed: its chunked encoding is invalid."
    )


def server_body_errors() -> tuple[type[Exception], ...]:
    """What the HTTP server raises from ``wsgi.input`` on a body it cannot parse: gunicorn's
    ParseException, or nothing where gunicorn is not installed (the app itself never needs it)."""
    try:
        from gunicorn.http.errors import ParseException
    except ImportError:
        return ()
    return (ParseException,)


def handle_database_unavailable(exception: ConnectionFailure):
    current_app.logger.warning("database unavailable: %s", exception)
    return error_response(
        503, "database_unavailable", "The database is unreachable; try again shortly."
    )


# What the driver labels a transaction it gave up on (plumbing.transactions retries it within a
# budget first; an upload's is tried once): conflicting writes that went on, a lost database,
# or a commit whose outcome it could not learn.
GAVE_UP_ON_TRANSACTION = ("TransientTransactionError", "UnknownTransactionCommitResult")


def handle_transaction_given_up(exception: PyMongoError):
    """A transaction the driver could not finish is the database unavailable for now (503);
    any other database error is raised again, to be logged and answered as the 500 it is."""
    if any(exception.has_error_label(label) for label in GAVE_UP_ON_TRANSACTION):
        return handle_database_unavailable(exception)
    raise exception


def register_error_handlers(app: Flask) -> None:
    """Route every kind of failure to the common JSON shape.

    Unhandled exceptions are deliberately not caught here: Flask logs their traceback and turns
    them into an InternalServerError, which the HTTPException handler renders without internals.
    """
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    for body_error in server_body_errors():
        app.register_error_handler(body_error, handle_malformed_body)
    app.register_error_handler(ConnectionFailure, handle_database_unavailable)
    app.register_error_handler(PyMongoError, handle_transaction_given_up)
