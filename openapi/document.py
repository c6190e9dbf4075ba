"""The OpenAPI 3.1 document, built from the app's routes and the operations they declare."""

import re

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from openapi.models import ErrorBody
from openapi.operation import Operation

SCHEMA_REF = "#/components/schemas/{model}"
PATH_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
ERROR_DESCRIPTIONS = {
    400: "The input is invalid; `details` names each offending field.",
    401: "The access token is missing, invalid or expired, or its account is disabled.",
    403: "The caller's role may not use this endpoint, the account must choose a new password "
    "first, or a current password is wrong.",
    404: "Not found, or not the caller's.",
    409: "Conflicts with existing data.",
    413: "The request or the ECG is too large.",
    414: "The request line (method, path and query) is longer than the server accepts.",
    415: "The body or file is of a type this endpoint does not accept.",
    422: "The ECG cannot be given in the requested form.",
    429: "Too many requests; Retry-After says when to try again.",
    431: "The request's headers are larger than the server accepts.",
    503: "The database is unreachable.",
}
# The headers an answer of this status carries (the API's own, as the views and guards set them).
RESPONSE_HEADERS = {
    201: {"Location": "The URL of what was created."},
    401: {"WWW-Authenticate": 'Bearer realm="ecg-service": the scheme the token is sent by.'},
    429: {"Retry-After": "Seconds until the next request may be accepted."},
}
DESCRIPTION = """\
Accepts electrocardiograms and returns insights about them.

Authenticate with `POST /api/v1/auth/login`, then send `Authorization: Bearer <token>`.
The admin role manages accounts and cannot send or read ECG data; the user role sees only
the ECGs it uploaded. Every error has the body `{"error": code, "message": sentence}`.
"""


def build_document(app: Flask) -> dict:
    """Describe every route whose view declares an Operation."""
    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "operation", None)
        if declared is not None:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((rule, method.lower(), view, declared))

    models = {(model, "validation") for *_, op in routes for model in (op.body,) if model}
    models |= {
        (model, "serialization") for *_, op in routes for model in (op.response, ErrorBody) if model
    }
    references, definitions = models_json_schema(sorted(models, key=str), ref_template=SCHEMA_REF)

    paths: dict = {}
    for rule, method, view, declared in routes:
        path = PATH_PARAMETER.sub(r"{\1}", rule.rule)
        roles = getattr(view, "required_roles", ())
        paths.setdefault(path, {})[method] = describe_operation(
            rule.endpoint, view.__doc__ or "", sorted(rule.arguments), declared, roles, references
        )
    return {
        "openapi": "3.1.0",
        "info": {"title": "ECG service", "version": "1.0.0", "description": DESCRIPTION},
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def describe_operation(
    endpoint: str,
    docstring: str,
    path_arguments: list[str],
    declared: Operation,
    roles: tuple[str, ...],
    references: dict,
) -> dict:
    """One OpenAPI operation object; the view's docstring is its summary and description."""
    summary, _, description = docstring.strip().partition("\n")
    described: dict = {
        "operationId": endpoint.replace(".", "_"),
        "tags": [declared.tag],
        "summary": summary.strip(),
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in path_arguments
        ]
        + query_parameters(declared.query),
        "responses": {str(declared.status): success_response(declared, references)},
    }
    if description.strip():
        described["description"] = " ".join(description.split())
    if declared.body is not None:
        content = {"application/json": {"schema": references[(declared.body, "validation")]}}
        if declared.form is not None:
            content["multipart/form-data"] = {"schema": form_schema(declared.form)}
        described["requestBody"] = {"required": True, "content": content}
    # The server refuses an over-long request line or oversized headers on any route, and the
    # decorator a query parameter the operation does not take, or one given twice (400).
    errors = set(declared.errors) | {400, 414, 431}
    if declared.body is not None:
        # Every declared body is parsed by the decorator: invalid (400), over the size limit
        # (413) or not JSON (415), whatever the view itself adds.
        errors |= {400, 413, 415}
    if roles:
        described["security"] = [{"bearerAuth": []}]
        described["description"] = (
            f"{described.get('description', '')} Role: {' or '.join(roles)}.".strip()
        )
        errors |= {401, 403, 503}
    error_schema = references[(ErrorBody, "serialization")]
    for status in sorted(errors):
        described["responses"][str(status)] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": error_schema}},
        }
    for status, answer in described["responses"].items():
        headers = RESPONSE_HEADERS.get(int(status), {})
        if headers:
            answer["headers"] = {
                name: {"description": meaning, "schema": {"type": "string"}}
                for name, meaning in headers.items()
            }
    return described


def success_response(declared: Operation, references: dict) -> dict:
    """The documented success response of an operation."""
    if declared.media_type is not None:
        types = declared.media_type.split(",")
        return {
            "description": "The file.",
            "content": {
                kind: {"schema": {"type": "string", "contentMediaType": kind}} for kind in types
            },
        }
    if declared.response is None:
        return {"description": "Done; no content."}
    return {
        "description": declared.response.__doc__ or "Success.",
        "content": {
            "application/json": {"schema": references[(declared.response, "serialization")]}
        },
    }


def form_schema(form: type[BaseModel]) -> dict:
    """A multipart body, as the form model describes it (its file parts included)."""
    return form.model_json_schema(ref_template=SCHEMA_REF)


def query_parameters(query: type[BaseModel] | None) -> list[dict]:
    """Query parameters from the fields of a query model."""
    if query is None:
        return []
    schema = query.model_json_schema()
    return [
        {
            "name": name,
            "in": "query",
            "required": name in schema.get("required", []),
            "description": field.get("description", ""),
            "schema": {key: value for key, value in field.items() if key != "description"},
        }
        for name, field in schema["properties"].items()
    ]
