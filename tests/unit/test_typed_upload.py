"""The typed pass over JSON uploads (``valid_upload``) against pydantic's verdict (EcgUpload).

It must never accept what pydantic refuses, nor read an accepted body differently; and it
should accept every valid body, or the slow path would run for nothing.
"""

import codecs
import json
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ecg import typed_json
from ecg.uploads import MAX_LEADS, EcgUpload, valid_upload

# A body up to WHOLE_BODY_BYTES is parsed whole; a longer one is split by msgspec, and a long
# signal read in pieces of about PIECE_BYTES of text. Every case is read each way, split also
# in tiny pieces, which split every signal.
READERS = {
    "whole": {"WHOLE_BODY_BYTES": typed_json.WHOLE_BODY_BYTES},
    "split": {"WHOLE_BODY_BYTES": 0},
    "split, pieces of 1": {"WHOLE_BODY_BYTES": 0, "PIECE_BYTES": 1},
    "split, pieces of 6": {"WHOLE_BODY_BYTES": 0, "PIECE_BYTES": 6},
}
reader_names = pytest.mark.parametrize("reader", READERS.keys())


def typed_pass(body: bytes, reader: str) -> EcgUpload | None:
    with mock.patch.multiple(typed_json, **READERS[reader]):
        return valid_upload(body)


def pydantic_verdict(body: bytes) -> EcgUpload | None:
    try:
        return EcgUpload.model_validate_json(body)
    except ValidationError:
        return None


def same_upload(typed: EcgUpload, validated: EcgUpload) -> bool:
    if typed.model_dump(exclude={"leads"}) != validated.model_dump(exclude={"leads"}):
        return False
    return len(typed.leads) == len(validated.leads) and all(
        a.model_dump(exclude={"signal"}) == b.model_dump(exclude={"signal"})
        and isinstance(a.signal, np.ndarray)
        and a.signal.dtype == np.int32
        and a.signal.tolist() == b.signal
        for a, b in zip(typed.leads, validated.leads, strict=True)
    )


def lead(signal: str = "[1, -2, 3]", **fields: str) -> str:
    members = {"name": '"II"', **fields, "signal": signal}
    return "{" + ", ".join(f'"{key}": {value}' for key, value in members.items()) + "}"


def upload(*leads: str, **fields: str) -> bytes:
    members = {**fields, "leads": "[" + ", ".join(leads or (lead(),)) + "]"}
    return ("{" + ", ".join(f'"{key}": {value}' for key, value in members.items()) + "}").encode()


ACCEPTED = {
    "plain": upload(),
    "every field": upload(
        lead(
            calibration='{"unit": "uV", "scale": 4.88, "baseline": -3}',
            number_of_samples="3",
        ),
        id='"rest-001"',
        date='"2024-05-01T10:00:00.123456+02:00"',
        sampling_frequency="500",
    ),
    "int32 bounds and minus zero": upload(lead("[2147483647, -2147483648, -0, 0]")),
    "JSON whitespace everywhere": upload(lead("[ 1 ,\n-2\t,\r3 ]")),
    "no whitespace at all": b'{"leads":[{"name":"II","signal":[1,-22,333,-4444,55555]}]}',
    "explicit nulls": upload(
        lead(calibration="null", number_of_samples="null"), id="null", date="null"
    ),
    "escaped key": b'{"leads": [{"name": "I", "sig\\u006eal": [1]}]}',
    "repeated key, last wins": b'{"leads": [{"name": "I", "signal": [1.5], "signal": [7]}]}',
    "repeated key in the calibration, last wins": upload(
        lead(calibration='{"unit": "uV", "scale": 0, "scale": 4.88}')
    ),
    "64 leads": upload(*(lead(name=f'"L{i}"') for i in range(MAX_LEADS))),
}

