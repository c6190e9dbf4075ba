"""Integration tests run the app's code in-process against a real database, without a server."""

import uuid

import pytest

from app import create_app
from tests.helpers import FAST_PASSWORD_HASH, TEST_SECRET


@pytest.fixture
def app(database):
    """An app on a database of its own, so tests cannot see each other's data."""
    database_uri = database.uri_for(f"test_{uuid.uuid4().hex}")
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
