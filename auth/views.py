"""Logging in and finding out who you are."""

from flask import current_app

from auth import bp
from auth.guards import current_user, roles_required
from auth.passwords import verify_password
from auth.schemas import Identity, LoginRequest, TokenResponse
from auth.tokens import issue_access_token
from auth.users import ROLES, UserStore
from db import get_db
from errors import ApiError
from openapi.operation import operation


@bp.post("/auth/login")
@operation(tag="Authentication", response=TokenResponse, body=LoginRequest, errors=(400, 401))
def login(body: LoginRequest):
    """Exchange a username and password for an access token.

    A wrong password, an unknown user and a disabled account all get the same 401.
    """
    found = UserStore(get_db()).credentials(body.username)
    user, password_hash = found if found else (None, None)
    if not verify_password(password_hash, body.password) or user.disabled:
        raise ApiError(401, "invalid_credentials", "The username or password is incorrect.")
    ttl = current_app.config["ACCESS_TOKEN_TTL_SECONDS"]
    token = issue_access_token(str(user.id), current_app.config["SECRET_KEY"], ttl)
    return TokenResponse(access_token=token, expires_in=ttl)


@bp.get("/auth/me")
@roles_required(*ROLES)
@operation(tag="Authentication", response=Identity)
def me():
    """Return the caller's username and role."""
    user = current_user()
    return Identity(username=user.username, role=user.role)
