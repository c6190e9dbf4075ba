"""Signed access tokens (JWT, HS256 only)."""

import uuid
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti"]
ACCESS = "access"


def issue_access_token(subject: str, secret: str, ttl_seconds: int) -> str:
    """Sign a short-lived token naming the user's id."""
    now = datetime.now(UTC)
    claims = {
        "sub": subject,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "jti": uuid.uuid4().hex,
        "typ": ACCESS,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_access_token(token: str, secret: str) -> str:
    """Return the token's subject; raise ``jwt.InvalidTokenError`` unless it is an access token.

    The algorithm is pinned, so a token signed with "none" or another algorithm is refused.
    """
    claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": REQUIRED_CLAIMS})
    if claims.get("typ") != ACCESS or not isinstance(claims["sub"], str):
        raise jwt.InvalidTokenError("not an access token")
    return claims["sub"]
