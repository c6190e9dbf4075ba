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
- The accounts this harness relies on (FUZZ_PROTECTED_USERNAMES: the accounts under test and
  their logout siblings) are never changed or deleted: schemathesis reuses the usernames it sees in
  responses (``/auth/me``, the user list), and an admin resetting the password, role or state of
  the account under test ends its session, leaving the rest of the run to 401s.
- Every request gets an X-Request-ID naming its case, so a failure's server log lines (and the
  traceback of a 500) can be found from the request schemathesis prints.
"""

import itertools
import os
import threading
import time

import requests
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

from devtools.fuzz_rules import beyond_schema

LOGOUT_PATH = "/api/v1/auth/logout"
REQUEST_ID_PREFIX = os.environ.get("FUZZ_REQUEST_ID_PREFIX", "fuzz")
POSITIVE_DATA_ACCEPTANCE = "positive_data_acceptance_within_schema"

_request_numbers = itertools.count(1)
_request_numbers_lock = threading.Lock()


USERS_PATH = "/api/v1/users/{username}"
# In lower case: usernames name their accounts in any case.
PROTECTED_USERNAMES = {
    name.lower() for name in os.environ.get("FUZZ_PROTECTED_USERNAMES", "").split(",") if name
}


def open_session(username: str, password: str, attempts: int = 3) -> str:
    """A new session's access token (waiting out the throttle the fuzzer's failed logins cause)."""
    for attempt in range(attempts):
        response = requests.post(
            f"{os.environ['FUZZ_BASE_URL']}/api/v1/auth/login",
            json={"username": username, "password": password},
            timeout=60,
        )
        if response.status_code != 429 or attempt == attempts - 1:
            break
        time.sleep(min(60, int(response.headers.get("Retry-After", "10"))))
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


@schemathesis.hook
def filter_case(context, case):
    """Leave the harness's own accounts alone (see the module's docstring)."""
    if case.path != USERS_PATH or case.method.upper() not in ("PATCH", "DELETE"):
        return True
    username = str((case.path_parameters or {}).get("username", ""))
    return username.lower() not in PROTECTED_USERNAMES


def case_beyond_schema(case) -> bool:
    return beyond_schema(case.path, case.query)


@schemathesis.check
def positive_data_acceptance_within_schema(ctx, response, case):
    """positive_data_acceptance, where the schema states every rule of the operation."""
    if case_beyond_schema(case):
        return None
    return positive_data_acceptance(ctx, response, case)
