"""What a view accepts and returns, declared once: to validate, to serialize and to document."""

import functools
from dataclasses import dataclass
from typing import TypeVar

from flask import current_app, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from plumbing.errors import ApiError

MAX_ERROR_DETAILS = 20
# A body that is not an ECG needs kilobytes: credentials, a token, an account's fields.
DEFAULT_MAX_BODY_BYTES = 16 * 1024
# One read holds a body about three times over at its peak, where get_data's pieces hold it
# twice: a longer body (a long recording's JSON, a hostile one) is read in those pieces.
ONE_READ_BYTES = 1 << 20

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class Operation:
    """The contract of one view, read by the OpenAPI document builder."""

    status: int
    response: type[BaseModel] | None
    body: type[BaseModel] | None
    form: type[BaseModel] | None
    query: type[BaseModel] | None
    errors: tuple[int, ...]
    tag: str
    media_type: str | None


def operation(
    *,
    tag: str,
    status: int = 200,
    response: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    form: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    media_type: str | None = None,
):
    """Validate the JSON body and query into ``body=``/``query=``; serialize the returned model.

    Without ``query``, any query parameter is a 400, as one the model does not know is.

    With ``form``, a multipart/form-data request is accepted too: its fields are validated into
    ``form=`` (``body=`` is then None, and vice versa); its files stay in ``request.files``.
    Bodies are capped by their model's ``max_body`` (see ``body_limit``).
    The view returns a ``response`` model instance, optionally with a dict of headers, or None
    when ``response`` is None (204-style responses), or, with ``media_type``, a Flask Response
    whose body is of that type (several, comma-separated, when a query chooses among them).
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            # The query first: refused, the body is never read.
            if query is not None:
                kwargs["query"] = parse_query(query)
            else:
                refuse_any_query()
            if form is not None:
                is_form = request.mimetype == "multipart/form-data"
                kwargs["form"] = parse_form(form) if is_form else None
                kwargs["body"] = None if is_form else parse_json_body(body)
            elif body is not None:
                kwargs["body"] = parse_json_body(body)
            result = view(*args, **kwargs)
            if media_type is not None:
                return result
            result, headers = result if isinstance(result, tuple) else (result, {})
            if response is None:
                return no_content(status, headers)
            return result.model_dump(mode="json"), status, headers

        wrapper.operation = Operation(
            status, response, body, form, query, tuple(errors), tag, media_type
        )
        return wrapper

    return decorator


def body_limit(model: type[BaseModel]) -> int:
    """The most bytes a body of ``model`` may have: its ``max_body`` class attribute (bytes, or
    the name of the setting that holds them), else DEFAULT_MAX_BODY_BYTES."""
    limit = getattr(model, "max_body", DEFAULT_MAX_BODY_BYTES)
    return current_app.config[limit] if isinstance(limit, str) else limit


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "request_entity_too_large",
        f"The request body is larger than the {limit} bytes this endpoint accepts.",
    )


def no_content(status: int, headers: dict):
    """An answer without a body, and so without a Content-Type (Flask's default, text/html,
    would describe a page that is not there)."""
    answer = current_app.response_class(status=status, headers=headers)
    del answer.headers["Content-Type"]
    return answer


def cap_body(limit: int) -> None:
    """Refuse, unread, a body whose Content-Length is over ``limit`` bytes; cap any other one
    byte past the limit.

    Werkzeug stops a stream at its cap without a word (a chunked body has no Content-Length to
    be refused by), and refuses a read there (a form's parser reads on to the end): capped at
    the limit itself, a longer chunked body would be cut to size and a form of exactly the
    limit refused. The byte past it tells a body that fits from one that does not.
    """
    declared = request.content_length
    if declared is not None and declared > limit:
        raise too_large(limit)
    request.max_content_length = limit + 1


def parse_json_body(model: type[Model]) -> Model:
    """Parse and validate the request body, refusing it past the model's size limit (unread,
    when its Content-Length is over it).

    A model may also screen the raw bytes (``screen_json``) before parsing, to refuse in linear
    time what could never be valid rather than building millions of objects first, and may
    decode them itself (``from_json``, raising pydantic's ``ValidationError`` when invalid).
    """
    if not request.is_json:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"The request body must be {media_types_of(request.endpoint)}.",
        )
    limit = body_limit(model)
    cap_body(limit)
    raw = request_body()
    if len(raw) > limit:
        raise too_large(limit)
    screen = getattr(model, "screen_json", None)
    if screen is not None:
        screen(raw)
    decode = getattr(model, "from_json", model.model_validate_json)
    try:
        return decode(raw)
    except ValidationError as failure:
        raise invalid_input(failure) from None


def request_body() -> bytes:
    """The body, in one read of its declared length when that is at most ONE_READ_BYTES
    (``get_data`` reads 64 KiB at a time, and gunicorn copies what it holds beyond each piece
    again: a 300 kB upload's read took twice the CPU). A body that stops short is a 400 that
    says so."""
    length = request.content_length
    try:
        if length is None or length > ONE_READ_BYTES:
            body = request.get_data(cache=False)
        else:
            body = request.stream.read(length)
    except ClientDisconnected:
        body = None
    if body is not None and (length is None or len(body) == length):
        return body
    declared = (
        "before its last chunk"
        if length is None
        else f"before the {length} bytes its Content-Length declares"
    )
    raise ApiError(400, "incomplete_body", f"The request body ended {declared}.")


def media_types_of(endpoint: str | None) -> str:
    """The body types an endpoint accepts, for error messages."""
    view = current_app.view_functions.get(endpoint) if endpoint else None
    declared = getattr(view, "operation", None)
    accepts_form = declared is not None and declared.form is not None
    return "application/json or multipart/form-data" if accepts_form else "application/json"


def parse_form(model: type[Model]) -> Model:
    """Validate multipart form fields, refusing the body past the form model's size limit."""
    limit = body_limit(model)
    cap_body(limit)
    try:
        return model.model_validate(request.form.to_dict(), strict=False)
    except RequestEntityTooLarge:
        raise form_too_large(limit) from None
    except ValidationError as failure:
        raise invalid_input(failure) from None


def form_too_large(limit: int) -> ApiError:
    """The 413 of a form Werkzeug refused: for its size when more than ``limit`` bytes were
    read (``cap_body`` lets one more through), else for one of its other two limits, which
    raise the same error."""
    if request.stream.tell() > limit:
        return too_large(limit)
    return ApiError(
        413,
        "request_entity_too_large",
        f"The form has more than the {request.max_form_parts} parts it may have, or a text "
        f"field over the {request.max_form_memory_size} bytes a field may have.",
    )


def refuse_any_query() -> None:
    """Refuse every query parameter of an endpoint that takes none."""
    if request.args:
        raise validation_error(query_problems(set()))


def query_problems(known: set[str]) -> list[dict]:
    """A ``{field, message}`` for each query parameter not ``known``, and each one given twice."""
    return [
        {
            "field": name,
            "message": "unknown query parameter" if name else "a parameter without a name",
        }
        for name in sorted(set(request.args) - known)
    ] + [
        {"field": name, "message": "given more than once"}
        for name in sorted(set(request.args) & known)
        if len(request.args.getlist(name)) > 1
    ]


def parse_query(model: type[Model]) -> Model:
    """Validate the query string against a model (values arrive as strings, so lax mode).

    A parameter the model does not know, or one given twice, is a 400: ``render?lead=II`` (for
    ``leads``) would otherwise draw every lead, and ``limit=1&limit=500`` take one of the two.
    """
    known = {field.alias or name for name, field in model.model_fields.items()}
    problems = query_problems(known)
    if problems:
        raise validation_error(problems)
    try:
        return model.model_validate(request.args.to_dict(), strict=False)
    except ValidationError as failure:
        raise invalid_input(failure) from None


def invalid_input(failure: ValidationError) -> ApiError:
    """Turn pydantic's errors into a 400 naming each offending field, without echoing input back."""
    problems = failure.errors(include_url=False, include_input=False, include_context=False)
    if any(problem["type"] == "json_invalid" for problem in problems):
        return ApiError(
            400, "malformed_json", f"The request body is not valid JSON: {problems[0]['msg']}."
        )
    details = [
        {
            "field": ".".join(str(part) for part in problem["loc"]) or "(body)",
            "message": problem["msg"].removeprefix("Value error, "),
        }
        for problem in problems[:MAX_ERROR_DETAILS]
    ]
    return validation_error(details, len(problems))


def validation_error(details: list[dict], problems: int | None = None) -> ApiError:
    """A 400 listing each ``{field, message}`` of ``details`` (the first MAX_ERROR_DETAILS),
    the first in its message with how many more ``problems`` there are (by default, details)."""
    first = details[0]
    others = (len(details) if problems is None else problems) - 1
    more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
    return ApiError(
        400,
        "validation_error",
        f"{first['field']}: {first['message']}{more}",
        details[:MAX_ERROR_DETAILS],
    )
