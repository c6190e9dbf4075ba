"""Fuzz the running server from its own OpenAPI document (schemathesis): as a user and as an
admin, every operation gets generated valid and invalid requests. No response may be a 5xx,
and every response must match the documented status codes, headers and schemas."""

import os
import uuid
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from devtools.fuzz_rules import beyond_schema
from tests.helpers import USER_PASSWORD

REQUESTS_BY_STATUS: Counter = Counter()
FUZZ_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    # CI replays the same cases, so a landing never fails by chance; local runs explore anew.
    derandomize=bool(os.environ.get("CI")),
)


@pytest.fixture(scope="module")
def api_schema(api):
    return schemathesis.openapi.from_url(api.url("/api/v1/openapi.json"))


@pytest.fixture(scope="module")
def fuzz_admin_token(api) -> str:
    return api.login(api.admin_username, api.admin_password)


@pytest.fixture(scope="module")
def fuzz_user_token(api, fuzz_admin_token) -> str:
    return api.new_account(fuzz_admin_token, f"fuzz-{uuid.uuid4().hex[:10]}")


def call(case, token: str, api) -> None:
    if case.path == "/api/v1/auth/logout":
        token = fresh_session(api, token)  # logging out must not end the session under test
    excluded = [positive_data_acceptance] if beyond_schema(case.path, case.query) else []
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, excluded_checks=excluded
    )
    REQUESTS_BY_STATUS[response.status_code] += 1


def fresh_session(api, token: str) -> str:
    """Another session of the token's account."""
    username = api.request("GET", "/api/v1/auth/me", token).json()["username"]
    password = api.admin_password if username == api.admin_username else USER_PASSWORD
    return api.login(username, password)


def fuzz_every_operation(api, api_schema, token: str) -> None:
    """Drive each documented operation with Hypothesis-generated requests."""
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @FUZZ_SETTINGS
        def run(case):
            call(case, token, api)

        run()


def test_as_a_user_the_api_conforms_and_never_fails(api, api_schema, fuzz_user_token):
    fuzz_every_operation(api, api_schema, fuzz_user_token)


def test_as_an_admin_the_api_conforms_and_never_fails(api, api_schema, fuzz_admin_token):
    fuzz_every_operation(api, api_schema, fuzz_admin_token)
