"""Unit tests build the app without a database: nothing here may need one."""

import pytest

from app import create_app
from tests.helpers import FAST_PASSWORD_HASH, NO_DATABASE, TEST_SECRET


@pytest.fixture
def app():
    """An app whose database is unreachable."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "MONGODB_URI": NO_DATABASE,
            "MONGODB_CONNECT_TIMEOUT_MS": 200,
            "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH,
        }
    )
    yield app
    app.extensions["mongo_client"].close()
