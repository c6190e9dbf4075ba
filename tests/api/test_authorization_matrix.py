"""Who may call what: every route of the app's URL map against every kind of caller.

The routes and their roles are read from the app itself (each protected view declares its roles
with ``roles_required``), so a new route is in this matrix the moment it exists; it only needs a
sample request below to know what a successful call sends.
"""

import re
import uuid

import pytest

from app import create_app
from auth.users import ADMIN, USER
from tests.helpers import NO_DATABASE, TEST_SECRET, USER_PASSWORD, ecg_body

MATRIX_ECG = "matrix-ecg"
# Routes anyone may call; every other route under /api/ must declare its roles.
PUBLIC_ENDPOINTS = {"auth.login", "auth.refresh", "openapi.openapi_document"}
# What a successful call of each protected route sends: (JSON body, query parameters).
SAMPLE_REQUESTS = {
    "ecg.upload_ecg": (ecg_body(), None),
    "ecg.get_lead_signal": (None, {"start": 0, "stop": 2}),
    "users.create_user": ({"username": "matrix-new", "password": USER_PASSWORD}, None),
    "users.change_user": ({"disabled": False}, None),
    "auth.change_password": (
        {"current_password": USER_PASSWORD, "new_password": "a-new-password-1"},
        None,
    ),
}
FORGED = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbiJ9."
    "c2lnbmVkLXdpdGgtYS1ndWVzc2VkLXNlY3JldA"
)


def declared_routes() -> list[tuple[str, str, str, tuple[str, ...], int]]:
    """(endpoint, method, URL rule, roles, success status) of every protected route."""
    app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "MONGODB_URI": NO_DATABASE})
    routes = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "required_roles", None)
        if roles is None:
            assert not rule.rule.startswith("/api/") or rule.endpoint in PUBLIC_ENDPOINTS, (
                f"{rule.endpoint} is under /api/ but declares no roles"
            )
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, rule.rule, roles, view.operation.status))
    app.extensions["mongo_client"].close()
    return routes


ROUTES = declared_routes()


@pytest.fixture
def callers(api, create_user):
    """Fresh accounts for each test: an owner with an ECG, another user, an admin, a target."""
    _, owner = create_user()
    _, other = create_user()
    _, admin = create_user(ADMIN)  # a fresh admin, so logging out or a new password hurts no test
    target, _ = create_user()
    upload = ecg_body(MATRIX_ECG, sampling_frequency=250)
    assert api.request("POST", "/api/v1/ecgs", owner, json=upload).status_code == 201
    tokens = {"owner": owner, "other user": other, "admin": admin}
    return {**tokens, "no token": None, "forged token": FORGED}, target


def path_of(rule: str, target: str) -> str:
    """The rule with the owner's ECG, its first lead or the target user filled in."""
    values = {"ecg_id": MATRIX_ECG, "lead_name": "I", "username": target}
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda match: values[match[1]], rule)


def expected_status(caller: str, roles: tuple[str, ...], rule: str, success: int) -> int:
    """What each caller must get: success, 404 for another's ECG, 403 for a wrong role, 401."""
    if caller in ("no token", "forged token"):
        return 401
    role = ADMIN if caller == "admin" else USER
    if role not in roles:
        return 403
    if caller == "other user" and "<ecg_id>" in rule:
        return 404  # another user's ECG is as absent as a missing one
    return success


def test_every_protected_route_has_a_sample_request_or_needs_none():
    for endpoint, method, *_ in ROUTES:
        needs_body = method in ("POST", "PATCH", "PUT") and endpoint not in ("auth.logout",)
        assert not needs_body or endpoint in SAMPLE_REQUESTS, (
            f"add a sample request for {endpoint} to SAMPLE_REQUESTS"
        )


@pytest.mark.parametrize(
    ("endpoint", "method", "rule", "roles", "success"),
    ROUTES,
    ids=[f"{method} {rule}" for _, method, rule, *_ in ROUTES],
)
@pytest.mark.parametrize("caller", ["owner", "other user", "admin", "no token", "forged token"])
def test_each_route_answers_each_caller_as_its_roles_say(
    api, callers, endpoint, method, rule, roles, success, caller
):
    tokens, target = callers
    body, params = SAMPLE_REQUESTS.get(endpoint, (None, None))
    if body and "username" in body:
        body = {**body, "username": f"new-{uuid.uuid4().hex[:12]}"}
    response = api.request(method, path_of(rule, target), tokens[caller], json=body, params=params)
    assert response.status_code == expected_status(caller, roles, rule, success), response.text
    if caller == "other user" and endpoint == "ecg.list_ecgs":
        assert response.json()["items"] == []  # allowed, and empty of the owner's ECGs


def test_the_matrix_is_read_from_the_url_map():
    covered = {endpoint for endpoint, *_ in ROUTES}
    assert {
        "ecg.upload_ecg",
        "ecg.list_ecgs",
        "ecg.get_ecg",
        "ecg.get_insights",
        "ecg.get_lead_signal",
        "ecg.export_ecg",
        "ecg.delete_ecg",
        "users.list_users",
        "audit.list_audit_entries",
        "auth.me",
    } <= covered


def test_me_is_open_to_every_authenticated_role(api, callers):
    tokens, _ = callers
    assert api.request("GET", "/api/v1/auth/me", tokens["admin"]).json()["role"] == "admin"
    assert api.request("GET", "/api/v1/auth/me", tokens["owner"]).json()["role"] == "user"
