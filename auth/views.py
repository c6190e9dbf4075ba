"""Logging in and out, renewing tokens, changing one's password, finding out who you are."""

from flask import Blueprint, current_app
from pymongo.client_session import ClientSession

from auth.guards import account_gone, current_session, current_user, roles_required
from auth.passwords import hash_password, verify_password
from auth.schemas import Identity, LoginRequest, PasswordChange, RefreshRequest, TokenResponse
from auth.sessions import Rotation, SessionStore
from auth.throttle import guarded_attempt, unknown_actor
from auth.tokens import ACCESS, REFRESH, issue_token, read_token
from auth.users import ROLES, User, UserStore
from openapi.operation import operation
from plumbing.audit import audit
from plumbing.database import get_db
from plumbing.errors import ApiError
from plumbing.transactions import in_transaction

TAG = "Authentication"
bp = Blueprint("auth", __name__, url_prefix="/api/v1")


def token_pair(user: User, session_id: str, refresh_id: str) -> TokenResponse:
    """A fresh access token and the session's current refresh token."""
    config = current_app.config
    access_ttl, refresh_ttl = (
        config["ACCESS_TOKEN_TTL_SECONDS"],
        config["REFRESH_TOKEN_TTL_SECONDS"],
    )
    user_id, secret = str(user.id), config["SECRET_KEY"]
    return TokenResponse(
        access_token=issue_token(ACCESS, user_id, session_id, secret, access_ttl),
        expires_in=access_ttl,
        refresh_token=issue_token(REFRESH, user_id, session_id, secret, refresh_ttl, refresh_id),
        refresh_expires_in=refresh_ttl,
    )


@bp.post("/auth/login")
@operation(tag=TAG, response=TokenResponse, body=LoginRequest, errors=(401, 429, 503))
def login(body: LoginRequest):
    """Exchange a username and password for an access token and a refresh token.

    A wrong password, an unknown user and a disabled account all get the same 401. Failures
    are limited per account and address, per address, and per account from addresses it never
    logged in from (LOGIN_FAILURES_PER_MINUTE, ..._PER_ADDRESS_..., ..._PER_ACCOUNT_...); past
    a limit, logins there get 429 with Retry-After until the minute is over, even with the
    right password, while the owner at a known address still gets in.
    """
    found = UserStore(get_db()).credentials(body.username)
    user, password_hash = found if found else (None, None)
    # The account's own spelling, however the name was typed (the counters ignore case).
    username = user.username if user else body.username[:64]

    lifetime = current_app.config["REFRESH_TOKEN_TTL_SECONDS"]

    def open_session(transaction: ClientSession) -> tuple[str, str] | None:
        # Only for the account as it was checked: the password checked may have been changed
        # or the account disabled meanwhile, ending every session but this one.
        if not UserStore(get_db()).signs_in(user.id, password_hash, transaction):
            return None
        started = SessionStore(get_db()).start(user.id, lifetime, transaction)
        audit(
            "login.succeeded",
            transaction=transaction,
            actor=user.username,
            password_reset_pending=user.password_reset_pending,
        )
        return started

    opened = None

    def password_is_right() -> bool:
        """The check the throttle counts: a login that lost a race with a password change
        counts as the failure it is, not as a success."""
        nonlocal opened
        if not (verify_password(password_hash, body.password) and not user.disabled):
            return False
        opened = in_transaction(get_db(), open_session)
        return opened is not None

    if not guarded_attempt(get_db(), "login", username, password_is_right, exists=user is not None):
        actor = {"actor": username} if user else unknown_actor()
        audit("login.failed", outcome="failure", **actor)
        raise ApiError(401, "invalid_credentials", "The username or password is incorrect.")
    session_id, refresh_id = opened
    return token_pair(user, session_id, refresh_id)


@bp.post("/auth/refresh")
@operation(tag=TAG, response=TokenResponse, body=RefreshRequest, errors=(400, 401, 503))
def refresh(body: RefreshRequest):
    """Trade a refresh token for a new access and refresh token; the old one stops working.

    Presenting a refresh token that was already used ends its whole session, the newer refresh
    token included: a replayed token means it was stolen.
    """
    invalid = ApiError(401, "invalid_token", "The refresh token is not valid; log in again.")
    try:
        claims = read_token(body.refresh_token, current_app.config["SECRET_KEY"], REFRESH)
    except Exception:  # any decoding failure, expired included
        raise invalid from None
    user = UserStore(get_db()).find_by_id(claims.user_id)
    if user is None or user.disabled:
        raise invalid
    lifetime = current_app.config["REFRESH_TOKEN_TTL_SECONDS"]
    outcome, refresh_id = SessionStore(get_db()).rotate(
        claims.session_id, user.id, claims.token_id, lifetime
    )
    if outcome is Rotation.REUSED:
        audit("token.reuse_detected", actor=user.username, outcome="failure")
        raise ApiError(
            401,
            "refresh_token_reused",
            "This refresh token was already used; its session has been ended. Log in again.",
        )
    if outcome is Rotation.UNKNOWN:
        raise invalid
    audit("token.refreshed", actor=user.username)
    return token_pair(user, claims.session_id, refresh_id)


@bp.post("/auth/logout")
@roles_required(*ROLES, open_during_reset=True)
@operation(tag=TAG, status=204)
def logout():
    """End the caller's session: its access and refresh tokens stop working at once."""
    SessionStore(get_db()).end(current_session())
    audit("session.ended")


@bp.post("/auth/password")
@roles_required(*ROLES, open_during_reset=True)
@operation(tag=TAG, status=204, body=PasswordChange, errors=(400, 403, 429))
def change_password(body: PasswordChange):
    """Change the caller's password; every other session of the account ends.

    While the password is one an administrator set (a new account's, or a reset one) this is
    the only thing the account can do, and the new password must differ from it: the
    administrator knows it. Wrong current passwords are limited as failed logins are.
    """
    user = current_user()
    found = UserStore(get_db()).credentials(user.username)
    if found is None:  # deleted since this request was authenticated
        raise account_gone()
    _, password_hash = found

    def password_is_right() -> bool:
        return verify_password(password_hash, body.current_password)

    if not guarded_attempt(get_db(), "password", user.username, password_is_right):
        audit("password.changed", outcome="failure")
        raise ApiError(403, "wrong_password", "The current password is incorrect.")
    if user.password_reset_pending and body.new_password == body.current_password:
        raise ApiError(
            400,
            "same_password",
            "The new password must differ from the one an administrator set, which they know.",
        )
    changes = {"password_hash": hash_password(body.new_password), "password_reset_pending": False}

    def end_other_sessions(account: User, transaction: ClientSession) -> None:
        ended = SessionStore(get_db()).end_all(account.id, current_session(), transaction)
        audit(
            "password.changed",
            transaction=transaction,
            other_sessions_ended=ended,
            completed_reset=user.password_reset_pending,
        )

    # The new password, the end of the other sessions and the audit entry commit together.
    UserStore(get_db()).update(user.username, changes, end_other_sessions)


@bp.get("/auth/me")
@roles_required(*ROLES, open_during_reset=True)
@operation(tag=TAG, response=Identity)
def me():
    """Return the caller's username and role."""
    user = current_user()
    return Identity(
        username=user.username,
        role=user.role,
        password_change_required=user.password_reset_pending,
    )
