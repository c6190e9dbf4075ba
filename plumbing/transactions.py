"""Several writes as one MongoDB transaction (no Flask here: the domain uses it too)."""

from collections.abc import Callable
from typing import TypeVar

from pymongo.client_session import ClientSession
from pymongo.database import Database

Result = TypeVar("Result")


def in_transaction(db: Database, work: Callable[[ClientSession], Result]) -> Result:
    """``work(session)`` as one transaction: all its writes commit together or none does. The
    driver runs it again after a transient error (a conflicting write, an election), so it
    must only write through ``session``."""
    with db.client.start_session() as session:
        return session.with_transaction(work)
