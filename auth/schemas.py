"""The JSON the authentication and user-administration endpoints accept and return."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from auth.users import USERNAME_PATTERN, User
from openapi.models import StrictModel, stated_rule

Username = Annotated[
    str,
    Field(pattern=USERNAME_PATTERN, examples=["dr.jones"]),
    stated_rule("usernames are 3 to 64 letters, digits, '_', '.' or '-'"),
]
Password = Annotated[str, Field(min_length=8, max_length=256)]
Role = Literal["user", "admin"]


class LoginRequest(StrictModel):
    """Credentials; any string is accepted so that a bad one is a plain 401."""

    username: str = Field(max_length=256)
    password: str = Field(max_length=256)


class TokenResponse(BaseModel):
    """A bearer access token for the Authorization header, and a refresh token to renew it."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str = Field(description="Single use: POST it to /auth/refresh for a new pair.")
    refresh_expires_in: int = Field(description="Seconds until the refresh token expires.")


class RefreshRequest(StrictModel):
    """A refresh token from login or from the previous refresh."""

    refresh_token: str = Field(max_length=4096)


class PasswordChange(StrictModel):
    """The caller's current password and the new one."""

    current_password: str = Field(max_length=256)
    new_password: Password


class Identity(BaseModel):
    """The caller."""

    username: str
    role: Role
    password_change_required: bool = Field(
        description="An administrator set the password (created the account or reset it): "
        "only POST /auth/password, /auth/me and logout are open until the owner chooses one."
    )


class NewUser(StrictModel):
    """An account to create."""

    username: Username
    password: Password
    role: Role = "user"


def _without_default(schema: dict) -> None:
    schema.pop("default", None)


# Absent means unchanged, and null is not a value such a field can take: the schema shows no
# default rather than a null that its own type would refuse.
UNCHANGED_IF_ABSENT = {
    "default": None,
    "validate_default": False,
    "json_schema_extra": _without_default,
}


class UserChanges(StrictModel):
    """Fields of an account to change; at least one."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    disabled: bool = Field(**UNCHANGED_IF_ABSENT)
    password: Password = Field(**UNCHANGED_IF_ABSENT)
    role: Role = Field(**UNCHANGED_IF_ABSENT)

    @model_validator(mode="after")
    def _changes_something(self):
        if not self.model_dump(exclude_none=True):
            raise ValueError("give at least one of disabled, password, role")
        return self


class UserOut(BaseModel):
    """An account as administrators see it (never its password hash)."""

    username: str
    role: Role
    disabled: bool
    created_at: datetime
    reset_pending: bool = Field(
        description="The password is one an administrator set (at creation or in a reset); "
        "the owner has not chosen their own."
    )

    @classmethod
    def from_user(cls, user: User) -> "UserOut":
        return cls(
            username=user.username,
            role=user.role,
            disabled=user.disabled,
            created_at=user.created_at,
            reset_pending=user.password_reset_pending,
        )
