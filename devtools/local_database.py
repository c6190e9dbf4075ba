"""The database `make run` and `make inspect` use when MONGODB_URI is unset.

A one-member replica set with authentication on, its volume initialised as the compose stack's
is (the same docker/mongo-init/ scripts, see devtools.mongo_image), so the service runs locally
as the restricted user it runs as in production. Data and secrets live under VAR_DIR: the
database in db/, generated passwords and the replica set's key in mongo/, each readable by its
owner only.
"""

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from devtools.mongo_image import initialise_volume
from devtools.mongodb import LocalDatabase

ROOT_USERNAME = "root"
SERVICE_USERNAME = "ecg"
INIT_USERNAME = "ecg-init"
INSPECTOR_USERNAME = "inspector"


def stored_secret(path: Path, generate=lambda: secrets.token_urlsafe(32), mode: int = 0o600):
    """The secret kept in ``path``, created (readable by the owner only) on first use."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as secret_file:
            secret_file.write(generate())
        path.chmod(mode)
    return path.read_text().strip()


def replica_set_key() -> str:
    """A key file's content: base64 only (mongod refuses other characters), 1008 characters."""
    return base64.b64encode(secrets.token_bytes(756)).decode()


@dataclass(frozen=True)
class LocalSecrets:
    """Where the generated secrets are, and the passwords themselves."""

    folder: Path

    def path(self, name: str) -> Path:
        return self.folder / name

    def password(self, name: str) -> str:
        return stored_secret(self.path(name))

    def environment(self) -> dict[str, str]:
        """What the init scripts read, as the compose stack passes it (files, not values)."""
        self.password("ecg_db_password")
        self.password("ecg_init_db_password")
        self.password("inspector_db_password")
        return {
            "ECG_DB_USERNAME": SERVICE_USERNAME,
            "ECG_DB_PASSWORD_FILE": str(self.path("ecg_db_password")),
            "ECG_INIT_DB_USERNAME": INIT_USERNAME,
            "ECG_INIT_DB_PASSWORD_FILE": str(self.path("ecg_init_db_password")),
            "INSPECTOR_DB_USERNAME": INSPECTOR_USERNAME,
            "INSPECTOR_DB_PASSWORD_FILE": str(self.path("inspector_db_password")),
        }


def secured_database(var_dir: Path) -> tuple[LocalDatabase, LocalSecrets]:
    """The local database, its volume initialised on first use; start it with ``start()``."""
    local_secrets = LocalSecrets(var_dir / "mongo")
    root_password = local_secrets.password("mongo_root_password")
    stored_secret(local_secrets.path("mongo_replica_key"), replica_set_key, mode=0o400)
    initialise_volume(
        var_dir / "db", ROOT_USERNAME, root_password, {**os.environ, **local_secrets.environment()}
    )
    database = LocalDatabase(
        var_dir / "db",
        key_file=local_secrets.path("mongo_replica_key"),
        root=(ROOT_USERNAME, root_password),
    )
    return database, local_secrets


def service_environment(database: LocalDatabase, local_secrets: LocalSecrets) -> dict[str, str]:
    """How the app reaches the local database: as the restricted service user."""
    return user_environment(database, SERVICE_USERNAME, local_secrets.path("ecg_db_password"))


def init_environment(database: LocalDatabase, local_secrets: LocalSecrets) -> dict[str, str]:
    """How `flask init` reaches it: as the user that may also create indexes."""
    return user_environment(database, INIT_USERNAME, local_secrets.path("ecg_init_db_password"))


def user_environment(database: LocalDatabase, username: str, password_file: Path) -> dict[str, str]:
    uri = database.uri_for("ecg", username) + "&authSource=ecg"
    return {"MONGODB_URI": uri, "MONGODB_PASSWORD_FILE": str(password_file)}
