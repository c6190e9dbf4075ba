"""Logging in, tokens, and what happens to tokens when accounts change."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tests.helpers import TEST_SECRET, USER_PASSWORD


def test_login_returns_a_bearer_token_that_identifies_the_caller(api, user):
    username, _ = user
    response = api.request(
        "POST", "/api/v1/auth/login", json={"username": username, "password": USER_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    me = api.request("GET", "/api/v1/auth/me", body["access_token"])
    assert me.json() == {"username": username, "role": "user", "password_change_required": False}


def test_wrong_password_and_unknown_user_are_indistinguishable(api, user):
    wrong_password = api.request(
        "POST", "/api/v1/auth/login", json={"username": user[0], "password": "not-the-password"}
    )
    unknown_user = api.request(
        "POST", "/api/v1/auth/login", json={"username": "nobody-here", "password": "whatever1"}
    )
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json() == unknown_user.json()
    assert wrong_password.json()["error"] == "invalid_credentials"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic YWRtaW46YWRtaW4="}],
    ids=["no header", "empty bearer", "basic"],
)
def test_a_missing_token_is_a_401_with_a_bearer_challenge(api, headers):
    response = api.request("GET", "/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"] == "missing_token"


def forged(**claims) -> str:
    now = datetime.now(UTC)
    payload = {"sub": "0" * 24, "iat": now, "exp": now + timedelta(minutes=5), "jti": "x"}
    return jwt.encode({**payload, **claims}, "not-the-server-secret-" + "z" * 40)


@pytest.mark.parametrize(
    "token",
    [forged(), jwt.encode({"sub": "0" * 24}, None, algorithm="none"), "garbage"],
    ids=["other secret", "alg none", "garbage"],
)
def test_a_token_the_server_did_not_sign_is_a_401(api, token):
    response = api.request("GET", "/api/v1/auth/me", token)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_an_expired_token_is_a_401(api, user):
    if not api.local:
        pytest.skip("needs the server's signing secret")
    claims = jwt.decode(user[1], TEST_SECRET, algorithms=["HS256"])
    past = datetime.now(UTC) - timedelta(minutes=1)
    expired = jwt.encode({**claims, "iat": past - timedelta(minutes=15), "exp": past}, TEST_SECRET)
    response = api.request("GET", "/api/v1/auth/me", expired)
    assert response.status_code == 401
    assert response.json()["error"] == "token_expired"


def test_disabling_an_account_stops_its_tokens_at_once(api, admin_token, user):
    username, token = user
    api.request("PATCH", f"/api/v1/users/{username}", admin_token, json={"disabled": True})
    assert api.request("GET", "/api/v1/auth/me", token).status_code == 401
    login = api.request(
        "POST", "/api/v1/auth/login", json={"username": username, "password": USER_PASSWORD}
    )
    assert login.status_code == 401
    api.request("PATCH", f"/api/v1/users/{username}", admin_token, json={"disabled": False})
    # Re-enabling does not revive the old sessions: the user logs in again.
    assert api.request("GET", "/api/v1/auth/me", token).status_code == 401
    assert (
        api.request("GET", "/api/v1/auth/me", api.login(username, USER_PASSWORD)).status_code == 200
    )


def test_a_deleted_accounts_tokens_do_not_work_for_a_new_account_of_the_same_name(
    api, admin_token, user
):
    username, old_token = user
    assert api.request("DELETE", f"/api/v1/users/{username}", admin_token).status_code == 204
    assert api.request("GET", "/api/v1/auth/me", old_token).status_code == 401
    api.request(
        "POST", "/api/v1/users", admin_token, json={"username": username, "password": USER_PASSWORD}
    )
    assert api.request("GET", "/api/v1/auth/me", old_token).status_code == 401
