"""Who is calling: bearer-token authentication and role checks for views."""

import functools

import jwt
from flask import current_app, g, request

from auth.tokens import read_access_token
from auth.users import User, UserStore
from db import get_db
from errors import ApiError


def current_user() -> User:
    """The authenticated caller of this request."""
    return g.current_user


def authenticate() -> User:
    """Identify the caller from ``Authorization: Bearer <token>``; 401 if that fails.

    The account is loaded on every request, so disabling or deleting it takes effect at once.
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "missing_token", "Send an access token: Authorization: Bearer <token>.")
    try:
        user_id = read_access_token(token.strip(), current_app.config["SECRET_KEY"])
    except jwt.ExpiredSignatureError:
        raise ApiError(
            401, "token_expired", "The access token has expired; log in again."
        ) from None
    except jwt.InvalidTokenError:
        raise ApiError(401, "invalid_token", "The access token is not valid.") from None
    user = UserStore(get_db()).find_by_id(user_id)
    if user is None or user.disabled:
        raise ApiError(401, "invalid_token", "The access token's account is deleted or disabled.")
    return user


def roles_required(*roles: str):
    """Let a view run only for authenticated callers holding one of ``roles``."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = authenticate()
            if user.role not in roles:
                raise ApiError(
                    403, "forbidden", f"This endpoint is for the {' or '.join(roles)} role only."
                )
            g.current_user = user
            return view(*args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator
