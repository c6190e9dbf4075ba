"""Refresh token rotation, reuse detection, logout, password change."""

import pytest

from tests.helpers import USER_PASSWORD


def login(api, username, password=USER_PASSWORD) -> dict:
    response = api.request(
        "POST", "/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return response.json()


def refresh(api, refresh_token):
    return api.request("POST", "/api/v1/auth/refresh", json={"refresh_token": refresh_token})


def me(api, tokens) -> int:
    return api.request("GET", "/api/v1/auth/me", tokens["access_token"]).status_code


def test_login_returns_an_access_and_a_refresh_token(api, user):
    tokens = login(api, user[0])
    assert tokens["refresh_token"] and tokens["refresh_expires_in"] > tokens["expires_in"]


def test_a_refresh_gives_a_new_pair_and_retires_the_old_refresh_token(api, user):
    first = login(api, user[0])
    second = refresh(api, first["refresh_token"])
    assert second.status_code == 200
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert me(api, second) == 200
    third = refresh(api, second["refresh_token"])
    assert third.status_code == 200


def test_reusing_a_refresh_token_ends_the_whole_family(api, user):
    stolen = login(api, user[0])
    legitimate = refresh(api, stolen["refresh_token"]).json()
    replay = refresh(api, stolen["refresh_token"])
    assert replay.status_code == 401
    assert replay.json()["error"] == "refresh_token_reused"
    # The newer tokens of the family die with it.
    assert refresh(api, legitimate["refresh_token"]).status_code == 401
    assert me(api, legitimate) == 401


def test_other_sessions_survive_a_reuse_in_one_family(api, user):
    laptop, phone = login(api, user[0]), login(api, user[0])
    refresh(api, laptop["refresh_token"])
    refresh(api, laptop["refresh_token"])  # replay: the laptop's family ends
    assert me(api, phone) == 200


@pytest.mark.parametrize("token", ["garbage", "a.b.c"])
def test_an_invalid_refresh_token_is_a_401(api, token):
    response = refresh(api, token)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_an_access_token_is_not_a_refresh_token(api, user):
    tokens = login(api, user[0])
    assert refresh(api, tokens["access_token"]).status_code == 401


def test_logout_ends_the_session_at_once(api, user):
    tokens = login(api, user[0])
    assert api.request("POST", "/api/v1/auth/logout", tokens["access_token"]).status_code == 204
    assert me(api, tokens) == 401
    assert refresh(api, tokens["refresh_token"]).status_code == 401


def test_changing_ones_password_ends_every_other_session(api, user):
    username, _ = user
    here, elsewhere = login(api, username), login(api, username)
    response = api.request(
        "POST",
        "/api/v1/auth/password",
        here["access_token"],
        json={"current_password": USER_PASSWORD, "new_password": "a-brand-new-password"},
    )
    assert response.status_code == 204
    assert me(api, here) == 200
    assert me(api, elsewhere) == 401
    assert refresh(api, elsewhere["refresh_token"]).status_code == 401
    assert login(api, username, "a-brand-new-password")


def test_a_wrong_current_password_changes_nothing(api, user):
    tokens = login(api, user[0])
    response = api.request(
        "POST",
        "/api/v1/auth/password",
        tokens["access_token"],
        json={"current_password": "not-my-password", "new_password": "a-brand-new-password"},
    )
    assert response.status_code == 403
    assert response.json()["error"] == "wrong_password"
    assert login(api, user[0])


@pytest.mark.parametrize(
    "change", [{"disabled": True}, {"role": "admin"}, {"password": "reset-by-admin-1"}]
)
def test_an_administrators_change_revokes_the_accounts_tokens(api, admin_token, user, change):
    username, _ = user
    tokens = login(api, username)
    api.request("PATCH", f"/api/v1/users/{username}", admin_token, json=change)
    assert me(api, tokens) == 401
    assert refresh(api, tokens["refresh_token"]).status_code == 401
