"""User administration, for the admin role only."""

from flask import Blueprint, url_for
from pymongo.client_session import ClientSession

from auth.guards import current_user, roles_required
from auth.passwords import hash_password
from auth.schemas import NewUser, UserChanges, UserOut
from auth.sessions import SessionStore
from auth.users import ADMIN, USER, LastAdmin, Record, User, UsernameTaken, UserStore
from openapi.models import Page, PageQuery
from openapi.operation import operation
from plumbing.audit import audit
from plumbing.database import get_db
from plumbing.errors import ApiError
from recordings.store import EcgStore

TAG = "Users (admin)"
bp = Blueprint("users", __name__, url_prefix="/api/v1")


def users() -> UserStore:
    return UserStore(get_db())


def user_not_found(username: str) -> ApiError:
    return ApiError(404, "user_not_found", f"There is no user {username!r}.")


def existing_user(username: str) -> User:
    """The named account, or 404."""
    user = users().find_by_username(username)
    if user is None:
        raise user_not_found(username)
    return user


def refuse_self_lockout(user: User) -> None:
    """Refuse to let admins disable, demote or delete themselves, so the last admin stays
    (compared by account, not by the name in the URL, which may be spelt in another case)."""
    if user.id == current_user().id:
        raise ApiError(
            409, "self_lockout", "Administrators cannot disable, demote or delete themselves."
        )


def end_sessions(account: User, transaction: ClientSession) -> None:
    SessionStore(get_db()).end_all(account.id, transaction=transaction)


def recorded_change(fields: list[str], **details) -> Record:
    """What an account change writes in its transaction: the end of the account's sessions
    when its access changed (tokens issued under the old role, password or state must not
    outlive it), and its user.changed entry."""

    def record(account: User, transaction: ClientSession) -> None:
        if {"disabled", "role", "password"} & set(fields):
            end_sessions(account, transaction)
        audit(
            "user.changed",
            transaction=transaction,
            target=account.username,
            fields=fields,
            role=account.role,
            disabled=account.disabled,
            password_reset=("password" in fields),
            **details,
        )

    return record


def no_admin_left() -> ApiError:
    return ApiError(409, "last_admin", "The change would leave no enabled administrator.")


def changed(user: User, changes: dict, record: Record | None = None) -> User:
    """The account with ``changes`` applied (and ``record`` written in the same transaction);
    409 if they would leave no enabled admin (two admins removing each other at once: the
    later is refused), 404 if it was deleted meanwhile."""
    try:
        updated = users().update(user.username, changes, record)
    except LastAdmin:
        raise no_admin_left() from None
    if updated is None:
        raise user_not_found(user.username)
    return updated


@bp.post("/users")
@roles_required(ADMIN)
@operation(tag=TAG, status=201, response=UserOut, body=NewUser, errors=(400, 409, 415))
def create_user(body: NewUser):
    """Register a user (role "user" unless given).

    The password given is temporary: like a reset one, it opens only the choice of the owner's
    own, so the administrator who chose it reads no ECG with it.
    """

    def record(account: User, transaction: ClientSession) -> None:
        audit("user.created", transaction=transaction, target=account.username, role=account.role)

    try:
        user = users().create(
            body.username, hash_password(body.password), body.role, record, temporary_password=True
        )
    except UsernameTaken:
        raise ApiError(409, "username_taken", f"The username {body.username!r} is taken.") from None
    location = url_for(".get_user", username=user.username)
    return UserOut.from_user(user), {"Location": location}


@bp.get("/users")
@roles_required(ADMIN)
@operation(tag=TAG, response=Page[UserOut], query=PageQuery, errors=(400,))
def list_users(query: PageQuery):
    """List accounts in username order, a page at a time."""
    accounts, next_cursor = users().page(query.limit, query.cursor)
    return Page[UserOut](items=[UserOut.from_user(u) for u in accounts], next_cursor=next_cursor)


@bp.get("/users/<username>")
@roles_required(ADMIN)
@operation(tag=TAG, response=UserOut, errors=(404,))
def get_user(username: str):
    """Return one account."""
    return UserOut.from_user(existing_user(username))


@bp.patch("/users/<username>")
@roles_required(ADMIN)
@operation(tag=TAG, response=UserOut, body=UserChanges, errors=(400, 404, 409, 415))
def change_user(username: str, body: UserChanges):
    """Enable or disable an account, reset its password or change its role.

    Any of these ends every session of the account: its tokens stop working at once.
    """
    target = existing_user(username)
    changes = body.model_dump(exclude_none=True)
    if changes.get("disabled") is True or changes.get("role") == USER:
        refuse_self_lockout(target)
    if "password" in changes:
        # A reset password only opens the choice of a new one (see roles_required): knowing it
        # reads no ECG; an administrator who went on to choose one would be audited doing so.
        changes["password_hash"] = hash_password(changes.pop("password"))
        changes["password_reset_pending"] = True
    fields = sorted(body.model_dump(exclude_none=True))
    return UserOut.from_user(changed(target, changes, recorded_change(fields)))


@bp.delete("/users/<username>")
@roles_required(ADMIN)
@operation(tag=TAG, status=204, errors=(404, 409))
def delete_user(username: str):
    """Delete an account and every ECG it uploaded."""
    user = existing_user(username)
    refuse_self_lockout(user)
    # Disable first so the account's tokens stop working before its data starts disappearing;
    # each step is idempotent, so a retry after a failure finishes the job. The account goes
    # last, in one transaction with its audit entry.
    changed(user, {"disabled": True}, recorded_change(["disabled"], before_deletion=True))
    deleted_ecgs = EcgStore(get_db()).delete_all_of(user.id)

    def record(transaction: ClientSession) -> None:
        audit(
            "user.deleted", transaction=transaction, target=user.username, ecgs_deleted=deleted_ecgs
        )

    try:
        users().delete(user.username, record)
    except LastAdmin:  # enabled again, and the others removed, since it was disabled
        raise no_admin_left() from None
