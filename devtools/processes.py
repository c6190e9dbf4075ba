"""The app as a child process, for local runs and tests: gunicorn serving it, and ``flask init``."""

import os
import subprocess
import sys
from pathlib import Path

from devtools.waiting import stop_process, wait_for_http

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP = "app:create_app()"


def start_app_server(
    environment: dict[str, str],
    port: int,
    log_path: Path | None = None,
    project_root: Path = PROJECT_ROOT,
    app: str = APP,
) -> subprocess.Popen:
    """Serve the app with gunicorn, configured by gunicorn.conf.py, and wait for /healthz.

    ``project_root`` may name another checkout of the project (the benchmark compares
    versions); ``app`` another factory of the app (the stage benchmark wraps it)."""
    environment = {**environment, "PORT": str(port)}
    output = open(log_path, "ab") if log_path else None  # noqa: SIM115 - owned by the child
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", app],
        cwd=project_root,
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
        start_new_session=True,
    )
    if output:
        output.close()
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process, f"the ECG API on port {port}")
    except BaseException:
        stop_process(process)
        raise
    return process


def run_init(environment: dict[str, str], project_root: Path = PROJECT_ROOT) -> str:
    """Run ``flask --app app init`` and return what it printed."""
    finished = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "init"],
        cwd=project_root,
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
