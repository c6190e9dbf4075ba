import logging

from pymongo.errors import ServerSelectionTimeoutError


def test_an_unexpected_exception_is_logged_and_answered_without_internals(app, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production; TESTING would re-raise

    @app.get("/explode")
    def explode():
        raise RuntimeError("secret internal detail")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/explode")
    assert response.status_code == 500
    assert response.json["error"] == "internal_server_error"
    assert "secret internal detail" not in response.text
    assert "secret internal detail" in caplog.text


def test_a_database_outage_is_a_503(app):
    @app.get("/needs-database")
    def needs_database():
        raise ServerSelectionTimeoutError("no servers")

    response = app.test_client().get("/needs-database")
    assert response.status_code == 503
    assert response.json == {
        "error": "database_unavailable",
        "message": "The database is unreachable; try again shortly.",
    }


def test_framework_errors_keep_their_headers(app):
    response = app.test_client().put("/api/v1/ecgs")
    assert response.status_code == 405
    assert set(response.json) == {"error", "message"}
    assert "POST" in response.headers["Allow"]
