"""A deletion and its audit entry commit together: one that cannot be recorded does not happen."""

import numpy as np
import pytest
from pymongo.errors import AutoReconnect

from auth.sessions import SessionStore
from auth.tokens import ACCESS, issue_token
from auth.users import ADMIN, USER, UserStore
from plumbing.audit import AuditLog
from plumbing.database import get_db
from plumbing.timestamps import current_time
from recordings.model import LeadSummary
from recordings.store import EcgStore
from tests.helpers import TEST_SECRET


def bearer(app, username: str, role: str) -> tuple[dict, object]:
    """A new account's Authorization header, and the account."""
    with app.app_context():
        db = get_db()
        account = UserStore(db).create(username, "not-a-hash", role)
        session_id, _ = SessionStore(db).start(account.id, 3600)
    token = issue_token(ACCESS, str(account.id), session_id, TEST_SECRET, 600)
    return {"Authorization": f"Bearer {token}"}, account


@pytest.fixture
def audit_trail_down(monkeypatch):
    """The audit trail's writes fail as a lost connection would, everything else works."""

    def unreachable(log, entry, transaction=None):
        raise AutoReconnect("the audit trail is unreachable")

    monkeypatch.setattr(AuditLog, "append", unreachable)


def test_an_ecg_whose_deletion_cannot_be_audited_stays(app, audit_trail_down):
    headers, owner = bearer(app, "keeping", USER)
    with app.app_context(), EcgStore(get_db()).writer(owner.id, "kept") as writer:
        writer.append(0, np.arange(5000, dtype=np.int32) % 200)
        lead = LeadSummary("II", 5000, {}, None)
        writer.commit(current_time(), 500.0, [lead], {"analysis_version": "test"})
    response = app.test_client().delete("/api/v1/ecgs/kept", headers=headers)
    assert response.status_code == 503, response.text
    with app.app_context():
        assert EcgStore(get_db()).find(owner.id, "kept") is not None


def test_an_account_whose_deletion_cannot_be_audited_stays(app, audit_trail_down):
    headers, _ = bearer(app, "deleting-admin", ADMIN)
    with app.app_context():
        UserStore(get_db()).create("kept-account", "not-a-hash", USER)
    response = app.test_client().delete("/api/v1/users/kept-account", headers=headers)
    assert response.status_code == 503, response.text
    with app.app_context():
        assert UserStore(get_db()).find_by_username("kept-account") is not None
