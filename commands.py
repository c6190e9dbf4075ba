"""Flask CLI commands."""

import secrets

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from pydantic import ValidationError

from audit import AuditLog
from auth.passwords import hash_password
from auth.schemas import NewUser
from auth.sessions import SessionStore
from auth.users import ADMIN, UsernameTaken, UserStore
from db import get_db
from ecg.store import EcgStore
from rate_limits import RateLimits


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the indexes and the admin user; safe to repeat, never deletes or changes data."""
    db = get_db()
    users = UserStore(db)
    users.ensure_indexes()
    SessionStore(db).ensure_indexes()
    AuditLog(db).ensure_indexes()
    RateLimits(db).ensure_indexes()
    EcgStore(db).ensure_indexes()
    click.echo("Indexes are in place.")

    username = current_app.config["ADMIN_USERNAME"]
    existing = users.find_by_username(username)
    if existing is not None:
        click.echo(f"User {username!r} already exists (role {existing.role}); left unchanged.")
        return
    password = current_app.config["ADMIN_PASSWORD"] or secrets.token_urlsafe(18)
    try:
        admin = NewUser(username=username, password=password, role=ADMIN)
    except ValidationError as failure:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in failure.errors())
        raise click.ClickException(
            f"ADMIN_USERNAME/ADMIN_PASSWORD are unusable: {problems}"
        ) from None
    try:
        users.create(admin.username, hash_password(admin.password), ADMIN)
    except UsernameTaken:
        click.echo(f"User {username!r} was created concurrently; left unchanged.")
        return
    if current_app.config["ADMIN_PASSWORD"]:
        click.echo(f"Created admin user {username!r} with the password from ADMIN_PASSWORD.")
    else:
        click.echo(f"Created admin user {username!r} with generated password: {password}")
        click.echo("Keep it now: it is not stored anywhere readable and will not be shown again.")


@click.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Delete signal chunks left by uploads that crashed before completing (run it from cron)."""
    removed = EcgStore(get_db()).sweep_orphan_chunks()
    click.echo(f"Removed {removed} orphaned signal chunks.")


def register_commands(app: Flask) -> None:
    """Make the commands available as ``flask --app app <command>``."""
    app.cli.add_command(init_command)
    app.cli.add_command(sweep_command)
