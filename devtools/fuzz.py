"""``make fuzz``: schemathesis' examples, coverage and fuzzing phases against a local server, as a
user and as an admin, for FUZZ_MINUTES (default 10) each.

It starts its own database (a temporary directory, no authentication) and gunicorn server,
registers the accounts it needs through the API, then runs the schemathesis CLI once per role,
every check on, with the hooks of devtools/fuzz_hooks.py (the exclusions of
tests/api/test_fuzz.py, and the harness's own accounts left alone). It then prints a summary:
requests by status as the server logged them, requests gunicorn refused before the app, each
failure schemathesis reported with its curl command, and the app's exceptions with their
tracebacks. Then it damages files of every format FORMAT_MUTATIONS times each (default 20000) and
reads them. It exits 1 if there was any of those failures or exceptions, 130 if interrupted, and
stops everything it started in every case (Ctrl-C and SIGTERM included).

Settings, all optional: FUZZ_MINUTES (per role), FUZZ_ROLES (``user,admin``), FUZZ_SEED (random
unless given, and printed), FUZZ_WORKERS (schemathesis' concurrent workers, default 2),
FUZZ_MAX_EXAMPLES (per operation and fuzzing cycle), FUZZ_REPORT_DIR (default
``var/fuzz/<UTC time>``: the server log, and per role schemathesis' output and its JUnit and
JSON reports). Every request carries an X-Request-ID naming its case: look it up in server.log.
"""

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

from devtools.accounts import new_account
from devtools.mongodb import LocalDatabase, MongodUnavailable
from devtools.processes import PROJECT_ROOT, child_environment, run_init, start_app_server
from devtools.waiting import free_port, stop_process
from plumbing.config import DAY_SECONDS  # the longest ACCESS_TOKEN_TTL_SECONDS

ADMIN_USERNAME = "admin"
CHEAP_SCRYPT = "scrypt:1024:8:1"  # as in the tests: logins stay cheap under fuzzing
PHASES = "examples,coverage,fuzzing"
HOOKS = PROJECT_ROOT / "devtools" / "fuzz_hooks.py"
CONFIG_FILE = PROJECT_ROOT / "devtools" / "schemathesis.toml"
# After its time budget schemathesis finishes the case at hand (and shrinks a failure); past
# this much more it is interrupted (SIGINT, so it still writes its reports), then killed.
GRACE_SECONDS = 300
INTERRUPT_SECONDS = 60


@dataclass
class Account:
    username: str
    password: str


@dataclass
class RoleRun:
    """What one role's schemathesis run left behind."""

    role: str
    exit_code: int
    seconds: float
    statuses: Counter
    failures: list[str]
    exceptions: list[dict]
    gunicorn: Counter
    report_dir: Path
    session_alive: bool
    interrupted: bool
    test_cases: dict = field(default_factory=dict)


class Stopped(Exception):
    """SIGTERM: unwind as for Ctrl-C, stopping what was started."""


def setting(name: str, default: str) -> str:
    return os.environ.get(name) or default


def fuzz_environment(database_uri: str, admin_password: str, token_ttl: int) -> dict[str, str]:
    """The server's environment: like the API tests' (tests/helpers.server_environment)."""
    return child_environment(
        MONGODB_URI=database_uri,
        SECRET_KEY=secrets.token_urlsafe(48),
        PASSWORD_HASH_METHOD=CHEAP_SCRYPT,
        ADMIN_USERNAME=ADMIN_USERNAME,
        ADMIN_PASSWORD=admin_password,
        ACCESS_TOKEN_TTL_SECONDS=str(token_ttl),
        MAX_FILE_UPLOAD_SIZE=str(8 * 1024 * 1024),
        # Every request comes from 127.0.0.1; per-username throttling stays as configured.
        LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE="1000000",
        UPLOADS_PER_MINUTE="0",
    )


