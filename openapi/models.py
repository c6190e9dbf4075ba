"""Models shared by every endpoint's contract."""

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from plumbing.pagination import MAX_PAGE_SIZE

Item = TypeVar("Item", bound=BaseModel)


class StrictModel(BaseModel):
    """Accept exactly the documented types and fields: no coercion, no unknown keys."""

    model_config = ConfigDict(strict=True, extra="forbid")


class ErrorDetail(BaseModel):
    """One problem with the input."""

    field: str = Field(description="Dotted path of the offending field, e.g. leads.0.signal.3.")
    message: str


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: str = Field(description="Stable machine-readable code, e.g. validation_error.")
    message: str = Field(description="What went wrong, for a person.")
    details: list[ErrorDetail] | None = Field(None, description="Per-field problems, if any.")


class PageQuery(BaseModel):
    """Query parameters of a list endpoint."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(20, ge=1, le=MAX_PAGE_SIZE, description="Items per page.")
    cursor: str | None = Field(
        None, min_length=1, max_length=512, description="The next_cursor of the previous page."
    )


class Page(BaseModel, Generic[Item]):
    """One page of a list, in the list's documented order."""

    items: list[Item]
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page; null at the end."
    )
