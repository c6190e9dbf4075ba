"""Signed tokens (JWT, HS256 only): short-lived access tokens and longer-lived refresh tokens.

Both name the user (sub) and the session (sid); the session's state in MongoDB decides whether
they are still honoured.
"""

import functools
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "sid", "typ"]
ACCESS = "access"
REFRESH = "refresh"
# Tokens verified per process: a client sends the same access token for minutes, and PyJWT's
# decode (base64, JSON, signature, claim checks) cost ~0.27 ms of a request under load.
VERIFIED_TOKENS_KEPT = 1024


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
    claims = verified_claims(token, secret)
    # As PyJWT checks it (no leeway): a token verified while valid expires all the same.
    if claims.exp <= time.time():
        raise jwt.ExpiredSignatureError("Signature has expired")
    if claims.kind != kind:
        raise jwt.InvalidTokenError(f"not an {kind} token")
    return claims.claims


@dataclass(frozen=True)
class VerifiedToken:
    """What checking a token's signature and claims established, kept per process."""

    claims: TokenClaims
    kind: str
    exp: float


@functools.lru_cache(maxsize=VERIFIED_TOKENS_KEPT)
def verified_claims(token: str, secret: str) -> VerifiedToken:
    """A token's claims once its signature, algorithm and claims have been checked.

    Kept because what is checked here cannot change for a given token and secret, except the
    expiry, which ``read_token`` checks on every call. A refused token raises and is not kept,
    so invalid tokens cannot fill the cache; the account and session behind a token are still
    read on every request (see ``auth.guards``), so revocation stays immediate.
    """
    claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": REQUIRED_CLAIMS})
    if not all(isinstance(claims[name], str) for name in ("sub", "sid", "jti", "typ")):
        raise jwt.InvalidTokenError("a claim that names something is not a string")
    return VerifiedToken(
        TokenClaims(claims["sub"], claims["sid"], claims["jti"]), claims["typ"], claims["exp"]
    )
