import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from auth.tokens import issue_access_token, read_access_token

SECRET = "unit-test-secret-" + "x" * 64


def claims(**overrides):
    now = datetime.now(UTC)
    base = {
        "sub": "user-id",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": "j",
        "typ": "access",
    }
    return {key: value for key, value in {**base, **overrides}.items() if value is not None}


def test_a_fresh_token_names_its_subject():
    assert read_access_token(issue_access_token("abc", SECRET, 60), SECRET) == "abc"


def test_each_token_has_a_unique_id():
    first = jwt.decode(issue_access_token("abc", SECRET, 60), SECRET, algorithms=["HS256"])
    second = jwt.decode(issue_access_token("abc", SECRET, 60), SECRET, algorithms=["HS256"])
    assert first["jti"] != second["jti"]


def test_an_expired_token_is_refused():
    token = issue_access_token("abc", SECRET, 1)
    time.sleep(1.1)
    with pytest.raises(jwt.ExpiredSignatureError):
        read_access_token(token, SECRET)


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
        pytest.param(jwt.encode(claims(typ="refresh"), SECRET), id="not an access token"),
        pytest.param("not.a.jwt", id="garbage"),
    ],
)
def test_tokens_that_are_not_ours_or_incomplete_are_refused(token):
    with pytest.raises(jwt.InvalidTokenError):
        read_access_token(token, SECRET)
