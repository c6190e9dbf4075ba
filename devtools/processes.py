"""Child processes for local runs and tests: a SecantusDB server and the gunicorn-served app."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from pymongo import MongoClient
from pymongo.errors import PyMongoError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_SECONDS = 60


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


def _secantus_command() -> str:
    beside_python = Path(sys.executable).with_name("secantusd-py")
    command = str(beside_python) if beside_python.exists() else shutil.which("secantusd-py")
    if command is None:
        raise RuntimeError("secantusd-py not found; install requirements-dev.txt")
    return command


class LocalDatabase:
    """A SecantusDB server on loopback, its data kept in ``storage_path`` across restarts."""

    def __init__(self, storage_path: Path, port: int | None = None):
        self.storage_path = Path(storage_path)
        self.port = port or free_port()
        self.uri = f"mongodb://127.0.0.1:{self.port}/ecg"
        self.log_path = self.storage_path.with_name(self.storage_path.name + ".log")
        self.process: subprocess.Popen | None = None

    def start(self) -> "LocalDatabase":
        """Start the server and wait until it answers a ping."""
        self.storage_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            # A session of its own: Ctrl-C reaches the supervisor, which stops the app first.
            self.process = subprocess.Popen(
                [
                    _secantus_command(),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--storage-path",
                    str(self.storage_path),
                    "--standalone",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        with MongoClient(self.uri, serverSelectionTimeoutMS=250) as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"SecantusDB exited at start-up; see {self.log_path}")
                try:
                    client.admin.command("ping")
                    return
                except PyMongoError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"SecantusDB did not start; see {self.log_path}"
                        ) from None

    def stop(self) -> None:
        """Stop the server; it closes its storage cleanly on SIGTERM."""
        if self.process is not None:
            stop_process(self.process)

    def kill(self) -> None:
        """Crash the server (SIGKILL): no chance to flush or close anything."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> "LocalDatabase":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def start_app_server(
    environment: dict[str, str], port: int, log_path: Path | None = None
) -> subprocess.Popen:
    """Serve the app with gunicorn, configured by gunicorn.conf.py, and wait for /healthz."""
    environment = {**environment, "PORT": str(port)}
    output = open(log_path, "ab") if log_path else None  # noqa: SIM115 - owned by the child
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
        start_new_session=True,
    )
    if output:
        output.close()
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process)
    except BaseException:
        stop_process(process)
        raise
    return process


def wait_for_http(url: str, process: subprocess.Popen) -> None:
    """Poll ``url`` until it answers 200; fail early if ``process`` dies."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {STARTUP_TIMEOUT_SECONDS} s")
        time.sleep(0.1)


def run_init(environment: dict[str, str]) -> str:
    """Run ``flask --app app init`` and return what it printed."""
    finished = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "init"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"init failed: {finished.stdout}{finished.stderr}")
    return finished.stdout


def child_environment(**overrides: str) -> dict[str, str]:
    """This process's environment with ``overrides``, for a child process."""
    return {**os.environ, **overrides}
