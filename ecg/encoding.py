"""Compact little-endian binary for signals: int16 when the lead's range fits, else int32."""

import numpy as np

ENCODINGS = {"int16le": np.dtype("<i2"), "int32le": np.dtype("<i4")}
INT16 = np.iinfo(np.int16)


def encode_signal(signal: np.ndarray) -> tuple[str, bytes]:
    """Return the narrowest lossless encoding's name and the signal's bytes in it."""
    fits_int16 = INT16.min <= signal.min() and signal.max() <= INT16.max
    encoding = "int16le" if fits_int16 else "int32le"
    return encoding, signal.astype(ENCODINGS[encoding], copy=False).tobytes()


def decode_signal(encoding: str, payload: bytes) -> np.ndarray:
    """Return the samples stored by ``encode_signal``."""
    return np.frombuffer(payload, dtype=ENCODINGS[encoding])
