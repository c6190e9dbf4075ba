"""Errors a client can act on. Free of Flask, so the domain may raise them too;
``plumbing.error_handlers`` turns them into responses."""


class ApiError(Exception):
    """An error a client can act on, with a stable machine-readable code."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        details: list | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.details = details
        self.headers = headers or {}
