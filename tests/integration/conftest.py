"""Integration tests run the app's code in-process against a real database, without a server."""

import uuid

import numpy as np
import pytest

from app import create_app
from auth.sessions import SessionStore
from auth.tokens import ACCESS, issue_token
from auth.users import UserStore
from plumbing.database import get_db
from plumbing.timestamps import current_time
from recordings.model import LeadSummary
from recordings.store import EcgStore
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


@pytest.fixture
def signed_in(app):
    """Makes an account and returns its Authorization header and the account."""

    def sign_in(username: str, role: str):
        with app.app_context():
            db = get_db()
            account = UserStore(db).create(username, "not-a-hash", role)
            session_id, _ = SessionStore(db).start(account.id, 3600)
        token = issue_token(ACCESS, str(account.id), session_id, TEST_SECRET, 600)
        return {"Authorization": f"Bearer {token}"}, account

    return sign_in


@pytest.fixture
def store_ecg(app):
    """Stores a one-lead, 10-second ECG for an owner."""

    def store(owner, ecg_id: str) -> None:
        with app.app_context(), EcgStore(get_db()).writer(owner, ecg_id) as writer:
            writer.append(0, np.arange(5000, dtype=np.int32) % 200)
            lead = LeadSummary("II", 5000, {}, None)
            writer.commit(current_time(), 500.0, [lead], {"analysis_version": "test"})

    return store
