"""A new account for local runs, benchmarks, examples and tests, made as the API requires: an
administrator registers it with a temporary password, which opens only the choice of the owner's
own, and the owner chooses one."""

import secrets

import requests


def new_account(
    api: str, admin_token: str, username: str, password: str, role: str = "user"
) -> str:
    """Register ``username`` with ``role`` at ``api`` (the base URL, ``.../api/v1``), then, as
    its owner, replace the temporary password with ``password``; return the owner's access
    token (its session survives the change). RuntimeError names a step that failed."""
    temporary = secrets.token_urlsafe(16)
    account = {"username": username, "password": temporary, "role": role}
    expect(
        requests.post(f"{api}/users", json=account, headers=bearer(admin_token), timeout=60), 201
    )
    token = log_in(api, username, temporary)
    change = {"current_password": temporary, "new_password": password}
    expect(
        requests.post(f"{api}/auth/password", json=change, headers=bearer(token), timeout=60), 204
    )
    return token


def log_in(api: str, username: str, password: str) -> str:
    """A new session's access token."""
    login = {"username": username, "password": password}
    logged_in = requests.post(f"{api}/auth/login", json=login, timeout=60)
    expect(logged_in, 200)
    return logged_in.json()["access_token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def expect(response: requests.Response, status: int) -> None:
    """RuntimeError, naming the request and the answer, unless ``response`` has ``status``."""
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request.method} {response.url}: {response.status_code} {response.text}"
        )
