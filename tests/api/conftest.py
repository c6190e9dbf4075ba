"""API tests speak HTTP to a real server: one started here, or the one at API_BASE_URL."""

import contextlib
import os
import uuid
from dataclasses import dataclass

import pytest
import requests

from devtools.processes import (
    child_environment,
    free_port,
    run_init,
    start_app_server,
    stop_process,
)
from tests.conftest import FAST_PASSWORD_HASH, TEST_SECRET

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin-password-for-tests"
USER_PASSWORD = "user-password-for-tests"


@dataclass
class Api:
    """A server under test and how to reach it."""

    base_url: str
    admin_username: str
    admin_password: str
    local: bool  # started by these tests, so its secret and configuration are known

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def request(self, method: str, path: str, token: str | None = None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.url(path), headers=headers, timeout=60, **kwargs)

    def login(self, username: str, password: str) -> str:
        response = self.request(
            "POST", "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]


@pytest.fixture(scope="session")
def api(request, tmp_path_factory):
    """The server under test, started once per session unless API_BASE_URL names one."""
    if os.environ.get("API_BASE_URL"):
        yield Api(
            os.environ["API_BASE_URL"].rstrip("/"),
            os.environ.get("API_ADMIN_USERNAME", "admin"),
            os.environ["API_ADMIN_PASSWORD"],
            local=False,
        )
        return
    database = request.getfixturevalue("database")
    environment = server_environment(
        database.uri,
        # Small enough to test, and below the JSON limit to show the two limits are separate.
        MAX_FILE_UPLOAD_SIZE=str(8 * 1024 * 1024),
        # Every test logs in from 127.0.0.1; throttling has its own server (test_rate_limits).
        LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE="100000",
        UPLOADS_PER_MINUTE="0",
    )
    run_init(environment)
    with running_server(environment, tmp_path_factory) as base_url:
        yield Api(base_url, ADMIN_USERNAME, ADMIN_PASSWORD, local=True)


def server_environment(database_uri: str, **settings: str) -> dict[str, str]:
    """The environment of a test server on the session's database."""
    return child_environment(
        MONGODB_URI=database_uri,
        SECRET_KEY=TEST_SECRET,
        PASSWORD_HASH_METHOD=FAST_PASSWORD_HASH,
        ADMIN_USERNAME=ADMIN_USERNAME,
        ADMIN_PASSWORD=ADMIN_PASSWORD,
        **settings,
    )


@contextlib.contextmanager
def running_server(environment: dict[str, str], tmp_path_factory):
    """A gunicorn server for the duration of the block; yields its base URL."""
    port = free_port()
    server = start_app_server(environment, port, tmp_path_factory.mktemp("logs") / "server.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(server)


@pytest.fixture(scope="session")
def admin_token(api) -> str:
    return api.login(api.admin_username, api.admin_password)


@pytest.fixture
def create_user(api, admin_token):
    """Make a fresh account (unique username) and return (username, token)."""

    def create(role: str = "user") -> tuple[str, str]:
        username = f"{role}-{uuid.uuid4().hex[:12]}"
        response = api.request(
            "POST",
            "/api/v1/users",
            admin_token,
            json={"username": username, "password": USER_PASSWORD, "role": role},
        )
        assert response.status_code == 201, response.text
        return username, api.login(username, USER_PASSWORD)

    return create


@pytest.fixture
def user(create_user) -> tuple[str, str]:
    return create_user()


@pytest.fixture
def user_token(user) -> str:
    return user[1]


@pytest.fixture
def other_user_token(create_user) -> str:
    return create_user()[1]


def ecg_body(ecg_id: str | None = None, **fields) -> dict:
    """A small valid upload."""
    body = {"leads": [{"name": "I", "signal": [1, -1, 2]}, {"name": "II", "signal": [0, 3, 0]}]}
    if ecg_id is not None:
        body["id"] = ecg_id
    return {**body, **fields}


def pytest_terminal_summary(terminalreporter):
    """Say how many requests the fuzz run made, by status."""
    from tests.api import test_fuzz

    counts = test_fuzz.REQUESTS_BY_STATUS
    if counts:
        by_status = ", ".join(f"{status}: {count}" for status, count in sorted(counts.items()))
        terminalreporter.write_line(f"fuzz: {sum(counts.values())} requests ({by_status})")


def stored_samples(
    api: Api, token: str, ecg_id: str, lead: str, start: int, stop: int
) -> list[int]:
    """Samples [start, stop) of a stored lead, read back through the API."""
    response = api.request(
        "GET",
        f"/api/v1/ecgs/{ecg_id}/leads/{lead}/signal",
        token,
        params={"start": start, "stop": stop},
    )
    assert response.status_code == 200, response.text
    return response.json()["samples"]


def stored_zero_crossings(api: Api, token: str, ecg_id: str) -> list[int]:
    """Each lead's zero crossings, read back through the API, in upload order."""
    insights = api.request("GET", f"/api/v1/ecgs/{ecg_id}/insights", token).json()
    return [lead["zero_crossings"] for lead in insights["leads"]]
