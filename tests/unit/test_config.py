import pytest

from plumbing.config import ConfigError, settings_from_environment, validate_settings

STRONG_SECRET = "a-secret-of-32-bytes-and-varied.."


def test_defaults_are_safe_for_local_use():
    settings = settings_from_environment({"SECRET_KEY": STRONG_SECRET})
    assert settings["MONGODB_URI"] == "mongodb://127.0.0.1:27017/ecg"
    assert settings["ACCESS_TOKEN_TTL_SECONDS"] == 900
    assert settings["MAX_CONTENT_LENGTH"] == 64 * 1024 * 1024
    assert settings["PASSWORD_HASH_METHOD"].startswith("scrypt")
    validate_settings(settings)


@pytest.mark.parametrize("secret", ["", "short", "s" * 31, " " * 32, "ab" * 16])
def test_refuses_to_start_with_a_weak_secret(secret):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        validate_settings(settings_from_environment({"SECRET_KEY": secret}))


def test_tests_may_run_without_a_secret():
    validate_settings({**settings_from_environment({}), "TESTING": True})


@pytest.mark.parametrize(
    "method", ["pbkdf2:sha256", "scryptx", "scrypt:abc", "scrypt:1000:8:1", "scrypt:1024:0:1"]
)
def test_refuses_a_password_hash_other_than_a_working_scrypt(method):
    """Found in review: scryptx and scrypt:abc started, then made every login a 500."""
    environment = {"SECRET_KEY": STRONG_SECRET, "PASSWORD_HASH_METHOD": method}
    with pytest.raises(ConfigError, match="scrypt"):
        validate_settings(settings_from_environment(environment))


@pytest.mark.parametrize("value", ["ten", "1.5", "0"])
def test_refuses_unusable_numbers(value):
    with pytest.raises(ConfigError, match="ACCESS_TOKEN_TTL_SECONDS"):
        settings_from_environment({"ACCESS_TOKEN_TTL_SECONDS": value})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ACCESS_TOKEN_TTL_SECONDS", str(10**15)),
        ("REFRESH_TOKEN_TTL_SECONDS", str(300_000_000_000)),
        ("AUDIT_RETENTION_DAYS", "30000"),
    ],
)
def test_refuses_lifetimes_past_what_dates_and_indexes_can_hold(name, value):
    """Found in review: a token lifetime past the calendar's end made every login a 500 (after
    its session and audit entry were written), and a retention past MongoDB's 32 bits stopped
    `flask init`."""
    with pytest.raises(ConfigError, match=name):
        settings_from_environment({name: value})


def test_refuses_an_access_token_outliving_its_refresh_token():
    environment = {
        "SECRET_KEY": STRONG_SECRET,
        "ACCESS_TOKEN_TTL_SECONDS": "7200",
        "REFRESH_TOKEN_TTL_SECONDS": "3600",
    }
    with pytest.raises(ConfigError, match="ACCESS_TOKEN_TTL_SECONDS"):
        validate_settings(settings_from_environment(environment))


@pytest.mark.parametrize("uri", ["", "http://127.0.0.1/ecg", "mongodb://"])
def test_refuses_a_database_address_that_is_none(uri):
    with pytest.raises(ConfigError, match="MONGODB_URI"):
        validate_settings(
            settings_from_environment({"SECRET_KEY": STRONG_SECRET, "MONGODB_URI": uri})
        )


def test_a_secret_file_that_is_not_text_is_named(tmp_path):
    path = tmp_path / "secret"
    path.write_bytes(b"\xff\xfe not text")
    with pytest.raises(ConfigError, match="SECRET_KEY_FILE"):
        settings_from_environment({"SECRET_KEY_FILE": str(path)})
