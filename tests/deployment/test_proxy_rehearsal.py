"""The compose stack's nginx in front of gunicorn, rehearsed with Debian's nginx and the same
server template: slow clients hang on nginx, not on gunicorn's four threads."""

import os
import socket
import threading
import time

import pytest
import requests

from devtools.nginx import start_nginx
from devtools.processes import run_init
from devtools.waiting import free_port, stop_process
from tests.helpers import ADMIN_PASSWORD, ADMIN_USERNAME, Api, running_server, server_environment

SLOW_CLIENTS = 12
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("API_BASE_URL")), reason="starts servers of its own"
)


@pytest.fixture(scope="module")
def app_url(database, tmp_path_factory):
    environment = server_environment(database.uri_for("proxy"), PROXY_COUNT="1")
    run_init(environment)
    with running_server(environment, tmp_path_factory) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def proxy_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("nginx")


@pytest.fixture(scope="module")
def proxy(app_url, proxy_folder):
    port = free_port()
    upstream = app_url.removeprefix("http://")
    process = start_nginx(proxy_folder, upstream, port)
    yield f"http://127.0.0.1:{port}"
    stop_process(process)


def test_the_proxy_keeps_no_access_log(proxy, proxy_folder):
    """Request lines hold the path, whose ECG ids may name a patient; the image's own
    configuration would log them all (found in review)."""
    requests.get(f"{proxy}/api/v1/ecgs/smith-john-1960", timeout=10)
    log = proxy_folder / "access.log"
    assert not log.exists() or "smith" not in log.read_text()


def slow_clients(base_url: str, count: int, seconds: float) -> threading.Event:
    """``count`` connections that send their headers, then one body byte every two seconds."""
    host, port = base_url.removeprefix("http://").split(":")
    done = threading.Event()

    def trickle() -> None:
        with socket.create_connection((host, int(port)), timeout=30) as connection:
            connection.sendall(
                b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            )
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and not done.is_set():
                try:
                    connection.sendall(b" ")
                except OSError:
                    return
                done.wait(2)

    for _ in range(count):
        threading.Thread(target=trickle, daemon=True).start()
    return done


def health_probe_seconds(base_url: str, probes: int = 5) -> list[float]:
    """How long each /healthz took (60 when it did not answer within a minute)."""
    times = []
    for _ in range(probes):
        started = time.monotonic()
        try:
            requests.get(f"{base_url}/healthz", timeout=10).raise_for_status()
            times.append(time.monotonic() - started)
        except requests.RequestException:
            times.append(60.0)
        time.sleep(0.5)
    return times


def test_healthz_answers_through_nginx_while_slow_clients_hang_on(proxy):
    done = slow_clients(proxy, SLOW_CLIENTS, seconds=15)
    time.sleep(1)
    try:
        times = health_probe_seconds(proxy)
    finally:
        done.set()
    print(f"/healthz through nginx with {SLOW_CLIENTS} slow clients: {max(times):.2f} s at most")
    assert max(times) < 5, times


def test_without_nginx_slow_clients_hold_gunicorns_threads(app_url):
    """The finding nginx answers, measured (not asserted: it is the behaviour being replaced)."""
    done = slow_clients(app_url, SLOW_CLIENTS, seconds=12)
    time.sleep(1)
    try:
        times = health_probe_seconds(app_url, probes=2)
    finally:
        done.set()
    print(f"/healthz straight to gunicorn with {SLOW_CLIENTS} slow clients: {times}")


@pytest.mark.parametrize(
    ("request_arguments", "status", "error"),
    [
        ({"path": "/" + "a" * 40_000}, 414, "uri_too_long"),
        ({"headers": {"Content-Length": str(3 << 30)}, "method": "POST"}, 413, None),
    ],
    ids=["request line over the limit", "body over 2 GiB announced"],
)
def test_nginxs_own_refusals_are_json(proxy, request_arguments, status, error):
    method = request_arguments.pop("method", "GET")
    path = request_arguments.pop("path", "/api/v1/auth/login")
    host, port = proxy.removeprefix("http://").split(":")
    headers = {"Host": "x", **request_arguments.get("headers", {})}
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall((head + "\r\n").encode())
        answer = connection.recv(65536).decode("latin-1")
    status_line, _, rest = answer.partition("\r\n")
    assert f" {status} " in status_line
    assert "application/json" in rest
    if error:
        assert f'"error": "{error}"' in rest


@pytest.fixture(scope="module")
def behind_a_balancer(app_url, tmp_path_factory):
    """The proxy with this test's own address, 127.0.0.1, named as the load balancer."""
    port = free_port()
    upstream = app_url.removeprefix("http://")
    folder = tmp_path_factory.mktemp("nginx-balanced")
    process = start_nginx(folder, upstream, port, balancer="127.0.0.1")
    yield f"http://127.0.0.1:{port}"
    stop_process(process)


def address_recorded(base_url: str, forwarded_for: str, request_id: str) -> list[str]:
    """The client address the audit trail records for a failed login sent through ``base_url``
    with that X-Forwarded-For."""
    api = Api(base_url, ADMIN_USERNAME, ADMIN_PASSWORD, local=True)
    response = requests.post(
        f"{base_url}/api/v1/auth/login",
        json={"username": ADMIN_USERNAME, "password": "wrong"},
        headers={"X-Forwarded-For": forwarded_for, "X-Request-ID": request_id},
        timeout=10,
    )
    assert response.status_code == 401
    admin = api.login(ADMIN_USERNAME, ADMIN_PASSWORD)
    failed = {"user": ADMIN_USERNAME, "event": "login.failed", "limit": 100}
    entries = api.request("GET", "/api/v1/audit", admin, params=failed).json()["items"]
    return [entry["address"] for entry in entries if entry["request_id"] == request_id]


def test_behind_the_named_balancer_the_app_sees_the_client_it_names(behind_a_balancer):
    """Found in review: behind a balancer every client had the balancer's address, so one
    client's failed logins throttled everyone's."""
    # The balancer added the last address: the client it saw.
    forwarded = "198.51.100.23, 203.0.113.40"
    assert address_recorded(behind_a_balancer, forwarded, "balanced") == ["203.0.113.40"]


def test_the_app_sees_the_clients_address_not_a_forged_one(proxy):
    assert address_recorded(proxy, "203.0.113.9", "forged") == ["127.0.0.1"]
