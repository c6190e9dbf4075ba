"""Decoding a JSON body whose bulk is integer arrays without a Python object per integer.

msgspec checks a body's whole JSON syntax in one pass and hands back chosen values as their raw
text (``msgspec.Raw``); simdjson reads a raw array of integers straight into a buffer for numpy.
Every other value goes back to pydantic as JSON, so the models stay the one statement of what is
valid.
"""

import msgspec
import numpy as np
import simdjson
from pydantic import BaseModel

INT32 = np.iinfo(np.int32)
# simdjson's tape and index take about 12 times the text of an array of one-digit samples: a
# long signal is read a piece of about this much text at a time, so that stays a few MiB.
PIECE_BYTES = 1 << 20

RawValue = msgspec.Raw | msgspec.UnsetType


def raw_fields(name: str, model: type[BaseModel], **typed) -> type[msgspec.Struct]:
    """A msgspec struct with ``typed`` fields (name=type, all required) and every field of
    ``model`` as its raw JSON text, UNSET when absent; any other key fails the decoding."""
    fields: list[tuple] = list(typed.items())
    fields += [(field, RawValue, msgspec.UNSET) for field in model.model_fields]
    return msgspec.defstruct(name, fields, kw_only=True, forbid_unknown_fields=True)


def validate_raw_fields(model: type[BaseModel], decoded: msgspec.Struct) -> BaseModel:
    """``model`` validated (by pydantic, in JSON mode) from the raw fields ``decoded`` holds."""
    present = {
        field: value
        for field in model.model_fields
        if (value := getattr(decoded, field)) is not msgspec.UNSET
    }
    return model.model_validate_json(msgspec.json.encode(present))


def int32_array(raw: msgspec.Raw, max_length: int) -> np.ndarray | None:
    """The integers of a raw JSON array as int32, or None unless it is a flat array of 1 to
    ``max_length`` integers that all fit int32.

    msgspec has already checked the text is one valid JSON value. simdjson reads an array of
    numbers into a buffer of int64 only when every one is an integer within int64 (a float,
    a string, true, false, null or an object is refused), but flattens nested arrays, so
    a second bracket is refused first.
    """
    text = bytes(raw)
    if text[:1] != b"[" or text.find(b"[", 1) != -1:
        return None
    if len(text) > PIECE_BYTES:
        return int32_array_in_pieces(text, max_length)
    samples = int32_piece(text)
    if samples is None or not 1 <= samples.size <= max_length:
        return None
    return samples


def int32_array_in_pieces(text: bytes, max_length: int) -> np.ndarray | None:
    """``int32_array`` of a long array, read about PIECE_BYTES of text at a time into an array
    sized by its commas (a flat array of numbers has one number more than commas; any other
    text fails to read or to fill it exactly)."""
    count = text.count(b",") + 1
    if count > max_length:
        return None
    samples = np.empty(count, dtype=np.int32)
    filled = 0
    start, stop = 1, text.rindex(b"]")
    while start < stop:
        end = text.find(b",", start + PIECE_BYTES, stop)
        end = stop if end == -1 else end
        piece = int32_piece(b"[" + text[start:end] + b"]")
        if piece is None or not 1 <= piece.size <= count - filled:
            return None
        samples[filled : filled + piece.size] = piece
        filled += piece.size
        start = end + 1
    return samples if filled == count else None


def int32_piece(text: bytes) -> np.ndarray | None:
    """The integers of a JSON array's text as int32, or None unless all are integers that fit."""
    try:
        # A parser per piece: parsers are not thread-safe, and one kept would hold on to the
        # tape of the longest text it ever read.
        buffer = simdjson.Parser().parse(text).as_buffer(of_type="i")
    except (TypeError, ValueError, RuntimeError):  # another type, beyond int64, a big integer
        return None
    samples = np.frombuffer(buffer, dtype=np.int64)
    if samples.size and (samples.min() < INT32.min or samples.max() > INT32.max):
        return None
    return samples.astype(np.int32)