class Api:
    def __init__(self, base_url: str):
        self.base_url = base_url

    def login(self, account: Account) -> str:
        response = requests.post(
            f"{self.base_url}/api/v1/auth/login",
            json={"username": account.username, "password": account.password},
            timeout=60,
        )
        if response.status_code != 200:
            raise RuntimeError(f"login as {account.username} failed: {response.text}")
        return response.json()["access_token"]

    def create_account(self, admin_token: str, role: str) -> Account:
        account = Account(f"fuzz-{role}-{uuid.uuid4().hex[:10]}", secrets.token_urlsafe(16))
        new_account(
            f"{self.base_url}/api/v1", admin_token, account.username, account.password, role
        )
        return account

    def session_alive(self, token: str) -> bool:
        response = requests.get(
            f"{self.base_url}/api/v1/auth/me",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        return response.status_code == 200


def schemathesis_command(base_url: str, seconds: int, seed: int, report_dir: Path) -> list[str]:
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG_FILE)]
    command += ["run", f"{base_url}/api/v1/openapi.json"]
    command += ["--phases", PHASES, "--max-time", str(seconds), "--seed", str(seed)]
    # Every check, with positive_data_acceptance narrowed by the hooks (see fuzz_hooks.py).
    command += ["--checks", "all", "--exclude-checks", "positive_data_acceptance"]
    command += ["--continue-on-failure", "--suppress-health-check", "all"]
    command += ["--workers", setting("FUZZ_WORKERS", "2"), "--request-timeout", "120"]
    if os.environ.get("FUZZ_MAX_EXAMPLES"):
        command += ["--max-examples", os.environ["FUZZ_MAX_EXAMPLES"]]
    command += ["--report", "junit,json", "--report-dir", str(report_dir), "--no-color"]
    # The exact requests, passwords and tokens in bodies included: every value is generated, and
    # the bearer tokens belong to a server that is gone after the run (the summary masks them).
    command += ["--output-sanitize", "false"]
    return command


def run_schemathesis(
    command: list[str], environment: dict, cwd: Path, log_path: Path, limit: float
) -> tuple[int, bool]:
    """Run the CLI, echoing and keeping its output; interrupt it past ``limit`` seconds.

    Returns its exit code and whether it was interrupted (Ctrl-C, SIGTERM): it then still
    finishes, printing its failures and writing its reports, unless it takes over a minute.
    """
    process = subprocess.Popen(
        command,
        cwd=cwd,  # its caches and crash files stay in the run's directory
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        bufsize=1,
    )

    def interrupt(send_signal: bool = True):
        if process.poll() is None:
            if send_signal:
                process.send_signal(signal.SIGINT)
            killer = threading.Timer(INTERRUPT_SECONDS, lambda: process.poll() or process.kill())
            killer.daemon = True
            killer.start()

    def overran():
        print(f"\nfuzz: schemathesis overran its budget by {GRACE_SECONDS} s; interrupting")
        interrupt()

    timer = threading.Timer(limit, overran)
    timer.daemon = True
    timer.start()
    interrupted = False
    with open(log_path, "w") as log:
        while True:
            try:
                for line in process.stdout:
                    sys.stdout.write(line)
                    log.write(line)
                break
            except (KeyboardInterrupt, Stopped) as reason:
                if interrupted:
                    process.kill()
                interrupted = True
                # Ctrl-C reached schemathesis too (the same process group); SIGTERM did not.
                interrupt(send_signal=isinstance(reason, Stopped))
    timer.cancel()
    return process.wait(), interrupted


DIGITS = re.compile(r"\d+")
GUNICORN_LINE = re.compile(r"^\[[^]]+\] \[\d+\] \[(WARNING|ERROR|CRITICAL)\] (.*)$")


