"""What the fuzzers may not expect of this API, shared by `make fuzz` and tests/api/test_fuzz.py.

Where JSON Schema cannot state every rule of an operation, "schema-valid requests are accepted"
cannot hold there; every other check still applies.
"""

RULES_BEYOND_SCHEMA = {
    "/api/v1/ecgs": "lead names are unique, number_of_samples equals the signal's length, "
    "samples are written as integers (145.0 is refused), and uploaded files must be ECGs",
    "/api/v1/ecgs/{ecg_id}/export": "EDF+ needs a sampling frequency and 16-bit samples (422)",
    "/api/v1/ecgs/{ecg_id}/render": "paper needs a sampling frequency of at least 25 Hz (422)",
    "/api/v1/ecgs/{ecg_id}/leads/{lead_name}/signal": "a range must lie within the lead",
    "/api/v1/ecgs/{ecg_id}/beats": "a range must lie within the recording",
}


def beyond_schema(path: str, query: dict | None) -> bool:
    """Whether a request's acceptance depends on rules the schema cannot state (or a cursor,
    which only the API makes)."""
    return path in RULES_BEYOND_SCHEMA or "cursor" in (query or {})
