"""Several writes as one MongoDB transaction (no Flask here: the domain uses it too)."""

from collections.abc import Callable
from typing import TypeVar

import pymongo
from pymongo.client_session import ClientSession
from pymongo.database import Database

Result = TypeVar("Result")
# Writes something about a deletion (its audit entry) in the transaction that deletes.
Erasure = Callable[[ClientSession], None]
# How long one transaction may take, its retries included. They write a few small documents,
# in milliseconds; without a budget the driver would retry a conflict, an election or a lost
# database for 120 s, holding the worker. Past it the driver gives up with an ExecutionTimeout
# labelled as a transaction error, which the service answers with 503.
TRANSACTION_SECONDS = 10.0


def in_transaction(
    db: Database, work: Callable[[ClientSession], Result], seconds: float | None = None
) -> Result:
    """``work(session)`` as one transaction: all its writes commit together or none does. The
    driver runs it again after a transient error (a conflicting write, an election), within
    ``seconds`` (TRANSACTION_SECONDS by default), so it must only write through ``session``."""
    budget = TRANSACTION_SECONDS if seconds is None else seconds
    with pymongo.timeout(budget), db.client.start_session() as session:
        return session.with_transaction(work)
