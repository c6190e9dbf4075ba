"""Models shared by every endpoint's contract."""

from pydantic import BaseModel, ConfigDict, Field


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
