"""User administration by admins."""

import uuid

import pytest

from tests.helpers import USER_PASSWORD, ecg_body


def unique_name(prefix: str = "u") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_admin_creates_a_user_who_can_log_in(api, admin_token):
    username = unique_name()
    response = api.request(
        "POST", "/api/v1/users", admin_token, json={"username": username, "password": USER_PASSWORD}
    )
    assert response.status_code == 201
    assert response.headers["Location"].endswith(f"/api/v1/users/{username}")
    body = response.json()
    assert (body["username"], body["role"], body["disabled"]) == (username, "user", False)
    assert "password" not in str(body)
    assert api.login(username, USER_PASSWORD)


def test_the_password_an_admin_creates_an_account_with_opens_no_ecg(api, admin_token):
    """Found in review: the administrator who chose a new account's password could log in with
    it and upload or read as the user, and nothing told the owner."""
    username = unique_name()
    created = api.request(
        "POST",
        "/api/v1/users",
        admin_token,
        json={"username": username, "password": "set-by-admin"},
    )
    assert created.json()["reset_pending"] is True
    with_admins = api.login(username, "set-by-admin")
    for method, path in [("GET", "/api/v1/ecgs"), ("POST", "/api/v1/ecgs")]:
        refused = api.request(method, path, with_admins, json=ecg_body())
        assert refused.status_code == 403
        assert refused.json()["error"] == "password_change_required"
    assert api.request("GET", "/api/v1/auth/me", with_admins).json()["password_change_required"]

    kept = {"current_password": "set-by-admin", "new_password": "set-by-admin"}
    same = api.request("POST", "/api/v1/auth/password", with_admins, json=kept)
    assert (same.status_code, same.json()["error"]) == (400, "same_password")
    assert api.request("GET", "/api/v1/ecgs", with_admins).status_code == 403

    chosen = {"current_password": "set-by-admin", "new_password": "chosen-by-owner"}
    assert api.request("POST", "/api/v1/auth/password", with_admins, json=chosen).status_code == 204
    assert api.request("POST", "/api/v1/ecgs", with_admins, json=ecg_body()).status_code == 201
    assert (
        api.request("GET", f"/api/v1/users/{username}", admin_token).json()["reset_pending"]
        is False
    )


def test_a_taken_username_is_a_409(api, admin_token, user):
    response = api.request(
        "POST", "/api/v1/users", admin_token, json={"username": user[0], "password": USER_PASSWORD}
    )
    assert response.status_code == 409
    assert response.json()["error"] == "username_taken"


def test_a_username_names_one_account_in_any_case(api, admin_token):
    username = unique_name("Dr.Case")
    created = api.request(
        "POST", "/api/v1/users", admin_token, json={"username": username, "password": USER_PASSWORD}
    )
    assert created.status_code == 201
    twin = api.request(
        "POST",
        "/api/v1/users",
        admin_token,
        json={"username": username.lower(), "password": USER_PASSWORD},
    )
    assert twin.status_code == 409
    assert twin.json()["error"] == "username_taken"
    token = api.login(username.upper(), USER_PASSWORD)
    assert api.request("GET", "/api/v1/auth/me", token).json()["username"] == username
    found = api.request("GET", f"/api/v1/users/{username.lower()}", admin_token)
    assert found.json()["username"] == username


def test_look_alike_letters_name_no_account(api, create_user):
    username, _ = create_user()
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isalpha() else c for c in username)
    response = api.request(
        "POST", "/api/v1/auth/login", json={"username": fullwidth, "password": USER_PASSWORD}
    )
    assert response.status_code == 401


def test_users_are_listed_in_pages_that_cover_everyone_once(api, admin_token, create_user):
    created = {create_user()[0] for _ in range(3)}
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.request("GET", "/api/v1/users", admin_token, params=params).json()
        assert len(page["items"]) <= 2
        seen += [item["username"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen))
    assert created <= set(seen)


def test_admin_reads_one_user_and_404_for_unknown(api, admin_token, user):
    assert api.request("GET", f"/api/v1/users/{user[0]}", admin_token).json()["username"] == user[0]
    missing = api.request("GET", "/api/v1/users/nobody-at-all", admin_token)
    assert missing.status_code == 404
    assert missing.json()["error"] == "user_not_found"


def test_admin_resets_a_password(api, admin_token, user):
    username, _ = user
    response = api.request(
        "PATCH", f"/api/v1/users/{username}", admin_token, json={"password": "a-new-password"}
    )
    assert response.status_code == 200
    assert api.login(username, "a-new-password")
    old = api.request(
        "POST", "/api/v1/auth/login", json={"username": username, "password": USER_PASSWORD}
    )
    assert old.status_code == 401


