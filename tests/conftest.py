"""Fixtures shared by unit and API tests."""

import uuid

import pytest

from app import create_app
from devtools.processes import LocalDatabase

TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
# scrypt at a low cost keeps the suite fast; production uses the default cost.
FAST_PASSWORD_HASH = "scrypt:1024:8:1"


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """A SecantusDB server for the whole session, in a temporary directory."""
    with LocalDatabase(tmp_path_factory.mktemp("secantus") / "db") as server:
        yield server


@pytest.fixture
def app(database):
    """An app on a database of its own, so tests cannot see each other's data."""
    database_uri = database.uri.rsplit("/", 1)[0] + f"/test_{uuid.uuid4().hex}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "MONGODB_URI": database_uri,
            "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH,
        }
    )
    yield app
    app.extensions["mongo_client"].close()


@pytest.fixture
def runner(app):
    """Runs the app's CLI commands."""
    return app.test_cli_runner()
