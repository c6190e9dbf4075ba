"""`make run` keeps data, secrets and the admin across restarts, and stops cleanly."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from devtools.accounts import bearer, log_in, new_account
from devtools.processes import PROJECT_ROOT, child_environment
from devtools.waiting import free_port
from tests.helpers import FAST_PASSWORD_HASH, USER_PASSWORD, ecg_body

READY_LINE = "Serving the ECG API"

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("API_BASE_URL")), reason="starts its own local service"
)


def start_make_run(var_dir: Path, port: int, log: Path) -> subprocess.Popen:
    """Run `make run` as a person would, in a session of its own so Ctrl-C can be simulated."""
    environment = child_environment(
        VAR_DIR=str(var_dir),
        PORT=str(port),
        PASSWORD_HASH_METHOD=FAST_PASSWORD_HASH,
        MONGODB_URI="",
        SECRET_KEY="",
        ADMIN_PASSWORD="",
    )
    with open(log, "w") as output:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"VENV={sys.prefix}"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 90
    while READY_LINE not in log.read_text():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
    return process


def stop(process: subprocess.Popen, signum: int) -> None:
    """Signal make's process group (as a terminal's Ctrl-C does) or make alone (SIGTERM)."""
    if signum == signal.SIGINT:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signum)
    process.wait(timeout=60)


def test_data_tokens_and_admin_survive_a_restart(tmp_path):
    var_dir, port = tmp_path / "var", free_port()
    base = f"http://127.0.0.1:{port}/api/v1"

    first = start_make_run(var_dir, port, tmp_path / "first.log")
    output = (tmp_path / "first.log").read_text()
    admin_password = output.split("generated password: ")[1].split()[0]
    admin = log_in(base, "admin", admin_password)
    user = bearer(new_account(base, admin, "survivor", USER_PASSWORD))
    created = requests.post(f"{base}/ecgs", json=ecg_body("kept"), headers=user, timeout=10)
    assert created.status_code == 201
    stop(first, signal.SIGTERM)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)

    second = start_make_run(var_dir, port, tmp_path / "second.log")
    try:
        assert "generated password" not in (tmp_path / "second.log").read_text()
        # The same token still works: the signing secret was kept under VAR_DIR.
        read = requests.get(f"{base}/ecgs/kept", headers=user, timeout=10)
        assert read.status_code == 200
        assert read.json() == created.json()
        insights = requests.get(f"{base}/ecgs/kept/insights", headers=user, timeout=10).json()
        assert [lead["zero_crossings"] for lead in insights["leads"]] == [2, 0]
    finally:
        stop(second, signal.SIGINT)
    assert (var_dir / "secret_key").stat().st_mode & 0o077 == 0
    log = (tmp_path / "second.log").read_text()
    assert "Shutting down: Master" in log
    assert second.returncode is not None
