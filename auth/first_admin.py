"""The administrator ``flask init`` creates, so a new deployment can register its users."""

import secrets

from flask import current_app
from pydantic import ValidationError
from pymongo.client_session import ClientSession
from pymongo.database import Database

from auth.passwords import hash_password
from auth.schemas import NewUser
from auth.users import ADMIN, User, UsernameTaken, UserStore
from plumbing.audit import audit
from plumbing.commands import UnusableSetting


def create_first_admin(db: Database) -> str:
    """Create ADMIN_USERNAME unless it exists; never changes an existing account.

    Without ADMIN_PASSWORD a password is generated and shown once, in the returned message.
    """
    users, username = UserStore(db), current_app.config["ADMIN_USERNAME"]
    existing = users.find_by_username(username)
    if existing is not None:
        return f"User {username!r} already exists (role {existing.role}); left unchanged."
    configured = current_app.config["ADMIN_PASSWORD"]
    password = configured or secrets.token_urlsafe(18)
    try:
        admin = NewUser(username=username, password=password, role=ADMIN)
    except ValidationError as failure:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in failure.errors())
        raise UnusableSetting(f"ADMIN_USERNAME/ADMIN_PASSWORD are unusable: {problems}") from None

    def record(account: User, transaction: ClientSession) -> None:
        audit(
            "user.created",
            actor="flask init",
            transaction=transaction,
            target=account.username,
            role=ADMIN,
        )

    try:
        users.create(admin.username, hash_password(admin.password), ADMIN, record)
    except UsernameTaken:
        return f"User {username!r} was created concurrently; left unchanged."
    if configured:
        return f"Created admin user {username!r} with the password from ADMIN_PASSWORD."
    return (
        f"Created admin user {username!r} with generated password: {password}\n"
        "Keep it now: it is not stored anywhere readable and will not be shown again."
    )
