"""Bodies sent chunked, without a Content-Length: a malformed one is a 400, and one over its
endpoint's limit the same 413 as a body that declares its length, in the common JSON shape.

requests cannot send a malformed chunked body, so these requests are written as bytes.
"""

import json
import socket
import uuid
from urllib.parse import urlsplit

import pytest
from urllib3 import encode_multipart_formdata

LOGIN = "/api/v1/auth/login"
UPLOAD = "/api/v1/ecgs"
# A body the login endpoint takes (DEFAULT_MAX_BODY_BYTES), and one byte more.
LOGIN_LIMIT = 16 * 1024


def exchange(
    api,
    path: str,
    content_type: str,
    body: bytes,
    token: str | None = None,
    framing: str = "Transfer-Encoding: chunked",
):
    """POST ``body`` as it is, announced by ``framing`` (chunked unless it says otherwise),
    and stop sending; return the answer's status and JSON body."""
    address = urlsplit(api.base_url)
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: {address.netloc}",
        "Connection: close",
        framing,
        f"Content-Type: {content_type}",
    ]
    if token is not None:
        head.append(f"Authorization: Bearer {token}")
    request = "\r\n".join(head).encode() + b"\r\n\r\n" + body
    with socket.create_connection((address.hostname, address.port), timeout=60) as connection:
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    headers, _, content = rest.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in headers.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return int(status_line.split()[1]), json.loads(content[:length])


def chunked(body: bytes, piece: int = 4096) -> bytes:
    """``body`` in the chunked transfer coding, in pieces of ``piece`` bytes."""
    pieces = [body[start : start + piece] for start in range(0, len(body), piece)]
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in pieces) + b"0\r\n\r\n"


def login_body(size: int) -> bytes:
    """Credentials no account has, padded with spaces to ``size`` bytes."""
    body = json.dumps({"username": f"nobody-{uuid.uuid4().hex[:8]}", "password": "x"}).encode()
    return body + b" " * (size - len(body))


@pytest.mark.parametrize(
    "body",
    [b"ZZ\r\nabc\r\n0\r\n\r\n", b"2\r\n{}XX0\r\n\r\n"],
    ids=["a chunk size that is no number", "a chunk without its CRLF"],
)
def test_a_malformed_chunked_json_body_is_a_400(api, body):
    status, error = exchange(api, LOGIN, "application/json", body)
    assert (status, error["error"]) == (400, "malformed_body")
    assert set(error) == {"error", "message"} and "chunked" in error["message"]


def test_a_malformed_chunked_form_is_a_400(api, user_token):
    content_type = "multipart/form-data; boundary=b"
    status, error = exchange(api, UPLOAD, content_type, b"ZZ\r\nabc\r\n0\r\n\r\n", user_token)
    assert (status, error["error"]) == (400, "malformed_body")


def test_a_chunked_body_of_its_endpoints_limit_is_read_whole(api):
    status, error = exchange(api, LOGIN, "application/json", chunked(login_body(LOGIN_LIMIT)))
    assert (status, error["error"]) == (401, "invalid_credentials")


def test_a_chunked_body_over_its_endpoints_limit_is_the_413_of_a_declared_one(api):
    """Found in review: Werkzeug stopped the chunked body at the limit without a word, so a
    login of 20 kB was cut to 16 KiB and answered with tokens."""
    body = login_body(LOGIN_LIMIT + 1)
    status, error = exchange(api, LOGIN, "application/json", chunked(body))
    declared = api.request("POST", LOGIN, data=body, headers={"Content-Type": "application/json"})
    assert (status, declared.status_code) == (413, 413)
    assert error == declared.json()


@pytest.mark.parametrize(
    "fields",
    [{f"field{index}": "x" for index in range(1001)}, {"id": "x" * 600_000}],
    ids=["1001 parts", "a text field of 600 kB"],
)
def test_a_chunked_form_over_a_form_limit_is_told_of_the_form_limits(api, user_token, fields):
    """Found in review: a chunked form was told of the body's size, whatever limit it broke
    (Werkzeug raises one error for its part count and its field size, so both are named)."""
    body, content_type = encode_multipart_formdata(fields)
    status, error = exchange(api, UPLOAD, content_type, chunked(body), user_token)
    assert (status, error["error"]) == (413, "request_entity_too_large")
    assert "more than the 1000 parts" in error["message"]
    assert "over the 500000 bytes a field may have" in error["message"]


def test_a_chunked_form_over_the_upload_limit_is_told_so(api, user_token):
    if not api.local:
        pytest.skip("the limit of an external server is unknown")
    limit = 8 * 1024 * 1024  # MAX_FILE_UPLOAD_SIZE of the test server
    body, content_type = encode_multipart_formdata({"file": ("rec.edf", b"0" * limit)})
    status, error = exchange(api, UPLOAD, content_type, chunked(body, 1 << 20), user_token)
    assert (status, error["error"]) == (413, "request_entity_too_large")
    assert f"larger than the {limit} bytes" in error["message"]


@pytest.mark.parametrize(
    "framing", ["Content-Length: 100", "Transfer-Encoding: chunked"], ids=["declared", "chunked"]
)
def test_a_body_that_stops_short_is_told_so(api, framing):
    """Found in review: a body ending before its declared length, or before its last chunk,
    got Werkzeug's "The browser (or proxy) sent a request that this server could not
    understand.", which did not say what was wrong."""
    status, error = exchange(api, LOGIN, "application/json", b'{"username": ', framing=framing)
    assert (status, error["error"]) == (400, "incomplete_body")
    assert "ended before" in error["message"]


def test_a_long_body_that_stops_short_is_told_so(api, user_token):
    """Found in review: a body over the 1 MiB read at once, cut short, reached the parser."""
    body = b'{"leads": [{"name": "I", "signal": [' + b"1," * 750_000
    framing = f"Content-Length: {len(body) + 500_000}"
    status, error = exchange(api, UPLOAD, "application/json", body, user_token, framing)
    assert (status, error["error"]) == (400, "incomplete_body")
