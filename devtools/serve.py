"""``make run``: serve the API locally, starting a SecantusDB server when MONGODB_URI is unset.

State lives under VAR_DIR (default ./var): the database files and a generated signing secret,
so data and tokens survive restarts. Ctrl-C or SIGTERM stops the app first, then the database.
"""

import os
import secrets
import signal
import sys
from contextlib import ExitStack
from pathlib import Path

from devtools.processes import LocalDatabase, run_init, start_app_server


def stored_secret(path: Path) -> str:
    """The signing secret kept in ``path``, created (readable by the owner only) on first use."""
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as secret_file:
            secret_file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def main() -> int:
    """Run until signalled; return gunicorn's exit status."""
    var_dir = Path(os.environ.get("VAR_DIR", "var")).resolve()
    var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    environment = dict(os.environ)
    if not environment.get("SECRET_KEY"):
        environment["SECRET_KEY"] = stored_secret(var_dir / "secret_key")

    server = None

    def shut_down(signum, _frame):
        if server is None:
            raise SystemExit(128 + signum)  # still starting: unwind, stopping the database
        # Only signal here: the main thread is inside server.wait(), and waiting again from a
        # handler would deadlock on Popen's wait lock. gunicorn drains its workers and exits.
        server.terminate()

    signal.signal(signal.SIGINT, shut_down)
    signal.signal(signal.SIGTERM, shut_down)

    with ExitStack() as cleanup:
        if not environment.get("MONGODB_URI"):
            database = cleanup.enter_context(LocalDatabase(var_dir / "db"))
            environment["MONGODB_URI"] = database.uri
            print(
                f"Local SecantusDB at {database.uri}, data in {database.storage_path}", flush=True
            )
        print(run_init(environment), end="", flush=True)
        port = int(environment.get("PORT", "5000"))
        server = start_app_server(environment, port)
        print(f"Serving the ECG API on http://127.0.0.1:{port} (Ctrl-C to stop)", flush=True)
        return server.wait()


if __name__ == "__main__":
    sys.exit(main())
