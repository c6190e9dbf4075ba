"""An account's creation, change or deletion and an ECG's deletion commit with their audit
entries: one that cannot be recorded does not happen."""

import pytest
from pymongo.client_session import ClientSession
from pymongo.errors import AutoReconnect, ExecutionTimeout, OperationFailure

from auth.passwords import hash_password, verify_password
from auth.sessions import SessionStore
from auth.users import ADMIN, USER, UserStore
from plumbing import transactions
from plumbing.audit import AuditLog
from plumbing.database import get_db
from recordings.store import EcgStore


@pytest.fixture
def audit_trail_down(monkeypatch):
    """The audit trail's writes fail as a lost connection would, everything else works."""

    def unreachable(log, entry, transaction=None):
        raise AutoReconnect("the audit trail is unreachable")

    monkeypatch.setattr(AuditLog, "append", unreachable)


def test_an_ecg_whose_deletion_cannot_be_audited_stays(app, signed_in, store_ecg, audit_trail_down):
    headers, owner = signed_in("keeping", USER)
    store_ecg(owner.id, "kept")
    response = app.test_client().delete("/api/v1/ecgs/kept", headers=headers)
    assert response.status_code == 503, response.text
    with app.app_context():
        assert EcgStore(get_db()).find(owner.id, "kept") is not None


def test_an_account_whose_deletion_cannot_be_audited_stays(app, signed_in, monkeypatch):
    headers, _ = signed_in("deleting-admin", ADMIN)
    signed_in("kept-account", USER)
    append = AuditLog.append

    def deletion_unrecordable(log, entry, transaction=None):
        if entry["event"] == "user.deleted":
            raise AutoReconnect("the audit trail is unreachable")
        append(log, entry, transaction)

    monkeypatch.setattr(AuditLog, "append", deletion_unrecordable)
    response = app.test_client().delete("/api/v1/users/kept-account", headers=headers)
    assert response.status_code == 503, response.text
    with app.app_context():
        assert UserStore(get_db()).find_by_username("kept-account").disabled


def test_an_account_change_that_cannot_be_audited_is_not_made(app, signed_in, audit_trail_down):
    headers, _ = signed_in("changing-admin", ADMIN)
    _, kept = signed_in("kept-enabled", USER)
    response = app.test_client().patch(
        "/api/v1/users/kept-enabled", json={"disabled": True}, headers=headers
    )
    assert response.status_code == 503, response.text
    with app.app_context():
        assert not UserStore(get_db()).find_by_username("kept-enabled").disabled
        assert get_db().sessions.find_one({"user": kept.id}) is not None


def test_an_account_whose_creation_cannot_be_audited_is_not_created(
    app, signed_in, audit_trail_down
):
    headers, _ = signed_in("creating-admin", ADMIN)
    response = app.test_client().post(
        "/api/v1/users",
        json={"username": "unrecorded", "password": "long-enough-1"},
        headers=headers,
    )
    assert response.status_code == 503, response.text
    with app.app_context():
        assert UserStore(get_db()).find_by_username("unrecorded") is None


def test_a_password_change_that_cannot_be_audited_changes_nothing(app, signed_in, audit_trail_down):
    headers, account = signed_in("changing-own", USER)
    with app.app_context():
        db = get_db()
        db.users.update_one(
            {"_id": account.id}, {"$set": {"password_hash": hash_password("old-1")}}
        )
        other_session, _ = SessionStore(db).start(account.id, 3600)
    response = app.test_client().post(
        "/api/v1/auth/password",
        json={"current_password": "old-1", "new_password": "new-password-12345"},
        headers=headers,
    )
    assert response.status_code == 503, response.text
    with app.app_context():
        _, password_hash = UserStore(get_db()).credentials("changing-own")
        assert verify_password(password_hash, "old-1")
        assert get_db().sessions.find_one({"_id": other_session}) is not None


def test_a_transaction_is_given_up_within_its_budget(app, monkeypatch):
    """Found in review: the driver retried a transient error for 120 s, holding the worker."""
    monkeypatch.setattr(transactions, "TRANSACTION_SECONDS", 0.3)

    def always_conflicting(session):
        labels = {"errorLabels": ["TransientTransactionError"]}
        raise OperationFailure("WriteConflict", code=112, details=labels)

    with app.app_context(), pytest.raises(ExecutionTimeout) as given_up:
        transactions.in_transaction(get_db(), always_conflicting)
    assert given_up.value.has_error_label("TransientTransactionError")


def test_a_transaction_given_up_is_a_503(app, signed_in, store_ecg, monkeypatch):
    headers, owner = signed_in("conflicted", USER)
    store_ecg(owner.id, "contended")

    def gave_up(session, callback, *args, **kwargs):
        labels = {"errorLabels": ["TransientTransactionError"]}
        raise ExecutionTimeout("WriteConflict", code=50, details=labels)

    monkeypatch.setattr(ClientSession, "with_transaction", gave_up)
    response = app.test_client().delete("/api/v1/ecgs/contended", headers=headers)
    assert response.status_code == 503, response.text
    assert response.json["error"] == "database_unavailable"


def test_any_other_database_error_stays_the_500_it_is(app, signed_in, store_ecg, monkeypatch):
    headers, owner = signed_in("failing", USER)
    store_ecg(owner.id, "failing")

    def failed(session, callback, *args, **kwargs):
        raise OperationFailure("not authorized", code=13)

    monkeypatch.setattr(ClientSession, "with_transaction", failed)
    with pytest.raises(OperationFailure):  # TESTING propagates what the server would log
        app.test_client().delete("/api/v1/ecgs/failing", headers=headers)
