"""Who is calling: bearer-token authentication and role checks for views."""

import functools

import jwt
from flask import current_app, g, request

from auth.sessions import SessionStore
from auth.tokens import ACCESS, read_token
from auth.users import User, account_id, user_from_document
from plumbing.database import get_db
from plumbing.errors import ApiError


def current_user() -> User:
    """The authenticated caller of this request."""
    return g.current_user


def current_session() -> str:
    """The id of the session the caller's access token belongs to."""
    return g.session_id


def authenticate() -> tuple[User, str]:
    """Identify the caller and session from ``Authorization: Bearer <token>``; 401 if that fails.

    The account and the session are checked on every request, so disabling or deleting the
    account, or ending the session, takes effect at once.
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "missing_token", "Send an access token: Authorization: Bearer <token>.")
    try:
        claims = read_token(token.strip(), current_app.config["SECRET_KEY"], ACCESS)
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "token_expired", "The access token has expired; refresh it.") from None
    except jwt.InvalidTokenError:
        raise ApiError(401, "invalid_token", "The access token is not valid.") from None
    gone = account_gone()
    user_id = account_id(claims.user_id)
    if user_id is None:
        raise gone
    account, session_is_live = SessionStore(get_db()).account_and_session(
        user_id, claims.session_id
    )
    user = user_from_document(account) if account else None
    if user is None or user.disabled:
        raise gone
    if not session_is_live:
        raise ApiError(401, "session_ended", "The session has ended; log in again.")
    return user, claims.session_id


def account_gone() -> ApiError:
    return ApiError(401, "invalid_token", "The access token's account is deleted or disabled.")


def roles_required(*roles: str, open_during_reset: bool = False):
    """Let a view run only for authenticated callers holding one of ``roles``.

    An account whose password an administrator chose (creating the account or resetting its
    password) may use only the views marked ``open_during_reset`` (choosing its new password,
    logging out, who am I) until its owner has chosen one: the administrator's password must not
    open anything else.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user, session_id = authenticate()
            if user.role not in roles:
                raise ApiError(
                    403, "forbidden", f"This endpoint is for the {' or '.join(roles)} role only."
                )
            if user.password_reset_pending and not open_during_reset:
                raise ApiError(
                    403,
                    "password_change_required",
                    "An administrator set this account's password (creating the account or "
                    "resetting it): choose your own with POST /api/v1/auth/password first.",
                )
            g.current_user, g.session_id = user, session_id
            return view(*args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator
