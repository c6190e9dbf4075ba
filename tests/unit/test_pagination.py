import pytest

from plumbing.errors import ApiError
from plumbing.pagination import decode_cursor, encode_cursor, time_position


def test_a_cursor_gives_back_its_position():
    assert decode_cursor(encode_cursor("2024-01-01T00:00:00+00:00", "abc"), 2) == [
        "2024-01-01T00:00:00+00:00",
        "abc",
    ]


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!",
        "bm90IGpzb24",
        encode_cursor("only-one"),
        encode_cursor("a", "b", "c"),
        encode_cursor(
            "a", "\ud800"
        ),  # a lone surrogate: BSON cannot encode it (a 500, found in review)
    ],
)
def test_a_cursor_we_did_not_make_is_a_400(cursor):
    with pytest.raises(ApiError) as raised:
        decode_cursor(cursor, 2)
    assert (raised.value.status, raised.value.error) == (400, "invalid_cursor")


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-05-01T10:00:00"],
    ids=["before year 1 in UTC", "after year 9999 in UTC", "without an offset"],
)
def test_a_cursor_whose_moment_bson_cannot_hold_is_a_400(moment):
    """Found in review: the first two overflowed in BSON's encoding, a 500."""
    with pytest.raises(ApiError) as refused:
        time_position(encode_cursor(moment, "0" * 24))
    assert refused.value.status == 400
