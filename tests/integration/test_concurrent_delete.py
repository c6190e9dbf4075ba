"""An account or ECG changed or deleted while another request uses it: a 401 or 404, not a 500,
and no session that outlives the change."""

import pytest

import auth.views
from auth.passwords import hash_password
from auth.sessions import SessionStore
from auth.tokens import ACCESS, issue_token
from auth.users import USER, UserStore
from plumbing.database import get_db
from recordings.store import EcgStore
from tests.helpers import TEST_SECRET


@pytest.mark.parametrize(
    "path", ["/api/v1/ecgs/going/leads/II/signal", "/api/v1/ecgs/going/render"]
)
def test_samples_deleted_after_the_ecg_was_found_are_a_404(
    app, signed_in, store_ecg, monkeypatch, path
):
    headers, user = signed_in("deleting", USER)
    store_ecg(user.id, "going")
    with app.app_context():
        found = EcgStore(get_db()).find(user.id, "going")
        EcgStore(get_db()).delete(user.id, "going")
    # The request finds the ECG as it was, just before the delete.
    monkeypatch.setattr(EcgStore, "find", lambda store, owner, ecg_id: found)
    response = app.test_client().get(path, headers=headers)
    assert response.status_code == 404, response.text
    assert response.json["error"] == "ecg_not_found"


def test_a_password_change_of_an_account_deleted_meanwhile_is_a_401(app, monkeypatch):
    with app.app_context():
        db = get_db()
        user = UserStore(db).create("vanishing", "not-a-hash", USER)
        session_id, _ = SessionStore(db).start(user.id, 3600)
    # Authenticated just before an administrator deleted the account.
    monkeypatch.setattr(UserStore, "credentials", lambda store, username: None)
    token = issue_token(ACCESS, str(user.id), session_id, TEST_SECRET, 600)
    response = app.test_client().post(
        "/api/v1/auth/password",
        json={"current_password": "old-password-1", "new_password": "new-password-12345"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401, response.text
    assert response.json["error"] == "invalid_token"


def test_a_login_whose_password_is_changed_during_its_check_opens_no_session(app, monkeypatch):
    """Found in review: the session started after the check, outliving the change that ended
    every other session."""
    with app.app_context():
        account = UserStore(get_db()).create("racing", hash_password("old-password-1"), USER)
    check = auth.views.verify_password

    def changed_during_the_check(password_hash, password):
        right = check(password_hash, password)
        with app.app_context():
            new_hash = hash_password("new-password-12345")
            get_db().users.update_one({"_id": account.id}, {"$set": {"password_hash": new_hash}})
        return right

    monkeypatch.setattr(auth.views, "verify_password", changed_during_the_check)
    response = app.test_client().post(
        "/api/v1/auth/login", json={"username": "racing", "password": "old-password-1"}
    )
    assert response.status_code == 401, response.text
    with app.app_context():
        assert get_db().sessions.find_one({"user": account.id}) is None
        # Counted as the failure it is: its address did not become one the account knows.
        assert get_db().known_logins.count_documents({"_id": {"$regex": "^racing[|]"}}) == 0
