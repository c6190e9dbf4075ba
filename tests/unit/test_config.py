import pytest

from plumbing.config import ConfigError, settings_from_environment, validate_settings

STRONG_SECRET = "s" * 32


def test_defaults_are_safe_for_local_use():
    settings = settings_from_environment({"SECRET_KEY": STRONG_SECRET})
    assert settings["MONGODB_URI"] == "mongodb://127.0.0.1:27017/ecg"
    assert settings["ACCESS_TOKEN_TTL_SECONDS"] == 900
    assert settings["MAX_CONTENT_LENGTH"] == 64 * 1024 * 1024
    assert settings["PASSWORD_HASH_METHOD"].startswith("scrypt")
    validate_settings(settings)


@pytest.mark.parametrize("secret", ["", "short", "s" * 31])
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
