"""``make run``: serve the API locally, starting a local MongoDB when MONGODB_URI is unset.

State lives under VAR_DIR (default ./var): the database files, its generated passwords and a
generated signing secret, so data and tokens survive restarts. Ctrl-C or SIGTERM stops the app
first, then the database.
"""

import os
import signal
import sys
from contextlib import ExitStack
from pathlib import Path

from devtools.local_database import (
    init_environment,
    secured_database,
    service_environment,
    stored_secret,
)
from devtools.mongodb import MongodUnavailable
from devtools.processes import run_init, start_app_server


def main() -> int:
    """Run until signalled; return gunicorn's exit status."""
    var_dir = Path(os.environ.get("VAR_DIR", "var")).resolve()
    var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    environment = dict(os.environ)
    if not environment.get("SECRET_KEY"):
        environment["SECRET_KEY"] = stored_secret(var_dir / "secret_key", mode=0o600)

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
            try:
                database, local_secrets = secured_database(var_dir)
            except MongodUnavailable as reason:
                print(reason, file=sys.stderr)
                return 2
            cleanup.enter_context(database)
            print(
                f"Local MongoDB (a one-member replica set) on 127.0.0.1:{database.port}, "
                f"data in {database.storage_path}",
                flush=True,
            )
            print(
                run_init({**environment, **init_environment(database, local_secrets)}),
                end="",
                flush=True,
            )
            environment.update(service_environment(database, local_secrets))
        else:
            print(run_init(environment), end="", flush=True)
        port = int(environment.get("PORT", "5000"))
        server = start_app_server(environment, port)
        print(f"Serving the ECG API on http://127.0.0.1:{port} (Ctrl-C to stop)", flush=True)
        return server.wait()


if __name__ == "__main__":
    sys.exit(main())
