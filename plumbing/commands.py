"""Flask CLI commands: ``init`` (indexes and the first admin), ``sweep`` (clean-up for cron) and
``reanalyse`` (insights of older analyses brought up to date).

What they act on is handed in by the factory, so this package imports no blueprint.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import click
from flask import Flask
from flask.cli import with_appcontext
from pymongo.database import Database
from pymongo.errors import OperationFailure

from plumbing.audit import audit
from plumbing.database import get_db


class IndexedStore(Protocol):
    """A store built on a database that knows the indexes its queries rely on."""

    def __init__(self, db: Database): ...

    def ensure_indexes(self) -> None: ...


class UnusableSetting(ValueError):
    """A setting ``init`` needs cannot be used; the message names it."""


class DataNeedsAttention(Exception):
    """Stored data ``init`` cannot bring under a rule by itself; the message says what to do."""


@dataclass(frozen=True)
class Maintenance:
    """What the commands maintain."""

    stores: Sequence[type[IndexedStore]]
    # Creates the first administrator if missing; returns what to tell the operator.
    create_first_admin: Callable[[Database], str]
    # Removes what crashed uploads left behind, and ECGs whose account was deleted while they
    # were uploading; returns how many signal chunks and how many ECGs went.
    sweep_orphans: Callable[[Database], tuple[int, int]]
    # Recomputes the insights an older analysis made, reporting (count, ECG id) as it goes;
    # returns how many ECGs it brought up to date.
    reanalyse: Callable[[Database, Callable[[int, str], None]], int]


INDEX_OPTIONS_CONFLICT = 85


def index_changed(failure: OperationFailure) -> str:
    """What to do when an index exists with options other than init's: a changed
    AUDIT_RETENTION_DAYS (the audit trail's TTL index) is the one setting that does it."""
    return (
        f"An index exists with other options than init gives it ({failure.details.get('errmsg')}). "
        "If AUDIT_RETENTION_DAYS changed, set the audit trail's retention as a database "
        'administrator: db.runCommand({collMod: "audit", index: {keyPattern: {at: 1}, '
        "expireAfterSeconds: DAYS * 86400}}), then run init again."
    )


def register_commands(app: Flask, maintenance: Maintenance) -> None:
    """Make the commands available as ``flask --app app <command>``."""

    @app.cli.command("init")
    @with_appcontext
    def init_command() -> None:
        """Create the indexes and the admin user; safe to repeat, never deletes or changes data."""
        db = get_db()
        try:
            for store in maintenance.stores:
                store(db).ensure_indexes()
        except DataNeedsAttention as problem:
            raise click.ClickException(str(problem)) from None
        except OperationFailure as failure:
            if failure.code != INDEX_OPTIONS_CONFLICT:
                raise
            raise click.ClickException(index_changed(failure)) from None
        click.echo("Indexes are in place.")
        try:
            click.echo(maintenance.create_first_admin(db))
        except UnusableSetting as problem:
            raise click.ClickException(str(problem)) from None

    @app.cli.command("sweep")
    @with_appcontext
    def sweep_command() -> None:
        """Delete signal chunks left by uploads that crashed before completing, and ECGs whose
        account was deleted during their upload (run from cron)."""
        chunks, ecgs = maintenance.sweep_orphans(get_db())
        if ecgs:
            audit("ecg.deleted", actor="flask sweep", ecgs_of_deleted_accounts=ecgs)
        click.echo(f"Removed {chunks} orphaned signal chunks and {ecgs} ECGs of deleted accounts.")

    @app.cli.command("reanalyse")
    @with_appcontext
    def reanalyse_command() -> None:
        """Bring every stored ECG's insights up to the current analysis (resumable: run again)."""

        def progress(done: int, ecg_id: str) -> None:
            if done == 1 or done % 100 == 0:
                click.echo(f"Re-analysed {done} ECGs (latest: {ecg_id}).")

        done = maintenance.reanalyse(get_db(), progress)
        if done:
            audit("ecg.reanalysed", actor="flask reanalyse", ecgs=done)
        click.echo(f"Re-analysis done: {done} ECGs brought up to date.")
