"""Models shared by every endpoint's contract."""

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WrapValidator
from pydantic_core import PydanticCustomError

from plumbing.pagination import MAX_PAGE_SIZE

Item = TypeVar("Item", bound=BaseModel)


class StrictModel(BaseModel):
    """Accept exactly the documented types and fields: no coercion, no unknown keys."""

    model_config = ConfigDict(strict=True, extra="forbid")


def stated_rule(rule: str) -> WrapValidator:
    """Placed after a Field with a ``pattern``: a value that does not match it is told ``rule``
    instead of pydantic's message, which quotes the regular expression. Other errors stay."""

    def validate(value, handler):
        try:
            return handler(value)
        except ValidationError as failure:
            if any(error["type"] == "string_pattern_mismatch" for error in failure.errors()):
                raise PydanticCustomError("string_pattern_mismatch", rule) from None
            raise

    return WrapValidator(validate)


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
