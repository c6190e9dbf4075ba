"""The API's OpenAPI document and a Swagger UI served from local assets (works offline)."""

from flask import Blueprint, Flask, current_app
from flask_swagger_ui import get_swaggerui_blueprint

from openapi.document import build_document

DOCUMENT_URL = "/api/v1/openapi.json"
bp = Blueprint("openapi", __name__)


@bp.get(DOCUMENT_URL)
def openapi_document():
    """The OpenAPI 3.1 document of this API, built once per process."""
    if "openapi_document" not in current_app.extensions:
        current_app.extensions["openapi_document"] = build_document(current_app)
    return current_app.extensions["openapi_document"]


def init_app(app: Flask) -> None:
    """Serve the document and Swagger UI at /docs."""
    app.register_blueprint(bp)
    app.register_blueprint(
        get_swaggerui_blueprint("/docs", DOCUMENT_URL, config={"app_name": "ECG service API"})
    )
