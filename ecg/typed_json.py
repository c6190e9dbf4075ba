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
    try:
        # A parser per array: it is not thread-safe, and one kept would hold on to the tape
        # of the longest array it ever read.
        buffer = simdjson.Parser().parse(text).as_buffer(of_type="i")
    except (TypeError, ValueError, RuntimeError):  # another type, beyond int64, a big integer
        return None
    samples = np.frombuffer(buffer, dtype=np.int64)
    if not 1 <= samples.size <= max_length:
        return None
    if samples.min() < INT32.min or samples.max() > INT32.max:
        return None
    return samples.astype(np.int32)
