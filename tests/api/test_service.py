"""Probes, documentation and errors raised by the framework itself."""

import re

import pytest
from openapi_spec_validator import validate


def test_healthz_and_readyz_answer(api):
    assert api.request("GET", "/healthz").json() == {"status": "ok"}
    assert api.request("GET", "/readyz").json() == {"status": "ready"}


def test_an_unknown_route_is_a_json_404(api):
    response = api.request("GET", "/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert set(response.json()) == {"error", "message"}
    assert response.json()["error"] == "not_found"


def test_a_wrong_method_is_a_json_405_that_lists_the_allowed_ones(api):
    response = api.request("PUT", "/api/v1/ecgs")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_the_openapi_document_is_valid_and_describes_the_api(api):
    document = api.request("GET", "/api/v1/openapi.json").json()
    validate(document)
    assert {"/api/v1/ecgs", "/api/v1/ecgs/{ecg_id}/insights", "/api/v1/auth/login"} <= set(
        document["paths"]
    )


@pytest.mark.parametrize("path", ["/docs/"])
def test_swagger_ui_is_served_with_local_assets_only(api, path):
    page = api.request("GET", path)
    assert page.status_code == 200
    assert "/api/v1/openapi.json" in page.text
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page.text)
    assert assets
    for asset in assets:
        assert not asset.startswith(("http:", "https:", "//")), asset
        assert (
            api.request("GET", asset if asset.startswith("/") else f"/docs/{asset}").status_code
            == 200
        )
