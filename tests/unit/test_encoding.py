import numpy as np
import pytest

from recordings.encoding import (
    COMPRESS_FROM_SAMPLES,
    decode_signal,
    encode_signal,
    is_wider_than_int16,
)

LONG = COMPRESS_FROM_SAMPLES


@pytest.mark.parametrize(
    ("signal", "encoding"),
    [
        ([0, 1, -1], "int16le"),
        ([32767, -32768], "int16le"),
        ([32768, 0], "int32le"),
        ([-32769, 0], "int32le"),
        ([7], "int16le"),
        ([0, 1, -1] * LONG, "zstd-delta-int16le"),
        ([32767, -32768] * LONG, "zstd-delta-int16le"),  # deltas wrap around int16
        ([32768, 0] * LONG, "zstd-delta-int32le"),
        ([2147483647, -2147483648, 2147483647] * LONG, "zstd-delta-int32le"),
    ],
    ids=lambda value: value if isinstance(value, str) else f"{value[:3]}...x{len(value)}",
)
def test_uses_the_narrowest_width_and_round_trips_exactly(signal, encoding):
    name, payload = encode_signal(np.array(signal, dtype=np.int32))
    assert name == encoding
    assert is_wider_than_int16(name) == encoding.endswith("int32le")
    assert decode_signal(name, payload).tolist() == signal


def test_short_signals_are_stored_plain_in_two_bytes_per_sample():
    name, payload = encode_signal(np.arange(5000, dtype=np.int32))
    assert (name, len(payload)) == ("int16le", 10_000)


def test_random_signals_round_trip_exactly():
    generator = np.random.default_rng(3)
    for low, high in ((-2000, 2000), (-(2**31), 2**31 - 1), (-(2**15), 2**15 - 1)):
        signal = generator.integers(low, high, 2 * LONG, endpoint=True).astype(np.int32)
        assert np.array_equal(decode_signal(*encode_signal(signal)), signal)


def test_ecg_like_signals_take_well_under_two_bytes_per_sample():
    walk = np.cumsum(np.random.default_rng(1).integers(-40, 41, 1 << 18)).astype(np.int32)
    _, payload = encode_signal(walk - int(walk.mean()))
    assert len(payload) / walk.size < 1.3


def test_bytes_are_little_endian_whatever_the_machine():
    _, payload = encode_signal(np.array([1, 256], dtype=np.int32))
    assert payload == b"\x01\x00\x00\x01"
