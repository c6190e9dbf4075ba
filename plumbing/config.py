"""Settings read from environment variables, validated once at start-up."""

import os
import re
from collections.abc import Mapping

from pymongo import uri_parser
from pymongo.errors import ConfigurationError, InvalidURI
from werkzeug.security import generate_password_hash

MIN_SECRET_BYTES = 32
MIB = 1024 * 1024
DAY_SECONDS = 24 * 3600
# MongoDB's expireAfterSeconds is a 32-bit integer: 24 855 days; the audit trail keeps at most
# 65 years (a medical record's longest retention rules are decades).
MAX_AUDIT_RETENTION_DAYS = 65 * 365


class ConfigError(ValueError):
    """A setting is missing or unusable; the app must not start."""


def _int_setting(
    environ: Mapping[str, str], name: str, default: int, minimum: int, maximum: int | None = None
) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, got {value}")
    return value


def _secret_setting(environ: Mapping[str, str], name: str) -> str:
    """A secret from NAME, or from the file NAME_FILE names (a container secret), so that it
    need not sit in the process's environment or the container's configuration."""
    path = environ.get(f"{name}_FILE")
    if not path:
        return environ.get(name, "")
    try:
        with open(path, encoding="utf-8") as secret_file:
            return secret_file.read().strip()
    except OSError as error:
        raise ConfigError(f"{name}_FILE names a file that cannot be read: {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{name}_FILE names a file that is not UTF-8 text") from None


def settings_from_environment(environ: Mapping[str, str] = os.environ) -> dict:
    """Return Flask config values taken from the environment, with safe local defaults."""
    return {
        "SECRET_KEY": _secret_setting(environ, "SECRET_KEY"),
        "MONGODB_URI": environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/ecg"),
        "MONGODB_PASSWORD": _secret_setting(environ, "MONGODB_PASSWORD"),
        "MONGODB_CONNECT_TIMEOUT_MS": _int_setting(
            environ, "MONGODB_CONNECT_TIMEOUT_MS", 3000, 100
        ),
        "MONGODB_SOCKET_TIMEOUT_MS": _int_setting(environ, "MONGODB_SOCKET_TIMEOUT_MS", 20000, 100),
        # Bounded above: a lifetime past the calendar's end made every login a 500 (review).
        "ACCESS_TOKEN_TTL_SECONDS": _int_setting(
            environ, "ACCESS_TOKEN_TTL_SECONDS", 900, 1, DAY_SECONDS
        ),
        "REFRESH_TOKEN_TTL_SECONDS": _int_setting(
            environ, "REFRESH_TOKEN_TTL_SECONDS", 7 * DAY_SECONDS, 60, 365 * DAY_SECONDS
        ),
        "MAX_CONTENT_LENGTH": _int_setting(environ, "MAX_CONTENT_LENGTH", 64 * MIB, 1024),
        "MAX_FILE_UPLOAD_SIZE": _int_setting(environ, "MAX_FILE_UPLOAD_SIZE", 2048 * MIB, 1024),
        "MAX_ECG_SAMPLES": _int_setting(environ, "MAX_ECG_SAMPLES", 1 << 30, 1),
        "PASSWORD_HASH_METHOD": environ.get("PASSWORD_HASH_METHOD", "scrypt:32768:8:1"),
        "LOGIN_FAILURES_PER_MINUTE": _int_setting(environ, "LOGIN_FAILURES_PER_MINUTE", 5, 1),
        "LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE": _int_setting(
            environ, "LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE", 30, 1
        ),
        "LOGIN_FAILURES_PER_ACCOUNT_PER_MINUTE": _int_setting(
            environ, "LOGIN_FAILURES_PER_ACCOUNT_PER_MINUTE", 50, 1
        ),
        "AUDIT_RETENTION_DAYS": _int_setting(
            environ, "AUDIT_RETENTION_DAYS", 2192, 1, MAX_AUDIT_RETENTION_DAYS
        ),
        "UPLOADS_PER_MINUTE": _int_setting(environ, "UPLOADS_PER_MINUTE", 120, 0),
        "CORS_ALLOWED_ORIGINS": [
            origin.strip()
            for origin in environ.get("CORS_ALLOWED_ORIGINS", "").split(",")
            if origin.strip()
        ],
        "PROXY_COUNT": _int_setting(environ, "PROXY_COUNT", 0, 0),
        "ADMIN_USERNAME": environ.get("ADMIN_USERNAME", "admin"),
        "ADMIN_PASSWORD": _secret_setting(environ, "ADMIN_PASSWORD"),
    }


def validate_settings(config: Mapping) -> None:
    """Refuse settings that would make the service unsafe to run."""
    if config.get("TESTING"):
        return
    secret = config["SECRET_KEY"]
    # 32 spaces, or one letter 32 times, are as long as a key and as easy to guess as none.
    if len(secret.encode()) < MIN_SECRET_BYTES or len(set(secret)) < 8:
        raise ConfigError(
            f"SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes of varied characters; "
            'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    if config["ACCESS_TOKEN_TTL_SECONDS"] > config["REFRESH_TOKEN_TTL_SECONDS"]:
        raise ConfigError("ACCESS_TOKEN_TTL_SECONDS must not exceed REFRESH_TOKEN_TTL_SECONDS")
    uri = config["MONGODB_URI"]
    try:
        # A mongodb+srv:// URI would be resolved in DNS to be parsed: its scheme is enough here.
        if not uri.startswith("mongodb+srv://"):
            uri_parser.parse_uri(uri)
    except (InvalidURI, ConfigurationError, ValueError) as problem:
        raise ConfigError(f"MONGODB_URI is not a MongoDB connection string: {problem}") from None
    if config["MAX_ECG_SAMPLES"] > 2**31 - 1:
        raise ConfigError("MAX_ECG_SAMPLES must be below 2**31 (beats are stored as int32)")
    if not usable_scrypt_method(config["PASSWORD_HASH_METHOD"]):
        raise ConfigError(
            "PASSWORD_HASH_METHOD must be a werkzeug scrypt method that hashes, such as "
            f"scrypt:32768:8:1, got {config['PASSWORD_HASH_METHOD']!r}"
        )


def usable_scrypt_method(method: str) -> bool:
    """Whether werkzeug hashes with ``method`` (scrypt, or scrypt:N:r:p), tried once: a method
    that only fails when used would make every login and new account a 500."""
    if not re.fullmatch(r"scrypt(:\d+:\d+:\d+)?", method):
        return False
    try:
        generate_password_hash("a trial of the method", method=method)
    except ValueError:  # N not a power of 2, r or p zero, beyond scrypt's memory limit
        return False
    return True
