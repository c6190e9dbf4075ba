"""Password hashing with werkzeug's scrypt."""

import functools

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash


def hash_password(password: str) -> str:
    """Hash with the configured scrypt cost (tests lower it to stay fast)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown user) spend the same time and fail."""
    if password_hash is None:
        check_password_hash(_decoy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return False
    return check_password_hash(password_hash, password)


@functools.cache
def _decoy_hash(method: str) -> str:
    """A hash no password matches; checking it keeps unknown users from answering faster."""
    return generate_password_hash("decoy password that is never accepted", method=method)
