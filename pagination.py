"""Cursor pagination shared by every list endpoint."""

import base64
import binascii
import json

from pydantic import BaseModel, ConfigDict, Field

from errors import ApiError

MAX_PAGE_SIZE = 100


class PageQuery(BaseModel):
    """Query parameters of a list endpoint."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(20, ge=1, le=MAX_PAGE_SIZE, description="Items per page.")
    cursor: str | None = Field(
        None, max_length=512, description="The next_cursor of the previous page."
    )


def encode_cursor(*position: str) -> str:
    """Make an opaque cursor from the sort key of the last item on a page."""
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


def decode_cursor(cursor: str, length: int) -> list[str]:
    """Recover the sort key from a cursor made by ``encode_cursor``; 400 if it was tampered with."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeError):
        position = None
    valid = (
        isinstance(position, list)
        and len(position) == length
        and all(isinstance(part, str) for part in position)
    )
    if not valid:
        raise invalid_cursor()
    return position


def invalid_cursor() -> ApiError:
    """The error for a cursor this API did not make."""
    return ApiError(400, "invalid_cursor", "The cursor is not one this API returned.")
