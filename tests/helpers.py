"""Helpers shared by the tests: settings of test servers, an HTTP client, small ECG bodies."""

import contextlib
from dataclasses import dataclass

import requests

from devtools.accounts import new_account
from devtools.processes import child_environment, start_app_server
from devtools.waiting import free_port, stop_process

TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
# scrypt at a low cost keeps the suite fast; production uses the default cost.
FAST_PASSWORD_HASH = "scrypt:1024:8:1"
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin-password-for-tests"
USER_PASSWORD = "user-password-for-tests"
# Nothing listens on port 9 (discard): an app that reached for its database would fail fast.
NO_DATABASE = "mongodb://127.0.0.1:9/ecg"


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

    def new_account(
        self, admin_token: str, username: str, role: str = "user", password: str = USER_PASSWORD
    ) -> str:
        """Register ``username``, its owner choosing ``password`` (devtools.accounts); return
        the owner's access token."""
        return new_account(self.url("/api/v1"), admin_token, username, password, role)


def server_environment(database_uri: str, **settings: str) -> dict[str, str]:
    """The environment of a test server on the given database."""
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


def ecg_body(ecg_id: str | None = None, **fields) -> dict:
    """A small valid upload."""
    body = {"leads": [{"name": "I", "signal": [1, -1, 2]}, {"name": "II", "signal": [0, 3, 0]}]}
    if ecg_id is not None:
        body["id"] = ecg_id
    return {**body, **fields}


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
