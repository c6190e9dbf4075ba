"""An account or ECG deleted while another request uses it is a 401 or 404, not a 500."""

import pytest

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