REFUSED = {
    "float sample": upload(lead("[1, 2.0]")),
    "exponent": upload(lead("[1e3]")),
    "boolean": upload(lead("[1, true]")),
    "null sample": upload(lead("[1, null]")),
    "string sample": upload(lead('[1, "2"]')),
    "nested array": upload(lead("[[1], 2]")),
    "object in signal": upload(lead('[{"a": 1}]')),
    "above int32": upload(lead("[2147483648]")),
    "below int32": upload(lead("[-2147483649]")),
    "beyond int64": upload(lead("[99999999999999999999999]")),
    "far below int64": upload(lead("[-99999999999999999999999]")),
    "empty signal": upload(lead("[]")),
    "empty signal with whitespace": upload(lead("[ \n ]")),
    "number as signal": upload(lead("5")),
    "count mismatch": upload(lead(number_of_samples="4")),
    "zero count": upload(lead(number_of_samples="0")),
    "repeated names": upload(lead(), lead()),
    "65 leads": upload(*(lead(name=f'"L{i}"') for i in range(MAX_LEADS + 1))),
    "no leads": b'{"leads": []}',
    "no signal": b'{"leads": [{"name": "I"}]}',
    "no name": b'{"leads": [{"signal": [1]}]}',
    "unknown lead field": upload(lead(gain="2")),
    "unknown upload field": upload(patient='"x"'),
    "id with a trailing newline": upload(id='"abc\\n"'),
    "lead name with a control character": upload(lead(name='"I\\u0007"')),
    "date without an offset": upload(date='"2024-05-01T10:00:00"'),
    "date as seconds since 1970": upload(date='"1700000000"'),
    "date as milliseconds since 1970": upload(date='"1714550400000"'),
    "zero scale": upload(lead(calibration='{"unit": "uV", "scale": 0}')),
    "scale that rounds to 0 mV": upload(lead(calibration='{"unit": "uV", "scale": 5e-324}')),
    "scale beyond any device": upload(lead(calibration='{"unit": "V", "scale": -1e306}')),
    "baseline beyond any sample": upload(
        lead(calibration='{"unit": "uV", "scale": 1, "baseline": 1e300}')
    ),
    "infinite frequency": upload(sampling_frequency="1e999"),
    "frequency as a string": upload(sampling_frequency='"500"'),
    "repeated key, last is bad": b'{"leads": [{"name": "I", "signal": [7], "signal": [1.5]}]}',
    "repeated key in the calibration, last is bad": upload(
        lead(calibration='{"unit": "uV", "scale": 4.88, "scale": 0}')
    ),
    "NUL in an upload key": upload(**{"id\\u0000": '"x"'}),
    "NUL in a lead key": upload(lead(**{"name\\u0000": '"I"'})),
    "byte-order mark": codecs.BOM_UTF8 + upload(),
    "trailing garbage": upload() + b"x",
    "leading zero": upload(lead("[01]")),
    "not an object": b"[1, 2]",
}


@reader_names
@pytest.mark.parametrize("body", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_valid_bodies_take_the_typed_pass_and_read_as_pydantic_reads_them(body, reader):
    typed, validated = typed_pass(body, reader), pydantic_verdict(body)
    assert validated is not None
    assert typed is not None
    assert same_upload(typed, validated)


@reader_names
@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_invalid_bodies_are_left_to_pydantic(body, reader):
    assert pydantic_verdict(body) is None
    assert typed_pass(body, reader) is None
    with pytest.raises(ValidationError):
        EcgUpload.from_json(body)


def whole_body_split(body: bytes):
    return typed_json.split_whole_body(body, "leads", MAX_LEADS, "signal", 1 << 25)


# What the whole-body reader leaves to msgspec's split, though the body is valid.
DOUBTED_WHOLE = {
    "repeated key": ACCEPTED["repeated key, last wins"],
    "bracket in a name": upload(lead(name='"I [left arm]"')),
    "over WHOLE_BODY_BYTES": upload(lead("[" + ", ".join(["-1234"] * 90_000) + "]")),
}


@pytest.mark.parametrize(
    "body",
    [body for name, body in ACCEPTED.items() if name != "repeated key, last wins"],
    ids=[name for name in ACCEPTED if name != "repeated key, last wins"],
)
def test_valid_small_bodies_are_read_whole_in_one_parse(body):
    split = whole_body_split(body)
    assert split is not None
    _, leads = split
    validated = pydantic_verdict(body)
    assert [signal.tolist() for _, signal in leads] == [lead.signal for lead in validated.leads]
    assert [lead_fields["name"] for lead_fields, _ in leads] == [
        lead.name for lead in validated.leads
    ]


@pytest.mark.parametrize("body", DOUBTED_WHOLE.values(), ids=DOUBTED_WHOLE.keys())
def test_what_the_whole_body_reader_doubts_is_still_read_by_the_split(body):
    assert whole_body_split(body) is None
    typed, validated = valid_upload(body), pydantic_verdict(body)
    assert typed is not None and same_upload(typed, validated)


def test_the_threads_parser_is_free_again_after_a_body_it_gave_up_on_halfway():
    # A proxy outliving its call would make the kept parser refuse every later body.
    halfway = upload(lead(name='"I"'), lead("[1, 2.5]", name='"II"'), lead(name='"III"'))
    assert whole_body_split(halfway) is None
    for _ in range(2):
        assert whole_body_split(ACCEPTED["every field"]) is not None


JSON_SCALARS = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
)
INT32_SAMPLES = st.one_of(
    st.integers(-(2**31), 2**31 - 1), st.sampled_from([-(2**31), 2**31 - 1, 0, -1])
)
# Each value is valid most of the time and sometimes off by a type or a bound, so both
# verdicts come up often.
LEAD_FIELDS = {
    "name": (st.sampled_from(["I", "II", "V1", "Lead II"]), st.sampled_from([" V1", "", "a" * 65])),
    "number_of_samples": (st.none(), st.integers(-1, 6)),
    "calibration": (
        st.fixed_dictionaries({"unit": st.sampled_from(["uV", "mV"]), "scale": st.just(0.5)}),
        st.fixed_dictionaries({"unit": st.just(""), "scale": st.sampled_from([0, 1])}),
    ),
}
UPLOAD_FIELDS = {
    "id": (st.sampled_from(["a", "rest-001"]), st.sampled_from(["a\n", "-a", "a" * 129])),
    "date": (
        st.sampled_from(["2024-05-01T10:00:00Z", "2024-05-01T10:00:00.5+02:00"]),
        st.sampled_from(["2024-05-01T10:00:00", "2024-13-01"]),
    ),
    "sampling_frequency": (st.sampled_from([500, 250.5]), st.sampled_from([0, 100_001, "500"])),
}


