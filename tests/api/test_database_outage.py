"""Without its database the service answers quickly with 503, never a 500 or a hang."""

import time

import pytest
import requests

from devtools.processes import child_environment, start_app_server
from devtools.waiting import free_port, stop_process
from tests.helpers import TEST_SECRET


@pytest.fixture(scope="module")
def orphaned_server():
    """A server whose MONGODB_URI points at a port nothing listens on."""
    port = free_port()
    environment = child_environment(
        MONGODB_URI=f"mongodb://127.0.0.1:{free_port()}/ecg",
        MONGODB_CONNECT_TIMEOUT_MS="500",
        SECRET_KEY=TEST_SECRET,
    )
    server = start_app_server(environment, port)
    yield f"http://127.0.0.1:{port}"
    stop_process(server)


def test_liveness_does_not_depend_on_the_database(orphaned_server):
    assert requests.get(f"{orphaned_server}/healthz", timeout=5).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/readyz", None),
        ("POST", "/api/v1/auth/login", {"username": "someone", "password": "password1"}),
    ],
)
def test_requests_needing_the_database_get_a_quick_503(orphaned_server, method, path, body):
    started = time.monotonic()
    response = requests.request(method, f"{orphaned_server}{path}", json=body, timeout=10)
    assert response.status_code == 503
    assert response.json()["error"] == "database_unavailable"
    assert time.monotonic() - started < 5
