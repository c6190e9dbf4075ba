"""The speed issue's measurement: this service and the reference implementation, each on a
fresh mongod 6.0.5 of its own, measured by the same client in one run, and printed as JSON.

    python -m bench.side_by_side [--rounds 3] [--requests 600] [--concurrency 8] \
        [--before PATH_OF_AN_EARLIER_CHECKOUT]

This service runs as `make run` runs it: a one-member replica set with authentication, the
restricted service user, gunicorn configured by gunicorn.conf.py, every analysis on; only the
per-user upload limit is off (UPLOADS_PER_MINUTE=0), since the benchmark uploads hundreds a
minute. The reference (bench/reference_service.py) runs on an unauthenticated replica set with
the same gunicorn worker and thread counts. Rounds alternate between the two, so both see the
same noise; the medians over rounds are printed beside each round's figures. The analyses'
own CPU (measured in this process, see bench.analysis_figures) is printed on its own line.
"""

import argparse
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench.analysis_figures import cpu_ms_per_upload
from bench.benchmark import ecg_description, log_in, machine, request_figures, request_headers
from bench.reference_service import add_user
from devtools import accounts
from devtools.accounts import new_account
from devtools.local_database import init_environment, secured_database, service_environment
from devtools.mongodb import LocalDatabase
from devtools.processes import APP, PROJECT_ROOT, child_environment, run_init, start_app_server
from devtools.waiting import free_port, stop_process, wait_for_http

USERNAME = "bench"
SERVICE = "this_service"
REFERENCE = "reference"
BEFORE = "this_service_before"
TOKEN_LIFETIME_SECONDS = 24 * 3600


class Server:
    """A running implementation: its API, a logged-in user's headers, and the pids to meter."""

    def __init__(self, name: str, api: str, headers: dict, app_pid: int, mongod_pid: int):
        self.name, self.api, self.headers = name, api, headers
        self.cpu_of = {"app": [app_pid], "mongod": [mongod_pid]}


def start_service(
    cleanup: ExitStack,
    folder: Path,
    name: str = SERVICE,
    project_root: Path = PROJECT_ROOT,
    app: str = APP,
    **settings: str,
) -> Server:
    """This service as ``make run`` runs it, on a fresh database in ``folder``; ``settings``
    are added to its environment."""
    folder.mkdir(parents=True, exist_ok=True)
    database, local_secrets = secured_database(folder / "var")
    cleanup.enter_context(database)
    admin_password, password = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    environment = child_environment(
        SECRET_KEY=secrets.token_urlsafe(48),
        ADMIN_PASSWORD=admin_password,
        UPLOADS_PER_MINUTE="0",
        # One login serves the whole run, however many rounds it has.
        ACCESS_TOKEN_TTL_SECONDS=str(TOKEN_LIFETIME_SECONDS),
        **service_environment(database, local_secrets),
        **settings,
    )
    run_init({**environment, **init_environment(database, local_secrets)}, project_root)
    port = free_port()
    server = start_app_server(environment, port, folder / "service.log", project_root, app)
    cleanup.callback(stop_process, server)
    api = f"http://127.0.0.1:{port}/api/v1"
    user_token = new_account(api, accounts.log_in(api, "admin", admin_password), USERNAME, password)
    return Server(name, api, request_headers(user_token), server.pid, database.member.process.pid)


def start_reference(cleanup: ExitStack, folder: Path, workers: int, threads: int) -> Server:
    database = cleanup.enter_context(LocalDatabase(folder / "reference-db"))
    uri = database.uri_for("reference")
    password = secrets.token_urlsafe(16)
    add_user(uri, USERNAME, password)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--worker-class", "gthread"]
    command += ["--threads", str(threads), "bench.reference_service:create_app()"]
    log = open(folder / "reference.log", "ab")  # noqa: SIM115 - owned by the child
    server = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=child_environment(MONGODB_URI=uri, SECRET_KEY=secrets.token_urlsafe(48)),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    cleanup.callback(stop_process, server)
    api = f"http://127.0.0.1:{port}/api/v1"
    wait_for_http(f"{api}/healthz", server, "the reference implementation")
    return Server(
        REFERENCE, api, log_in(api, USERNAME, password), server.pid, database.member.process.pid
    )


def medians(rounds: list[dict]) -> dict:
    """The median of every figure over rounds, phase by phase."""
    return {
        phase: {
            figure: round(statistics.median(r[phase][figure] for r in rounds), 2)
            for figure in rounds[0][phase]
        }
        for phase in ("uploads", "insights")
    }


def ratios(service: dict, reference: dict) -> dict:
    """This service's figures over the reference's, as the issue states its aims."""
    return {
        "uploads_per_second": round(
            service["uploads"]["per_second"] / reference["uploads"]["per_second"], 2
        ),
        "insight_reads_per_second": round(
            service["insights"]["per_second"] / reference["insights"]["per_second"], 2
        ),
        "upload_p99": round(service["uploads"]["p99_ms"] / reference["uploads"]["p99_ms"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--reference-workers", type=int, default=2)
    parser.add_argument("--reference-threads", type=int, default=2)
    parser.add_argument(
        "--before",
        type=Path,
        help="another checkout of this project (an earlier version, e.g. a git worktree), "
        "measured in the same rounds",
    )
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="side-by-side-") as directory, ExitStack() as cleanup:
        folder = Path(directory)
        servers = [
            start_service(cleanup, folder / "service"),
            start_reference(
                cleanup, folder, arguments.reference_workers, arguments.reference_threads
            ),
        ]
        if arguments.before:
            servers.append(start_service(cleanup, folder / "before", BEFORE, arguments.before))
        rounds: dict[str, list[dict]] = {server.name: [] for server in servers}
        for _ in range(arguments.rounds):
            for server in servers:
                figures = request_figures(
                    server.api,
                    server.headers,
                    arguments.requests,
                    arguments.concurrency,
                    cpu_of=server.cpu_of,
                )
                rounds[server.name].append(figures)
        summary = {name: medians(server_rounds) for name, server_rounds in rounds.items()}
        analyses = cpu_ms_per_upload()
        print(
            json.dumps(
                {
                    "machine": machine(),
                    "ecg": ecg_description(),
                    "concurrency": arguments.concurrency,
                    "rounds": arguments.rounds,
                    "median": summary,
                    "service_over_reference": ratios(summary[SERVICE], summary[REFERENCE]),
                    **(
                        {"service_over_before": ratios(summary[SERVICE], summary[BEFORE])}
                        if BEFORE in summary
                        else {}
                    ),
                    "analysis_cpu_ms_per_upload_in_process": analyses,
                    # The CPU aim leaves the analyses out: they have their own budget.
                    "service_app_cpu_ms_per_upload_without_analyses": round(
                        summary[SERVICE]["uploads"]["app_cpu_ms_per_request"]
                        - analyses["every_analysis"],
                        2,
                    ),
                    "each_round": rounds,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
