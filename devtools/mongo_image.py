"""What the official mongo image does with the compose files, done here with the same files:
its first start on an empty volume (the root user, then docker/mongo-init/), and the health
check (docker/mongo/healthcheck.js), which initiates the replica set.

`make run` and the compose rehearsal test both start their database this way.
"""

from pathlib import Path

from devtools.mongodb import Mongod
from devtools.node_tools import run_mongosh
from devtools.processes import PROJECT_ROOT
from devtools.waiting import free_port

INIT_SCRIPTS = PROJECT_ROOT / "docker" / "mongo-init"
HEALTH_CHECK = PROJECT_ROOT / "docker" / "mongo" / "healthcheck.js"


def initialise_volume(
    storage_path: Path, root_username: str, root_password: str, environment: dict[str, str]
) -> None:
    """The image's first start, which runs only on an empty data directory.

    A temporary mongod on loopback without --replSet or authentication; the root user created in
    admin; every docker/mongo-init/*.js run by mongosh in name order (bash's glob order) against
    MONGO_INITDB_DATABASE (default "test"); then the temporary server stops.
    """
    if any(storage_path.glob("WiredTiger*")):
        return  # as the image does: an initialised volume is never initialised again
    temporary = Mongod(storage_path, free_port(), replica_set=None).start()
    try:
        with temporary.client() as client:
            roles = [{"role": "root", "db": "admin"}]
            client.admin.command("createUser", root_username, pwd=root_password, roles=roles)
        database = environment.get("MONGO_INITDB_DATABASE", "test")
        for script in sorted(INIT_SCRIPTS.iterdir()):
            if script.suffix != ".js":
                raise RuntimeError(f"only .js init scripts are rehearsed here, not {script.name}")
            target = f"mongodb://{temporary.host}/{database}?directConnection=true"
            finished = run_mongosh([target, str(script)], environment)
            if finished.returncode != 0:
                raise RuntimeError(f"{script.name} failed: {finished.stdout}{finished.stderr}")
    finally:
        temporary.stop()


def health_check(member: Mongod, environment: dict[str, str]) -> bool:
    """Run the compose health check against ``member``; True when it says healthy."""
    probe = {**environment, "MONGO_HEALTHCHECK_ADDRESS": member.host}
    return run_mongosh(["--nodb", "--file", str(HEALTH_CHECK)], probe).returncode == 0
