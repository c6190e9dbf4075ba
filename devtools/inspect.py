"""``make inspect``: Mongo Express on 127.0.0.1:${ME_PORT:-8081} against the local database.

It runs as compose runs it (the same environment, read from docker-compose.yml, and the same
docker/mongo-express/with-secrets.sh), connected as the read-only inspector user, behind basic
auth whose generated password is printed the first time. It uses the database `make run`
started, or starts it (and stops it again) when none runs.
"""

import os
import signal
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

from pymongo.errors import PyMongoError

from devtools.compose import environment_of, with_local_secrets
from devtools.local_database import INSPECTOR_USERNAME, secured_database
from devtools.mongodb import MongodUnavailable
from devtools.node_tools import MONGO_EXPRESS, installed
from devtools.processes import PROJECT_ROOT
from devtools.waiting import stop_process, wait_for_http

WITH_SECRETS = PROJECT_ROOT / "docker" / "mongo-express" / "with-secrets.sh"
BASIC_AUTH_USERNAME = "inspector"


def mongo_express_environment(database_host: str, secrets_folder: Path, port: int) -> dict:
    """Compose's environment for mongo-express, pointed at a local database and port."""
    variables = {"MONGO_EXPRESS_USERNAME": BASIC_AUTH_USERNAME, **os.environ}
    environment = with_local_secrets(environment_of("mongo-express", variables), secrets_folder)
    return {
        **os.environ,
        **environment,
        "MONGO_HOSTS": database_host,
        "VCAP_APP_HOST": "127.0.0.1",  # the image listens on every interface of its container
        "PORT": str(port),
        "NODE_ENV": "production",
    }


def start_mongo_express(environment: dict[str, str]) -> subprocess.Popen:
    """Start Mongo Express through the compose entrypoint's wrapper; wait until it answers."""
    process = subprocess.Popen(
        ["sh", str(WITH_SECRETS), "node", str(installed(MONGO_EXPRESS))],
        cwd=MONGO_EXPRESS.parent,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # it prints its connection string, password included
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{environment['PORT']}/"
    password = Path(environment["ME_CONFIG_BASICAUTH_PASSWORD_FILE"]).read_text().strip()
    try:
        auth = (environment["ME_CONFIG_BASICAUTH_USERNAME"], password)
        wait_for_http(url, process, "Mongo Express", auth=auth)
    except BaseException:
        stop_process(process)
        raise
    return process


def main() -> int:
    var_dir = Path(os.environ.get("VAR_DIR", "var")).resolve()
    port = int(os.environ.get("ME_PORT", "8081"))
    try:
        database, local_secrets = secured_database(var_dir)
    except MongodUnavailable as reason:
        print(reason, file=sys.stderr)
        return 2
    first_time = not local_secrets.path("mongo_express_password").exists()
    for name in (
        "mongo_express_password",
        "mongo_express_session_secret",
        "mongo_express_cookie_secret",
    ):
        local_secrets.password(name)
    with ExitStack() as cleanup:
        try:
            database.member.hello()
        except PyMongoError:
            cleanup.enter_context(database)  # `make run` is not running: start it for us
        environment = mongo_express_environment(database.member.host, local_secrets.folder, port)
        process = start_mongo_express(environment)
        signal.signal(signal.SIGTERM, lambda *_: process.terminate())
        signal.signal(signal.SIGINT, lambda *_: process.terminate())
        print(f"Mongo Express on http://127.0.0.1:{port} as {INSPECTOR_USERNAME!r} (read-only)")
        if first_time:
            password = local_secrets.password("mongo_express_password")
            print(f"Sign in as {BASIC_AUTH_USERNAME!r} with the generated password: {password}")
            print("Keep it now; it will not be shown again.")
        else:
            print(f"Sign in as {BASIC_AUTH_USERNAME!r} with the password printed the first time.")
        sys.stdout.flush()
        return process.wait()


if __name__ == "__main__":
    sys.exit(main())
