"""Login and upload throttling, on a server with the default limits."""

import itertools
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from pymongo import MongoClient

from plumbing.rate_limits import WINDOW_SECONDS
from tests.helpers import USER_PASSWORD, Api, ecg_body, running_server, server_environment


@pytest.fixture(scope="module")
def strict_api(api, database, tmp_path_factory):
    """A second server on the same database, with default login limits and 3 uploads a minute.

    It trusts one proxy, so each test can speak from its own client address.
    """
    if not api.local:
        pytest.skip("starts a server of its own")
    environment = server_environment(database.uri, PROXY_COUNT="1", UPLOADS_PER_MINUTE="3")
    with running_server(environment, tmp_path_factory) as base_url:
        yield Api(base_url, api.admin_username, api.admin_password, local=True)


@pytest.fixture
def fresh_window():
    """Counting starts with at least 10 s left in the minute, so no test straddles two windows."""
    remaining = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if remaining < 10:
        time.sleep(remaining + 0.1)


ADDRESSES = (f"198.18.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def address() -> str:
    """A client address never used before in this run (from the benchmarking range 198.18/15)."""
    return next(ADDRESSES)


def login(api, username, password, client_address):
    return api.request(
        "POST",
        "/api/v1/auth/login",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": client_address},
    )


def test_five_failures_from_an_address_throttle_that_account_there_even_with_the_right_password(
    strict_api, user, fresh_window
):
    username, _ = user
    attacker = address()
    for _ in range(5):
        assert login(strict_api, username, "wrong-password", attacker).status_code == 401
    throttled = login(strict_api, username, USER_PASSWORD, attacker)
    assert throttled.status_code == 429
    assert throttled.json()["error"] == "too_many_requests"
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60


def test_spelling_the_username_in_another_case_gets_no_more_guesses(strict_api, user, fresh_window):
    username, _ = user
    attacker = address()
    spellings = [username.upper(), username.lower(), username.title(), username.swapcase()]
    for spelling in [*spellings, username]:
        assert login(strict_api, spelling, "wrong-password", attacker).status_code == 401
    assert login(strict_api, username.upper(), USER_PASSWORD, attacker).status_code == 429


def test_an_attacker_cannot_lock_the_owner_out(strict_api, user, fresh_window):
    username, _ = user
    owner = address()
    assert login(strict_api, username, USER_PASSWORD, owner).status_code == 200
    for _ in range(5):
        login(strict_api, username, "wrong-password", address())
    assert login(strict_api, username, USER_PASSWORD, owner).status_code == 200


def test_many_addresses_guessing_one_account_are_stopped_but_its_owner_is_not(
    strict_api, user, fresh_window
):
    username, _ = user
    owner = address()
    assert login(strict_api, username, USER_PASSWORD, owner).status_code == 200
    statuses = [login(strict_api, username, "wrong", address()).status_code for _ in range(55)]
    assert statuses[:50] == [401] * 50 and set(statuses[50:]) == {429}
    assert login(strict_api, username, USER_PASSWORD, address()).status_code == 429
    assert login(strict_api, username, USER_PASSWORD, owner).status_code == 200


def test_parallel_guesses_get_no_more_password_checks_than_the_limit(
    strict_api, user, admin_token, fresh_window
):
    username, _ = user
    attacker = address()
    with ThreadPoolExecutor(10) as pool:
        statuses = list(
            pool.map(
                lambda _: login(strict_api, username, "wrong", attacker).status_code, range(40)
            )
        )
    assert statuses.count(401) <= 5 and statuses.count(401) + statuses.count(429) == 40
    failed = strict_api.request(
        "GET", "/api/v1/audit", admin_token, params={"user": username, "event": "login.failed"}
    )
    assert len(failed.json()["items"]) <= 5


def test_throttled_attempts_are_audited_once_per_window_not_one_by_one(
    strict_api, user, admin_token, fresh_window
):
    username, _ = user
    attacker = address()
    for _ in range(25):
        login(strict_api, username, "wrong", attacker)
    throttled = strict_api.request(
        "GET", "/api/v1/audit", admin_token, params={"user": username, "event": "login.throttled"}
    )
    assert len(throttled.json()["items"]) == 1


def test_guesses_from_one_ipv6_network_count_as_one_address(strict_api, user, fresh_window):
    """Found in review: each of a /64's addresses was counted on its own, and a subscriber
    chooses among 2**64 of them: the per-address limits never bit."""
    username, _ = user
    network = f"2001:db8:{len(username)}:{time.time_ns() % 0xFFFF:x}"
    for host in range(1, 6):
        assert login(strict_api, username, "wrong", f"{network}::{host}").status_code == 401
    assert login(strict_api, username, USER_PASSWORD, f"{network}::6").status_code == 429
    assert login(strict_api, username, USER_PASSWORD, address()).status_code == 200


def test_throttled_guesses_of_a_name_no_account_has_are_audited_and_counted_without_it(
    strict_api, admin_token, database, fresh_window
):
    typed, attacker = "a-password-typed-as-a-name", address()
    statuses = [login(strict_api, typed, "wrong", attacker).status_code for _ in range(7)]
    assert statuses == [401] * 5 + [429] * 2
    throttled = strict_api.request(
        "GET", "/api/v1/audit", admin_token, params={"event": "login.throttled", "limit": 100}
    ).json()["items"]
    mine = [entry for entry in throttled if entry["address"] == attacker]
    assert [(e["actor"], e["details"]["unknown_username"]) for e in mine] == [(None, True)]
    assert typed not in str(throttled)
    # Nor do the counters hold it (the inspector can read them; found in review).
    with MongoClient(database.uri) as client:
        counters = [d["_id"] for d in client.get_default_database().rate_limits.find()]
    assert counters and not any(typed in key for key in counters)


def test_wrong_current_passwords_are_throttled_too(strict_api, user, fresh_window):
    _, token = user
    change = {"current_password": "not-it", "new_password": "another-password-1"}
    statuses = [
        strict_api.request("POST", "/api/v1/auth/password", token, json=change).status_code
        for _ in range(7)
    ]
    assert statuses == [403] * 5 + [429] * 2


def test_failures_from_one_address_throttle_that_address_only(
    strict_api, create_user, fresh_window
):
    attacker, bystander = address(), address()
    victim, _ = create_user()
    for attempt in range(30):
        login(strict_api, f"guess-{attempt}", "wrong-password", attacker)
    assert login(strict_api, victim, USER_PASSWORD, attacker).status_code == 429
    assert login(strict_api, victim, USER_PASSWORD, bystander).status_code == 200


def test_successful_logins_are_not_counted(strict_api, user):
    client = address()
    for _ in range(8):
        assert login(strict_api, user[0], USER_PASSWORD, client).status_code == 200


def test_uploads_beyond_the_limit_get_429_with_retry_after(strict_api, create_user, fresh_window):
    _, token = create_user()
    statuses = [
        strict_api.request("POST", "/api/v1/ecgs", token, json=ecg_body(f"u{index}")).status_code
        for index in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    refused = strict_api.request("GET", "/api/v1/ecgs/u3", token)
    assert refused.status_code == 404


def test_uploads_are_counted_before_their_body_is_read(strict_api, create_user, fresh_window):
    """Found in review: an over-limit caller still had every body parsed before its 429."""
    _, token = create_user()
    for index in range(3):
        strict_api.request("POST", "/api/v1/ecgs", token, json=ecg_body(f"c{index}"))
    unparsable = {"Content-Type": "application/json"}
    response = strict_api.request("POST", "/api/v1/ecgs", token, data=b"{", headers=unparsable)
    assert response.status_code == 429


def test_limits_are_shared_by_every_worker_and_server(api, strict_api, user, fresh_window):
    """Failures counted by one server throttle logins on the other: the counters live in MongoDB."""
    username, _ = user
    for _ in range(5):  # from the address the other server sees this client at
        login(strict_api, username, "wrong-password", "127.0.0.1")
    response = requests.post(
        api.url("/api/v1/auth/login"),
        json={"username": username, "password": USER_PASSWORD},
        timeout=10,
    )
    assert response.status_code == 429
