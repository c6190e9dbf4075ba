"""Fixtures shared by the integration and API tests."""

import pytest

from devtools.mongodb import LocalDatabase


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """A database server for the whole session, in a temporary directory."""
    with LocalDatabase(tmp_path_factory.mktemp("database") / "db") as server:
        yield server
