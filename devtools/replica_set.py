"""A three-member replica set on loopback, for tests that take its primary away."""

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pymongo.errors import PyMongoError

from devtools.mongodb import REPLICA_SET, Mongod, initiate
from devtools.waiting import STARTUP_TIMEOUT_SECONDS, free_port


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports on loopback."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:  # the kernel may hand out a just-released port again
            ports.append(port)
    return ports


class ReplicaSet:
    """Three mongod members on loopback, each storing its data in a folder under ``folder``."""

    def __init__(self, folder: Path):
        folder = Path(folder)
        self.members = [
            Mongod(folder / f"member-{index}", port) for index, port in enumerate(free_ports(3))
        ]

    @property
    def uri(self) -> str:
        return self.uri_for("ecg")

    def uri_for(self, database: str) -> str:
        """The URI of ``database`` on this set, naming every member."""
        hosts = ",".join(member.host for member in self.members)
        return f"mongodb://{hosts}/{database}?replicaSet={REPLICA_SET}"

    def start(self) -> "ReplicaSet":
        """Start the members, initiate the set, and wait for a primary and caught-up secondaries."""
        try:
            for member in self.members:
                member.start()
            initiate(self.members, self.members[0])
            self.primary()
            # A member still in initial sync can neither vote a new primary in nor acknowledge a
            # majority write, so a set is only ready to lose its primary once all are secondaries.
            for member in self.members:
                member.wait_until(
                    lambda hello: hello.get("isWritablePrimary") or hello.get("secondary"),
                    "become primary or secondary",
                )
        except BaseException:
            self.stop()
            raise
        return self

    def primary(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> Mongod:
        """The running member that is writable primary, waiting (up to ``timeout``) for one."""
        deadline = time.monotonic() + timeout
        while True:
            for member in self.running():
                try:
                    if member.hello().get("isWritablePrimary"):
                        return member
                except PyMongoError:
                    pass  # busy or between states: ask again
            if time.monotonic() > deadline:
                raise RuntimeError(f"no member of {self.uri} became primary within {timeout:.0f} s")
            time.sleep(0.1)

    def running(self) -> list[Mongod]:
        """The members whose process is alive."""
        return [
            member
            for member in self.members
            if member.process is not None and member.process.poll() is None
        ]

    def stop(self) -> None:
        """Stop the members, all at once."""
        # Each member spends up to 15 s quiescing (shutdownTimeoutMillisForSignaledShutdown)
        # before it exits; one after another, that is most of a test's run.
        with ThreadPoolExecutor(len(self.members)) as pool:
            for stopped in [pool.submit(member.stop) for member in self.members]:
                stopped.result()

    def __enter__(self) -> "ReplicaSet":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
