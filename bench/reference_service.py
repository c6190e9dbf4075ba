"""The yardstick of the speed issue: a simple Flask + PyMongo ECG service, for the benchmark only.

What a first version typically looks like: JWT bearer tokens checked against the account on
each request, the JSON body taken as it comes (no validation), samples stored as BSON arrays
with w=1, zero crossings computed when the insights are read. It speaks the three routes the
benchmark uses with the service's shapes, so one client measures both. Never deployed.

    gunicorn -w 2 -k gthread --threads 2 'bench.reference_service:create_app()'
with MONGODB_URI and SECRET_KEY set; bench.side_by_side starts it.
"""

import os
from datetime import UTC, datetime, timedelta

import jwt
import numpy as np
from bson import ObjectId
from flask import Flask, abort, g, jsonify, request
from pymongo import MongoClient
from werkzeug.security import check_password_hash, generate_password_hash

ALGORITHM = "HS256"


def create_app() -> Flask:
    app = Flask(__name__)
    secret = os.environ["SECRET_KEY"]
    db = MongoClient(os.environ["MONGODB_URI"], w=1).get_default_database(default="reference")
    db.ecgs.create_index([("owner", 1), ("id", 1)], unique=True)

    def authenticated() -> dict:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, secret, algorithms=[ALGORITHM])
        except jwt.InvalidTokenError:
            abort(401)
        user = db.users.find_one({"_id": ObjectId(claims["sub"])})
        if user is None:
            abort(401)
        return user

    @app.get("/api/v1/healthz")
    def healthz():
        return {"status": "ok"}

    @app.post("/api/v1/auth/login")
    def login():
        body = request.get_json()
        user = db.users.find_one({"username": body["username"]})
        if user is None or not check_password_hash(user["password"], body["password"]):
            abort(401)
        expires = datetime.now(UTC) + timedelta(hours=24)  # one login per benchmark run
        token = jwt.encode({"sub": str(user["_id"]), "exp": expires}, secret, ALGORITHM)
        return {"access_token": token}

    @app.post("/api/v1/ecgs")
    def upload():
        g.user = authenticated()
        body = request.get_json()
        document = {
            "owner": g.user["_id"],
            "id": body["id"],
            "date": body.get("date") or datetime.now(UTC),
            "leads": body["leads"],
        }
        db.ecgs.insert_one(document)
        leads = [
            {"name": lead["name"], "number_of_samples": len(lead["signal"])}
            for lead in body["leads"]
        ]
        return jsonify(id=body["id"], leads=leads), 201

    @app.get("/api/v1/ecgs/<ecg_id>/insights")
    def insights(ecg_id: str):
        user = authenticated()
        document = db.ecgs.find_one({"owner": user["_id"], "id": ecg_id})
        if document is None:
            abort(404)
        leads = []
        for lead in document["leads"]:
            signs = np.signbit(np.asarray(lead["signal"]))
            leads.append(
                {"name": lead["name"], "zero_crossings": int(np.sum(signs[1:] != signs[:-1]))}
            )
        return {"id": ecg_id, "leads": leads}

    return app


def add_user(mongodb_uri: str, username: str, password: str) -> None:
    """Register the benchmark's user directly (the reference has no user administration)."""
    with MongoClient(mongodb_uri) as client:
        client.get_default_database(default="reference").users.insert_one(
            {"username": username, "password": generate_password_hash(password)}
        )
