"""Starting and stopping child processes patiently: a busy machine answers slowly, not never."""

import os
import signal
import socket
import subprocess
import time

import requests

# How long a server may take to start before we say which one did not; generous, since two test
# suites on two cores can slow a start-up tenfold. STARTUP_TIMEOUT_SECONDS overrides it.
STARTUP_TIMEOUT_SECONDS = float(os.environ.get("STARTUP_TIMEOUT_SECONDS", "180"))
# One probe may take this long on a loaded machine before it counts as unanswered.
PROBE_TIMEOUT_SECONDS = 10


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_process(process: subprocess.Popen, timeout: float = 20) -> int:
    """Ask a process to stop (SIGTERM), then kill it if it does not within ``timeout``."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def wait_for_http(url: str, process: subprocess.Popen, what: str, auth=None) -> None:
    """Poll ``url`` until it answers 200; fail early if ``process`` dies, or at the deadline."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode} at start-up")
        try:
            if requests.get(url, timeout=PROBE_TIMEOUT_SECONDS, auth=auth).status_code == 200:
                return
        except requests.RequestException:
            pass  # not listening yet, or too slow to answer this time
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{what} did not answer {url} within {STARTUP_TIMEOUT_SECONDS:.0f} s"
            )
        time.sleep(0.2)
