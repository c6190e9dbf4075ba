"""The audit trail records security events, never signals or passwords, for admins to read."""

import json

from tests.helpers import USER_PASSWORD

DISTINCTIVE_SAMPLE = 31337  # within 16 bits, so the ECG can be exported too


def entries(api, admin_token, **filters) -> list[dict]:
    response = api.request("GET", "/api/v1/audit", admin_token, params={"limit": 100, **filters})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_logins_are_recorded_with_address_and_request_id(api, admin_token, user):
    username, _ = user
    api.request(
        "POST",
        "/api/v1/auth/login",
        json={"username": username, "password": "wrong-password"},
        headers={"X-Request-ID": "audit-login-1"},
    )
    api.login(username, USER_PASSWORD)
    recorded = entries(api, admin_token, user=username)
    failed = next(e for e in recorded if e["event"] == "login.failed")
    assert (failed["outcome"], failed["request_id"], failed["address"]) == (
        "failure",
        "audit-login-1",
        "127.0.0.1",
    )
    assert any(e["event"] == "login.succeeded" for e in recorded)


def test_a_failed_login_typed_in_another_case_is_recorded_under_the_account(api, admin_token, user):
    username, _ = user
    api.request(
        "POST",
        "/api/v1/auth/login",
        json={"username": username.upper(), "password": "wrong-password"},
        headers={"X-Request-ID": "audit-login-upper"},
    )
    recorded = entries(api, admin_token, user=username, event="login.failed")
    assert [e["request_id"] for e in recorded] == ["audit-login-upper"]


def test_a_failed_login_of_a_name_no_account_has_is_recorded_without_the_name(api, admin_token):
    """Found in review: the name was kept as typed, and a password typed in the username field
    became readable in the audit trail."""
    typed = "my-password-in-the-wrong-field"
    api.request(
        "POST",
        "/api/v1/auth/login",
        json={"username": typed, "password": "anything"},
        headers={"X-Request-ID": "audit-login-unknown"},
    )
    recorded = entries(api, admin_token, event="login.failed")
    failed = next(e for e in recorded if e["request_id"] == "audit-login-unknown")
    assert (failed["actor"], failed["details"]) == (None, {"unknown_username": True})
    assert typed not in json.dumps(recorded)


def test_ecg_events_are_recorded_without_signals_or_the_uploaders_names(api, admin_token, user):
    """Found in review: the ECG's id and lead names, the uploader's words (a patient's name or
    number, often), were shown to administrators, who must read nothing of an ECG."""
    username, token = user
    body = {
        "id": "smith-john-1960",
        "sampling_frequency": 250,
        "leads": [{"name": "bed-7", "signal": [DISTINCTIVE_SAMPLE, -DISTINCTIVE_SAMPLE]}],
    }
    api.request("POST", "/api/v1/ecgs", token, json=body)
    api.request("GET", "/api/v1/ecgs", token)
    api.request("GET", "/api/v1/ecgs/smith-john-1960", token)
    api.request("GET", "/api/v1/ecgs/smith-john-1960/insights", token)
    api.request("GET", "/api/v1/ecgs/smith-john-1960/leads/bed-7/signal", token)
    api.request("GET", "/api/v1/ecgs/smith-john-1960/export", token)
    api.request("DELETE", "/api/v1/ecgs/smith-john-1960", token)
    recorded = [e for e in entries(api, admin_token, user=username) if e["event"].startswith("ecg")]
    assert {(e["event"], e["details"].get("view")) for e in recorded} == {
        ("ecg.uploaded", None),
        ("ecg.read", "list"),
        ("ecg.read", "metadata"),
        ("ecg.read", "insights"),
        ("ecg.read", "signal"),
        ("ecg.exported", None),
        ("ecg.deleted", None),
    }
    # One ECG, under one reference throughout, which is not its id.
    references = {e["details"].get("ecg") for e in recorded} - {None}
    references |= {key for e in recorded for key in e["details"].get("ecgs", [])}
    assert len(references) == 1
    text = json.dumps(recorded)
    assert "smith" not in text and "bed-7" not in text and str(DISTINCTIVE_SAMPLE) not in text


def test_account_events_never_record_passwords(api, admin_token, create_user):
    username, token = create_user()
    api.request(
        "PATCH", f"/api/v1/users/{username}", admin_token, json={"password": "reset-password-9"}
    )
    token = api.login(username, "reset-password-9")
    api.request(
        "POST",
        "/api/v1/auth/password",
        token,
        json={"current_password": "reset-password-9", "new_password": "changed-password-7"},
    )
    recorded = entries(api, admin_token)
    mine = [e for e in recorded if username in (e["actor"], e["details"].get("target"))]
    assert {"user.created", "user.changed", "password.changed"} <= {e["event"] for e in mine}
    changed = next(e for e in mine if e["event"] == "user.changed")
    assert changed["details"]["fields"] == ["password"]
    text = json.dumps(recorded)
    for secret in (USER_PASSWORD, "reset-password-9", "changed-password-7"):
        assert secret not in text


def test_an_account_deletion_records_its_disabling_then_its_deletion(api, admin_token, create_user):
    username, _ = create_user()
    assert api.request("DELETE", f"/api/v1/users/{username}", admin_token).status_code == 204
    mine = [e for e in entries(api, admin_token) if e["details"].get("target") == username]
    assert [(e["event"], e["details"].get("before_deletion")) for e in mine[:2]] == [
        ("user.deleted", None),
        ("user.changed", True),
    ]


def test_entries_can_be_filtered_by_event_and_paged(api, admin_token, user):
    for _ in range(3):
        api.login(user[0], USER_PASSWORD)
    only_logins = entries(api, admin_token, event="login.succeeded")
    assert only_logins and {e["event"] for e in only_logins} == {"login.succeeded"}
    first = api.request("GET", "/api/v1/audit", admin_token, params={"limit": 2}).json()
    second = api.request(
        "GET", "/api/v1/audit", admin_token, params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [e["at"] for e in first["items"] + second["items"]] == sorted(
        [e["at"] for e in first["items"] + second["items"]], reverse=True
    )
    assert not {e["request_id"] for e in first["items"]} & {
        e["request_id"] for e in second["items"]
    }


def test_the_trail_is_for_admins_and_cannot_be_changed_through_the_api(
    api, user_token, admin_token
):
    assert api.request("GET", "/api/v1/audit", user_token).status_code == 403
    assert api.request("GET", "/api/v1/audit").status_code == 401
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert api.request(method, "/api/v1/audit", admin_token).status_code == 405
    unknown_event = api.request("GET", "/api/v1/audit", admin_token, params={"event": "nope"})
    assert unknown_event.status_code == 400