def server_log_entries(log_path: Path, start: int, end: int) -> tuple[list[dict], Counter]:
    """The JSON lines the app logged between two offsets of its log, and gunicorn's warnings
    and errors there (requests it refused before the app saw them, worker timeouts), counted."""
    with open(log_path, "rb") as log:
        log.seek(start)
        chunk = log.read(end - start)
    entries, gunicorn = [], Counter()
    for line in chunk.decode(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue
        elif match := GUNICORN_LINE.match(line):
            gunicorn[f"[{match[1]}] {DIGITS.sub('N', match[2])}"] += 1
    return entries, gunicorn


SECTION_HEADING = re.compile(r"^=+ ([A-Z]+) =+$", re.MULTILINE)
FAILURE_HEADER = re.compile(r"^_{3,} (.+?) _{3,}$", re.MULTILINE)


def reported_failures(output: str) -> list[str]:
    """Each operation's block of schemathesis' FAILURES section, curl commands included."""
    headings = list(SECTION_HEADING.finditer(output))
    for index, heading in enumerate(headings):
        if heading.group(1) == "FAILURES":
            end = headings[index + 1].start() if index + 1 < len(headings) else len(output)
            section = output[heading.end() : end]
            starts = [match.start() for match in FAILURE_HEADER.finditer(section)]
            return [
                section[start:stop].strip()
                for start, stop in zip(starts, [*starts[1:], len(section)], strict=True)
            ]
    return []


def hooks_environment(
    role: str, base_url: str, token: str, logout: Account, protected: list[str]
) -> dict[str, str]:
    """The schemathesis CLI's environment: what devtools/fuzz_hooks.py reads, and the project on
    the import path, since the CLI runs in its report directory and the hooks import devtools."""
    return child_environment(
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
        SCHEMATHESIS_HOOKS=str(HOOKS),
        FUZZ_BASE_URL=base_url,
        FUZZ_TOKEN=token,
        FUZZ_LOGOUT_USERNAME=logout.username,
        FUZZ_LOGOUT_PASSWORD=logout.password,
        FUZZ_PROTECTED_USERNAMES=",".join(protected),
        FUZZ_REQUEST_ID_PREFIX=f"fuzz-{role}",
    )


def fuzz_as(
    role: str, account: Account, logout: Account, api: Api, options: dict, protected: list[str]
) -> RoleRun:
    """One schemathesis run with the given account's session under test."""
    report_dir = options["report_dir"] / role
    report_dir.mkdir(parents=True, exist_ok=True)
    token = api.login(account)
    environment = hooks_environment(role, api.base_url, token, logout, protected)
    seconds = options["seconds"]
    command = schemathesis_command(api.base_url, seconds, options["seed"], report_dir)
    print(f"\nfuzz: as {role} {account.username}, {seconds} s: {' '.join(command[1:])}", flush=True)
    server_log = options["server_log"]
    start = server_log.stat().st_size
    began = time.monotonic()
    exit_code, interrupted = run_schemathesis(
        command, environment, report_dir, report_dir / "schemathesis.log", seconds + GRACE_SECONDS
    )
    elapsed = time.monotonic() - began
    time.sleep(1)  # the server's last log lines
    entries, gunicorn = server_log_entries(server_log, start, server_log.stat().st_size)
    statuses = Counter(e["status"] for e in entries if e.get("event") == "request")
    exceptions = [e for e in entries if e.get("exception")]
    output = (report_dir / "schemathesis.log").read_text(errors="replace")
    test_cases = {}
    json_report = report_dir / "report.json"
    if not json_report.exists():
        json_report = next(report_dir.glob("*.json"), json_report)
    if json_report.exists():
        test_cases = json.loads(json_report.read_text()).get("test_cases", {})
    return RoleRun(
        role=role,
        exit_code=exit_code,
        seconds=elapsed,
        statuses=statuses,
        failures=reported_failures(output),
        exceptions=exceptions,
        gunicorn=gunicorn,
        report_dir=report_dir,
        session_alive=api.session_alive(token),
        interrupted=interrupted,
        test_cases=test_cases,
    )


def exception_groups(exceptions: list[dict]) -> dict[str, list[dict]]:
    """Server exceptions grouped by their traceback's last line and innermost frame."""
    groups: dict[str, list[dict]] = {}
    for entry in exceptions:
        lines = entry["exception"].strip().splitlines()
        frames = [line.strip() for line in lines if line.strip().startswith('File "')]
        key = f"{lines[-1]} at {frames[-1] if frames else '?'}"
        groups.setdefault(key, []).append(entry)
    return groups


BEARER_TOKEN = re.compile(r"Bearer [A-Za-z0-9_.-]{20,}")
LONGEST_LINE = 1500


def tidy(block: str) -> str:
    """A failure as the summary shows it: tokens masked, no replay hint (the server is gone),
    and very long lines cut (schemathesis.log has them whole)."""
    lines = []
    for line in BEARER_TOKEN.sub("Bearer $TOKEN", block).splitlines():
        if line.strip().startswith("st replay"):
            continue
        if len(line) > LONGEST_LINE:
            line = f"{line[:LONGEST_LINE]}... ({len(line)} characters in all)"
        lines.append(line)
    return "\n".join(lines).rstrip()


def print_summary(runs: list[RoleRun], seed: int, report_dir: Path) -> None:
    print("\n" + "=" * 30 + " fuzz summary " + "=" * 30)
    print(f"seed {seed}; reports and the server log in {report_dir}")
    print("The curl commands name the stopped fuzz server; replay them on another, TOKEN set.")
    for run in runs:
        total = sum(run.statuses.values())
        by_status = ", ".join(f"{status}: {n}" for status, n in sorted(run.statuses.items()))
        verdict = "passed" if run.exit_code == 0 else f"schemathesis exit code {run.exit_code}"
        if run.interrupted:
            verdict += " (interrupted)"
        cases = run.test_cases
        print(f"\n{run.role}: {run.seconds / 60:.1f} min, {verdict}")
        print(f"  {total} requests ({by_status})")
        if cases:
            print(
                f"  {cases.get('generated')} test cases, {cases.get('unique_failures')} unique "
                f"failures, {cases.get('errored')} errored"
            )
        for message, count in sorted(run.gunicorn.items()):
            print(f"  gunicorn x{count}: {message}")
        if not run.session_alive:
            print("  warning: the session under test had ended by the end of the run")
        for block in run.failures:
            print("\n" + tidy(block))
        for key, entries in exception_groups(run.exceptions).items():
            first = entries[0]
            print(f"\nserver exception x{len(entries)} (first: request {first.get('request_id')})")
            print(f"  {key}")
            print("  " + first["exception"].strip().replace("\n", "\n  "))
    print("=" * 74)


def main() -> int:
    minutes = float(setting("FUZZ_MINUTES", "10"))
    roles = [role.strip() for role in setting("FUZZ_ROLES", "user,admin").split(",")]
    if any(role not in ("user", "admin") for role in roles):
        print("FUZZ_ROLES lists user and/or admin", file=sys.stderr)
        return 2
    seed = int(setting("FUZZ_SEED", str(secrets.randbelow(2**31))))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report_dir = Path(setting("FUZZ_REPORT_DIR", f"var/fuzz/{stamp}")).resolve()
    report_dir.mkdir(parents=True, exist_ok=True)
    seconds = max(1, round(minutes * 60))
    if 2 * (seconds + GRACE_SECONDS) > DAY_SECONDS:  # a role's tokens must outlast its run
        longest = (DAY_SECONDS // 2 - GRACE_SECONDS) // 60
        print(f"FUZZ_MINUTES is at most {longest} (tokens live a day at most)", file=sys.stderr)
        return 2
    options = {"seconds": seconds, "seed": seed, "report_dir": report_dir}
    options["server_log"] = report_dir / "server.log"

    def stop(signum, _frame):
        raise Stopped(signum)

    signal.signal(signal.SIGTERM, stop)
    runs: list[RoleRun] = []
    try:
        with ExitStack() as cleanup:
            scratch = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="ecg-fuzz-")))
            database = cleanup.enter_context(LocalDatabase(scratch / "db"))
            admin = Account(ADMIN_USERNAME, secrets.token_urlsafe(16))
            token_ttl = max(3600, 2 * (seconds + GRACE_SECONDS))  # one token per role's run
            environment = fuzz_environment(database.uri, admin.password, token_ttl)
            run_init(environment)
            port = free_port()
            server = start_app_server(environment, port, options["server_log"])
            cleanup.callback(stop_process, server)
            api = Api(f"http://127.0.0.1:{port}")
            print(f"fuzz: server on {api.base_url}, database on port {database.port}", flush=True)
            admin_token = api.login(admin)
            under_test = {"user": api.create_account(admin_token, "user"), "admin": admin}
            logouts = {role: api.create_account(admin_token, role) for role in roles}
            protected = [a.username for a in [*under_test.values(), *logouts.values()]]
            for role in roles:
                run = fuzz_as(role, under_test[role], logouts[role], api, options, protected)
                runs.append(run)
                if run.interrupted:
                    raise KeyboardInterrupt
    except MongodUnavailable as reason:
        print(reason, file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Stopped):
        print("\nfuzz: interrupted; everything it started is stopped", file=sys.stderr)
        print_summary(runs, seed, report_dir)
        return 130
    print_summary(runs, seed, report_dir)
    failed = any(
        run.exit_code != 0
        or run.exceptions
        or any(not message.startswith("[WARNING]") for message in run.gunicorn)
        for run in runs
    )
    files_failed = mutate_files(seed)
    return 1 if failed or files_failed else 0


def mutate_files(seed: int) -> bool:
    """Damaged files for every reader (EDF, EDF+, BDF, DICOM, WFDB, zipped WFDB): the mutation
    test of the suite with FORMAT_MUTATIONS (default 20000) per format and this run's seed.
    Returns whether any damage raised anything but the readers' own 4xx errors."""
    mutations = setting("FORMAT_MUTATIONS", "20000")
    print(f"fuzz: {mutations} damaged files per format, seed {seed}", flush=True)
    environment = child_environment(FORMAT_MUTATIONS=mutations, FORMAT_MUTATION_SEED=str(seed))
    test = PROJECT_ROOT / "tests" / "unit" / "test_format_mutations.py"
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)],
        cwd=PROJECT_ROOT,
        env=environment,
    )
    return finished.returncode != 0


if __name__ == "__main__":
    sys.exit(main())
