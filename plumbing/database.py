"""The MongoDB connection: one client per process, kept in ``app.extensions``."""

from flask import Flask, current_app
from pymongo import MongoClient
from pymongo.database import Database

EXTENSION_KEY = "mongo_client"
DATABASE_KEY = "mongo_database"
DEFAULT_DATABASE = "ecg"


def init_app(app: Flask) -> None:
    """Create the app's MongoClient; it connects lazily, so start-up never waits for MongoDB."""
    timeout_ms = app.config["MONGODB_CONNECT_TIMEOUT_MS"]
    # The password may come apart from the URI (MONGODB_PASSWORD_FILE), as a container secret.
    password = (
        {"password": app.config["MONGODB_PASSWORD"]} if app.config["MONGODB_PASSWORD"] else {}
    )
    app.extensions[EXTENSION_KEY] = MongoClient(
        app.config["MONGODB_URI"],
        **password,
        tz_aware=True,
        # Short timeouts turn a database outage into a quick 503 rather than a hung worker.
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=app.config["MONGODB_SOCKET_TIMEOUT_MS"],
        # An acknowledged write must survive a crash of the database: journaled, majority.
        w="majority",
        journal=True,
        retryWrites=True,
        appname="ecg-service",
    )
    # Made once: get_db runs several times in every request.
    app.extensions[DATABASE_KEY] = app.extensions[EXTENSION_KEY].get_default_database(
        default=DEFAULT_DATABASE
    )


def get_db() -> Database:
    """Return the application's database (the URI's database, else ``ecg``)."""
    return current_app.extensions[DATABASE_KEY]
