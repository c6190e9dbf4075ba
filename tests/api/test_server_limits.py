"""What the HTTP server refuses before the app sees it is answered in the same JSON shape."""

import pytest


@pytest.mark.parametrize(
    ("request_arguments", "status", "error"),
    [
        ({"path": "/api/v1/ecgs/" + "a" * 9000}, 414, "uri_too_long"),
        ({"path": "/healthz", "headers": {"X-Padding": "b" * 9000}}, 431, None),
    ],
    ids=["over-long request line", "oversized header"],
)
def test_requests_over_the_servers_limits_get_a_json_error(api, request_arguments, status, error):
    response = api.request("GET", **request_arguments)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message"}
    if error:
        assert body["error"] == error


def test_an_expectation_the_server_cannot_meet_is_told_which(api):
    """Found in review: gunicorn's 417 said only "Expectation Failed."."""
    response = api.request("GET", "/healthz", headers={"Expect": "something-else"})
    assert response.status_code == 417
    assert "only 100-continue" in response.json()["message"]


def test_login_without_a_json_body_is_a_documented_415(api):
    response = api.request("POST", "/api/v1/auth/login", data="username=x&password=y")
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    document = api.request("GET", "/api/v1/openapi.json").json()
    for path in ("/api/v1/auth/login", "/api/v1/auth/refresh"):
        assert "415" in document["paths"][path]["post"]["responses"]


def test_an_over_long_cursor_is_a_documented_json_414(api, user_token):
    """Found by `make fuzz`: a 6 KB cursor passed gunicorn's line limit undocumented."""
    response = api.request("GET", "/api/v1/ecgs", user_token, params={"cursor": "é" * 3000})
    assert response.status_code == 414
    assert response.json()["error"] == "uri_too_long"
    document = api.request("GET", "/api/v1/openapi.json").json()
    assert "414" in document["paths"]["/api/v1/ecgs"]["get"]["responses"]


def test_an_oversized_refresh_body_is_a_413_before_validation(api):
    """Found by `make fuzz`: a 24 KB refresh token is refused by its size, documented."""
    response = api.request("POST", "/api/v1/auth/refresh", json={"refresh_token": "x" * 24_000})
    assert response.status_code == 413
    assert response.json()["error"] == "request_entity_too_large"
    document = api.request("GET", "/api/v1/openapi.json").json()
    assert "413" in document["paths"]["/api/v1/auth/refresh"]["post"]["responses"]
