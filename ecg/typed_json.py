"""Decoding a JSON body whose bulk is integer arrays without a Python object per integer.

msgspec checks a body's whole JSON syntax in one pass and hands back chosen values as their raw
text (``msgspec.Raw``); numpy reads a raw array of integers straight into an array. Every other
value goes back to pydantic as JSON, so the models stay the one statement of what is valid.
"""

import warnings

import msgspec
import numpy as np
from pydantic import BaseModel

# The characters of a flat JSON array of integers: digits, minus signs, commas, brackets and
# JSON's whitespace. A float needs "." or "e", true/false/null/strings letters or quotes.
INTEGER_ARRAY_CHARACTERS = b"0123456789-,[] \t\n\r"
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

    msgspec has already checked the text is one valid JSON value. A valid value made only of
    digits, minus signs, commas, whitespace and a single pair of brackets is a flat array of
    integers in JSON's own syntax (no leading zeros, no "+"), which numpy parses exactly; the
    count of commas proves it read every one.
    """
    text = bytes(raw)
    if text.count(b"[") != 1 or text.translate(None, INTEGER_ARRAY_CHARACTERS):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # a short read is caught below
        samples = np.fromstring(text[1:-1], dtype=np.int64, sep=",")
    # Integers beyond int64 saturate at its limits, so they fail the int32 check as well.
    if not 1 <= samples.size <= max_length or samples.size != text.count(b",") + 1:
        return None
    if samples.min() < INT32.min or samples.max() > INT32.max:
        return None
    return samples.astype(np.int32)
