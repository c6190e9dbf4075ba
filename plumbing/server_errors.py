"""gunicorn's own error responses in the service's JSON error shape, not its HTML page.

gunicorn answers requests it cannot parse (a malformed request line, a line or headers over its
limits) before the app sees them. It writes each such response through ``gunicorn.util.
write_error``; replacing that function is the one hook it offers for the body.
"""

import json

from gunicorn import util

MESSAGES = {
    400: "The request is not valid HTTP/1.1.",
    414: "The request line (method, path and query) is too long.",
    417: "The request's Expect header asks for what the server does not do (only 100-continue).",
    431: "The request's headers are too large.",
    500: "The server failed to handle the request.",
}


def write_json_error(sock, status: int, reason: str, detail: str) -> None:
    """Write ``{"error": code, "message": sentence}``; the request itself is never echoed."""
    code = "_".join(reason.lower().split()) or "error"
    message = MESSAGES.get(status, f"{reason}.")
    if status in (414, 431) and detail:
        message = f"{message[:-1]}: {detail}."
    body = json.dumps({"error": code, "message": message}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        "Content-Type: application/json\r\nX-Content-Type-Options: nosniff\r\n"
        f"Cache-Control: no-store\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


def answer_in_json() -> None:
    """Make gunicorn write its error responses with ``write_json_error``."""
    util.write_error = write_json_error