def test_a_promoted_user_loses_access_to_ecgs(api, admin_token, user):
    username, token = user
    assert api.request("POST", "/api/v1/ecgs", token, json=ecg_body()).status_code == 201
    api.request("PATCH", f"/api/v1/users/{username}", admin_token, json={"role": "admin"})
    # A role change ends the account's sessions; tokens of the old role stop at once.
    assert api.request("GET", "/api/v1/ecgs", token).status_code == 401
    promoted = api.login(username, USER_PASSWORD)
    assert api.request("GET", "/api/v1/ecgs", promoted).status_code == 403
    assert api.request("GET", "/api/v1/users", promoted).status_code == 200


@pytest.mark.parametrize(
    "changes", [{"disabled": True}, {"role": "user"}], ids=["disable", "demote"]
)
def test_an_admin_cannot_lock_themselves_out(api, admin_token, changes):
    response = api.request(
        "PATCH", f"/api/v1/users/{api.admin_username}", admin_token, json=changes
    )
    assert response.status_code == 409
    assert response.json()["error"] == "self_lockout"
    assert (
        api.request("DELETE", f"/api/v1/users/{api.admin_username}", admin_token).status_code == 409
    )
    assert api.request("GET", "/api/v1/auth/me", admin_token).json()["role"] == "admin"


@pytest.mark.parametrize(
    "changes", [{"disabled": True}, {"role": "user"}], ids=["disable", "demote"]
)
def test_an_admin_cannot_lock_themselves_out_by_spelling_their_name_otherwise(
    api, create_user, changes
):
    username, token = create_user("admin")
    path = f"/api/v1/users/{username.upper()}"
    response = api.request("PATCH", path, token, json=changes)
    assert response.status_code == 409
    assert response.json()["error"] == "self_lockout"
    deletion = api.request("DELETE", path, token)
    assert (deletion.status_code, deletion.json()["error"]) == (409, "self_lockout")
    assert api.request("GET", "/api/v1/auth/me", token).json()["role"] == "admin"


@pytest.mark.parametrize(
    "changes",
    [{}, {"disabled": None}, {"role": "root"}, {"password": "short"}, {"disabled": "yes"}],
)
def test_invalid_changes_are_a_400(api, admin_token, user, changes):
    response = api.request("PATCH", f"/api/v1/users/{user[0]}", admin_token, json=changes)
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"


def test_deleting_a_user_deletes_their_ecgs(api, admin_token, user):
    username, token = user
    api.request("POST", "/api/v1/ecgs", token, json=ecg_body("kept-nowhere"))
    assert api.request("DELETE", f"/api/v1/users/{username}", admin_token).status_code == 204
    assert api.request("GET", f"/api/v1/users/{username}", admin_token).status_code == 404
    new_token = api.new_account(admin_token, username)
    assert api.request("GET", "/api/v1/ecgs", new_token).json()["items"] == []
    assert api.request("GET", "/api/v1/ecgs/kept-nowhere", new_token).status_code == 404


def test_a_reset_password_opens_only_the_choice_of_a_new_one(api, admin_token, user):
    """An admin who resets a password and logs in with it still cannot read the ECGs."""
    username, owner_token = user
    assert (
        api.request("POST", "/api/v1/ecgs", owner_token, json=ecg_body("private")).status_code
        == 201
    )
    reset = api.request(
        "PATCH", f"/api/v1/users/{username}", admin_token, json={"password": "reset-by-admin"}
    )
    assert reset.json()["reset_pending"] is True
    with_reset = api.login(username, "reset-by-admin")
    for method, path in [("GET", "/api/v1/ecgs"), ("GET", "/api/v1/ecgs/private")]:
        refused = api.request(method, path, with_reset)
        assert refused.status_code == 403
        assert refused.json()["error"] == "password_change_required"
    assert api.request("GET", "/api/v1/auth/me", with_reset).json()["password_change_required"]
    audit = api.request(
        "GET", "/api/v1/audit", admin_token, params={"event": "user.changed", "user": "admin"}
    ).json()["items"]
    assert any(e["details"]["target"] == username and e["details"]["password_reset"] for e in audit)

    change = {"current_password": "reset-by-admin", "new_password": "chosen-by-owner"}
    assert api.request("POST", "/api/v1/auth/password", with_reset, json=change).status_code == 204
    assert api.request("GET", "/api/v1/ecgs/private", with_reset).status_code == 200
    assert (
        api.request("GET", f"/api/v1/users/{username}", admin_token).json()["reset_pending"]
        is False
    )
