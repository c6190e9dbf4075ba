"""Who may call what: every endpoint against every kind of caller."""

import pytest

from tests.api.conftest import USER_PASSWORD, ecg_body

ECG = "/api/v1/ecgs/matrix-ecg"
# (method, path, body): each endpoint once, addressing the owner's ECG or the target user.
ECG_ENDPOINTS = [
    ("POST", "/api/v1/ecgs", ecg_body()),
    ("GET", "/api/v1/ecgs", None),
    ("GET", ECG, None),
    ("GET", f"{ECG}/insights", None),
    ("DELETE", ECG, None),
]
ADMIN_ENDPOINTS = [
    ("POST", "/api/v1/users", {"username": "matrix-new", "password": USER_PASSWORD}),
    ("GET", "/api/v1/users", None),
    ("GET", "/api/v1/users/{target}", None),
    ("PATCH", "/api/v1/users/{target}", {"disabled": False}),
    ("DELETE", "/api/v1/users/{target}", None),
    ("GET", "/api/v1/audit", None),
]
FORGED = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbiJ9."
    "c2lnbmVkLXdpdGgtYS1ndWVzc2VkLXNlY3JldA"
)
SUCCESS = {"POST": 201, "GET": 200, "PATCH": 200, "DELETE": 204}


@pytest.fixture
def callers(api, admin_token, create_user):
    owner_name, owner = create_user()
    _, other = create_user()
    target_name, _ = create_user()
    response = api.request("POST", "/api/v1/ecgs", owner, json=ecg_body("matrix-ecg"))
    assert response.status_code == 201
    return {
        "admin": admin_token,
        "owner": owner,
        "other user": other,
        "no token": None,
        "forged token": FORGED,
    }, target_name


@pytest.mark.parametrize(("method", "path", "body"), ECG_ENDPOINTS)
@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("owner", None),
        ("other user", 404),
        ("admin", 403),
        ("no token", 401),
        ("forged token", 401),
    ],
)
def test_ecg_endpoints(api, callers, method, path, body, caller, expected):
    tokens, _ = callers
    if caller == "other user" and path == "/api/v1/ecgs":
        expected = None  # the other user's own collection: allowed, and empty of the owner's ECGs
    response = api.request(method, path, tokens[caller], json=body)
    assert response.status_code == (expected or SUCCESS[method]), response.text
    if caller == "other user" and method == "GET" and path == "/api/v1/ecgs":
        assert response.json()["items"] == []


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ENDPOINTS)
@pytest.mark.parametrize(
    ("caller", "expected"),
    [("admin", None), ("owner", 403), ("no token", 401), ("forged token", 401)],
)
def test_admin_endpoints(api, callers, method, path, body, caller, expected):
    tokens, target = callers
    if body and "username" in body:
        body = {**body, "username": f"{body['username']}-{target}"}
    response = api.request(method, path.format(target=target), tokens[caller], json=body)
    assert response.status_code == (expected or SUCCESS[method]), response.text


def test_me_is_open_to_every_authenticated_role(api, callers):
    tokens, _ = callers
    assert api.request("GET", "/api/v1/auth/me", tokens["admin"]).json()["role"] == "admin"
    assert api.request("GET", "/api/v1/auth/me", tokens["owner"]).json()["role"] == "user"
