"""Signed tokens (JWT, HS256 only): short-lived access tokens and longer-lived refresh tokens.

Both name the user (sub) and the session (sid); the session's state in MongoDB decides whether
they are still honoured.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "sid", "typ"]
ACCESS = "access"
REFRESH = "refresh"


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says."""

    user_id: str
    session_id: str
    token_id: str


def issue_token(
    kind: str, user_id: str, session_id: str, secret: str, ttl_seconds: int, token_id: str = ""
) -> str:
    """Sign a token of ``kind`` (access or refresh) for a user's session."""
    now = datetime.now(UTC)
    claims = {
        "sub": user_id,
        "sid": session_id,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "jti": token_id or uuid.uuid4().hex,
        "typ": kind,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(token: str, secret: str, kind: str) -> TokenClaims:
    """Return a valid token's claims; raise ``jwt.InvalidTokenError`` otherwise.

    The algorithm is pinned, so a token signed with "none" or another algorithm is refused,
    and a refresh token is never accepted where an access token is expected, or the reverse.
    """
    claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": REQUIRED_CLAIMS})
    if claims["typ"] != kind or not all(
        isinstance(claims[name], str) for name in ("sub", "sid", "jti")
    ):
        raise jwt.InvalidTokenError(f"not an {kind} token")
    return TokenClaims(claims["sub"], claims["sid"], claims["jti"])
