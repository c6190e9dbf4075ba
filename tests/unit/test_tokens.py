import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import jwt
import pytest

import auth.tokens
from auth.tokens import ACCESS, REFRESH, issue_token, read_token

SECRET = "unit-test-secret-" + "x" * 64


def claims(**overrides):
    now = datetime.now(UTC)
    base = {
        "sub": "user-id",
        "sid": "session-id",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": "j",
        "typ": ACCESS,
    }
    return {key: value for key, value in {**base, **overrides}.items() if value is not None}


def test_a_fresh_token_names_its_user_and_session():
    read = read_token(issue_token(ACCESS, "abc", "s1", SECRET, 60), SECRET, ACCESS)
    assert (read.user_id, read.session_id) == ("abc", "s1")


def test_each_token_has_a_unique_id_unless_one_is_given():
    first = read_token(issue_token(ACCESS, "abc", "s", SECRET, 60), SECRET, ACCESS)
    second = read_token(issue_token(ACCESS, "abc", "s", SECRET, 60), SECRET, ACCESS)
    assert first.token_id != second.token_id
    given = read_token(issue_token(REFRESH, "abc", "s", SECRET, 60, "r-1"), SECRET, REFRESH)
    assert given.token_id == "r-1"


def test_an_expired_token_is_refused():
    token = issue_token(ACCESS, "abc", "s", SECRET, 1)
    time.sleep(1.1)
    with pytest.raises(jwt.ExpiredSignatureError):
        read_token(token, SECRET, ACCESS)


def test_a_token_read_while_valid_is_refused_once_expired(monkeypatch):
    token = issue_token(ACCESS, "abc", "s", SECRET, 60)
    assert read_token(token, SECRET, ACCESS).user_id == "abc"
    a_minute_later = time.time() + 61
    monkeypatch.setattr(auth.tokens, "time", SimpleNamespace(time=lambda: a_minute_later))
    with pytest.raises(jwt.ExpiredSignatureError):
        read_token(token, SECRET, ACCESS)


def test_a_token_read_with_one_secret_is_refused_with_another():
    token = issue_token(ACCESS, "abc", "s", SECRET, 60)
    read_token(token, SECRET, ACCESS)
    with pytest.raises(jwt.InvalidSignatureError):
        read_token(token, "another-secret-" + "y" * 64, ACCESS)


@pytest.mark.parametrize(("issued", "expected"), [(ACCESS, REFRESH), (REFRESH, ACCESS)])
def test_access_and_refresh_tokens_are_not_interchangeable(issued, expected):
    with pytest.raises(jwt.InvalidTokenError):
        read_token(issue_token(issued, "abc", "s", SECRET, 60), SECRET, expected)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(jwt.encode(claims(), "another-secret-" + "y" * 64), id="other secret"),
        pytest.param(jwt.encode(claims(), SECRET, algorithm="HS512"), id="HS512"),
        pytest.param(jwt.encode(claims(), None, algorithm="none"), id="alg none"),
        pytest.param(jwt.encode(claims(exp=None), SECRET), id="no exp"),
        pytest.param(jwt.encode(claims(iat=None), SECRET), id="no iat"),
        pytest.param(jwt.encode(claims(jti=None), SECRET), id="no jti"),
        pytest.param(jwt.encode(claims(sub=None), SECRET), id="no sub"),
        pytest.param(jwt.encode(claims(sid=None), SECRET), id="no session"),
        pytest.param(jwt.encode(claims(sid=7), SECRET), id="session not a string"),
        pytest.param(jwt.encode(claims(typ="other"), SECRET), id="unknown type"),
        pytest.param("not.a.jwt", id="garbage"),
    ],
)
def test_tokens_that_are_not_ours_or_incomplete_are_refused(token):
    for _ in range(2):  # a refused token is not kept as verified
        with pytest.raises(jwt.InvalidTokenError):
            read_token(token, SECRET, ACCESS)
