"""Decoding a JSON body whose bulk is integer arrays without a Python object per integer.

msgspec checks a body's whole JSON syntax in one pass and hands back chosen values as their raw
text (``msgspec.Raw``); numpy reads a raw array of integers straight into an array. Every other
value goes back to pydantic as JSON, so the models stay the one statement of what is valid.
"""

import msgspec
import numpy as np
from pydantic import BaseModel

# What may stand between the brackets of a flat JSON array of integers: digits, minus signs,
# commas and JSON's whitespace. A float needs "." or "e", true/false/null and strings letters or
# quotes, a nested array or an object brackets or braces.
JSON_WHITESPACE = b" \t\n\r"
BETWEEN_INTEGERS = b"0123456789-," + JSON_WHITESPACE
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

    msgspec has already checked the text is one valid JSON value. A valid value that opens
    with a bracket and holds nothing but BETWEEN_INTEGERS up to its last character is a flat
    array of integers in JSON's own syntax (no leading zeros, no "+"), which numpy parses
    exactly; the count of commas proves it read every one. An empty array is refused first:
    numpy reads whitespace alone as one 0.
    """
    text = bytes(raw)
    between = text[1:-1]
    if text[:1] != b"[" or between.translate(None, BETWEEN_INTEGERS):
        return None
    if not between.strip(JSON_WHITESPACE):
        return None
    # Text that passed the checks above is read to its end, so numpy has no short read to
    # warn of (catch_warnings, which would silence it, is not thread-safe in gthread workers).
    samples = np.fromstring(between, dtype=np.int64, sep=",")
    # Integers beyond int64 saturate at its limits, so they fail the int32 check as well.
    if not 1 <= samples.size <= max_length or samples.size != between.count(b",") + 1:
        return None
    if samples.min() < INT32.min or samples.max() > INT32.max:
        return None
    return samples.astype(np.int32)
