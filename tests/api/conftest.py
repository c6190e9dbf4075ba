"""API tests speak HTTP to a real server: one started here, or the one at API_BASE_URL."""

import os
import uuid

import pytest

from devtools.processes import run_init
from tests.helpers import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    Api,
    running_server,
    server_environment,
)


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


@pytest.fixture(scope="session")
def admin_token(api) -> str:
    return api.login(api.admin_username, api.admin_password)


@pytest.fixture
def create_user(api, admin_token):
    """Make a fresh account (unique username) and return (username, token)."""

    def create(role: str = "user") -> tuple[str, str]:
        username = f"{role}-{uuid.uuid4().hex[:12]}"
        return username, api.new_account(admin_token, username, role)

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


def pytest_terminal_summary(terminalreporter):
    """Say how many requests the fuzz run made, by status."""
    from tests.api import test_fuzz

    counts = test_fuzz.REQUESTS_BY_STATUS
    if counts:
        by_status = ", ".join(f"{status}: {count}" for status, count in sorted(counts.items()))
        terminalreporter.write_line(f"fuzz: {sum(counts.values())} requests ({by_status})")
