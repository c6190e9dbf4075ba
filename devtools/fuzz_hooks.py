"""Schemathesis hooks for `make fuzz` (devtools/fuzz.py), loaded by the schemathesis CLI through
SCHEMATHESIS_HOOKS: the same exclusions as tests/api/test_fuzz.py, for the CLI.

- Every request carries the bearer token of the session under test (FUZZ_TOKEN), except logouts:
  logging out must not end that session, so each logout gets a session of its own, opened for
  FUZZ_LOGOUT_USERNAME, an account of the same role made for the purpose (its random name keeps
  the fuzzer's failed logins from throttling it).
- "Schema-valid requests are accepted" (positive_data_acceptance) is skipped where JSON Schema
  cannot state every rule: ECG uploads and lists (/api/v1/ecgs), and requests with a cursor (only
  the API makes cursors). The CLI can only switch a check off for whole operations, so the built-in
  check is excluded and POSITIVE_DATA_ACCEPTANCE below, which wraps it, runs instead.
- Every request gets an X-Request-ID naming its case, so a failure's server log lines (and the
  traceback of a 500) can be found from the request schemathesis prints.
"""

import itertools
import os
import threading

import requests
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

LOGOUT_PATH = "/api/v1/auth/logout"
RULES_BEYOND_SCHEMA = {"/api/v1/ecgs"}
REQUEST_ID_PREFIX = os.environ.get("FUZZ_REQUEST_ID_PREFIX", "fuzz")
POSITIVE_DATA_ACCEPTANCE = "positive_data_acceptance_within_schema"

_request_numbers = itertools.count(1)
_request_numbers_lock = threading.Lock()


def open_session(username: str, password: str) -> str:
    """A new session's access token."""
    response = requests.post(
        f"{os.environ['FUZZ_BASE_URL']}/api/v1/auth/login",
        json={"username": username, "password": password},
        timeout=60,
    )
    response.raise_for_status()
    return response.json()["access_token"]


@schemathesis.auth(refresh_interval=None)
class SessionUnderTest:
    """The session under test for every request; a fresh one of its sibling for each logout."""

    def get(self, case, context):
        if context.operation.path == LOGOUT_PATH:
            return open_session(
                os.environ["FUZZ_LOGOUT_USERNAME"], os.environ["FUZZ_LOGOUT_PASSWORD"]
            )
        return os.environ["FUZZ_TOKEN"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.hook
def before_call(context, case, kwargs):
    """Name the request, so its server log lines can be found."""
    with _request_numbers_lock:
        number = next(_request_numbers)
    case.headers = {**(case.headers or {}), "X-Request-ID": f"{REQUEST_ID_PREFIX}-{number}"}
    if isinstance(kwargs.get("headers"), dict):
        kwargs["headers"]["X-Request-ID"] = case.headers["X-Request-ID"]


def beyond_schema(case) -> bool:
    return case.path in RULES_BEYOND_SCHEMA or "cursor" in (case.query or {})


@schemathesis.check
def positive_data_acceptance_within_schema(ctx, response, case):
    """positive_data_acceptance, where the schema states every rule of the operation."""
    if beyond_schema(case):
        return None
    return positive_data_acceptance(ctx, response, case)
