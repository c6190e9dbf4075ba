import numpy as np
import pytest

from ecg.encoding import decode_signal, encode_signal


@pytest.mark.parametrize(
    ("signal", "encoding", "bytes_per_sample"),
    [
        ([0, 1, -1], "int16le", 2),
        ([32767, -32768], "int16le", 2),
        ([32768, 0], "int32le", 4),
        ([-32769, 0], "int32le", 4),
        ([2147483647, -2147483648], "int32le", 4),
    ],
)
def test_uses_the_narrowest_lossless_encoding(signal, encoding, bytes_per_sample):
    name, payload = encode_signal(np.array(signal, dtype=np.int32))
    assert name == encoding
    assert len(payload) == bytes_per_sample * len(signal)
    assert decode_signal(name, payload).tolist() == signal


def test_bytes_are_little_endian_whatever_the_machine():
    _, payload = encode_signal(np.array([1, 256], dtype=np.int32))
    assert payload == b"\x01\x00\x00\x01"