def sometimes_wrong(draw, valid, wrong):
    return draw(st.one_of(wrong, JSON_SCALARS)) if draw(st.integers(0, 19)) == 0 else draw(valid)


@st.composite
def signals(draw):
    samples = draw(st.lists(INT32_SAMPLES, min_size=1, max_size=6))
    if draw(st.integers(0, 4)) == 0:
        samples[draw(st.integers(0, len(samples) - 1))] = draw(
            st.one_of(JSON_SCALARS, st.sampled_from([2**31, -(2**31) - 1]))
        )
    return samples if draw(st.integers(0, 29)) else []


@st.composite
def leads(draw):
    document = {"signal": draw(signals())}
    for field, (valid, wrong) in LEAD_FIELDS.items():
        if field == "name" or draw(st.booleans()):
            document[field] = sometimes_wrong(draw, valid, wrong)
    if document.get("number_of_samples") is not None and draw(st.booleans()):
        document["number_of_samples"] = len(document["signal"])
    if draw(st.integers(0, 29)) == 0:
        document["gain"] = 1
    return document


@st.composite
def bodies(draw):
    document = {
        "leads": draw(st.lists(leads(), min_size=0 if draw(st.booleans()) else 1, max_size=3))
    }
    for field, (valid, wrong) in UPLOAD_FIELDS.items():
        if draw(st.booleans()):
            document[field] = sometimes_wrong(draw, valid, wrong)
    indent = draw(st.sampled_from([None, 0, 2]))
    separators = draw(st.sampled_from([None, (",", ":")]))
    return json.dumps(document, indent=indent, separators=separators).encode()


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies(), st.sampled_from(list(READERS)))
def test_the_typed_pass_accepts_exactly_what_pydantic_accepts(body, reader):
    typed, validated = typed_pass(body, reader), pydantic_verdict(body)
    assert (typed is None) == (validated is None)
    if typed is not None:
        assert same_upload(typed, validated)


# JSON's own characters, and bytes that are not JSON at all, for the mutations below.
JSON_BYTES = st.one_of(
    st.sampled_from(list(b'[]{}",:-+.0123456789eE \t\n\\u')), st.integers(0, 255)
)


@st.composite
def mutated_bodies(draw):
    """A valid body with a few bytes inserted, replaced or deleted, or a prefix: what reaches
    the parsers themselves, where generated documents are always well-formed JSON."""
    body = bytearray(draw(st.sampled_from(list(ACCEPTED.values()))))
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(body) - 1))
        change = draw(st.sampled_from(["insert", "replace", "delete"]))
        if change == "delete":
            del body[position]
        else:
            body[position : position + (change == "replace")] = bytes([draw(JSON_BYTES)])
    prefix = draw(st.sampled_from([b"", b"", b" ", codecs.BOM_UTF8, b"\x00"]))
    return prefix + bytes(body)


@settings(max_examples=1500, deadline=None)
@given(mutated_bodies(), st.sampled_from(list(READERS)))
def test_damaged_bodies_are_never_read_otherwise_than_pydantic_reads_them(body, reader):
    typed, validated = typed_pass(body, reader), pydantic_verdict(body)
    if typed is not None:
        assert validated is not None and same_upload(typed, validated)
