import pytest

from plumbing.errors import ApiError
from plumbing.pagination import decode_cursor, encode_cursor


def test_a_cursor_gives_back_its_position():
    assert decode_cursor(encode_cursor("2024-01-01T00:00:00+00:00", "abc"), 2) == [
        "2024-01-01T00:00:00+00:00",
        "abc",
    ]


@pytest.mark.parametrize(
    "cursor",
    ["", "!!!", "bm90IGpzb24", encode_cursor("only-one"), encode_cursor("a", "b", "c")],
)
def test_a_cursor_we_did_not_make_is_a_400(cursor):
    with pytest.raises(ApiError) as raised:
        decode_cursor(cursor, 2)
    assert (raised.value.status, raised.value.error) == (400, "invalid_cursor")
