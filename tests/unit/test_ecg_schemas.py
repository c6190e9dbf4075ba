import json
import re
from datetime import UTC, datetime

import numpy as np
import pytest
from pydantic import ValidationError

from ecg.schemas import EcgMetadata
from ecg.uploads import EcgUpload, LeadFields
from recordings.model import (
    LEAD_NAME_PATTERN,
    Calibration,
    EcgSummary,
    LeadSummary,
    lead_name_problem,
)

ONE_LEAD = [{"name": "I", "signal": [1, 2]}]


def parse(body: dict) -> EcgUpload:
    return EcgUpload.from_json(json.dumps(body).encode())


def test_dates_are_stored_in_utc_at_millisecond_precision():
    recording = parse(
        {"leads": ONE_LEAD, "date": "2024-05-01T10:00:00.123456+02:00"}
    ).to_recording()
    assert recording.date == datetime(2024, 5, 1, 8, 0, 0, 123000, tzinfo=UTC)
    assert recording.date.utcoffset().total_seconds() == 0


def test_a_date_without_utc_offset_is_refused_rather_than_guessed():
    with pytest.raises(ValidationError, match="timezone"):
        parse({"leads": ONE_LEAD, "date": "2024-05-01T10:00:00"})


def test_missing_id_and_date_get_server_defaults():
    before = datetime.now(UTC)
    recording = parse({"leads": ONE_LEAD}).to_recording()
    assert len(recording.id) == 32
    assert before.replace(microsecond=0) <= recording.date <= datetime.now(UTC)


def test_signals_become_int32_arrays():
    recording = parse(
        {"leads": [{"name": "I", "signal": [2147483647, -2147483648]}]}
    ).to_recording()
    (signal,) = recording.leads[0].blocks()
    assert signal.dtype == np.int32
    assert signal.tolist() == [2147483647, -2147483648]


def test_number_of_samples_must_match_the_signal():
    with pytest.raises(ValidationError, match="number_of_samples is 3 but the signal has 2"):
        parse({"leads": [{"name": "I", "number_of_samples": 3, "signal": [1, 2]}]})


def test_lead_names_must_be_unique():
    with pytest.raises(ValidationError, match="repeated: I"):
        parse({"leads": [{"name": "I", "signal": [1]}, {"name": "I", "signal": [2]}]})


def test_a_huge_invalid_signal_stops_at_its_first_bad_sample():
    with pytest.raises(ValidationError) as raised:
        parse({"leads": [{"name": "I", "signal": [0.5] * 100_000}]})
    assert raised.value.error_count() == 1


def test_a_calibration_stored_before_the_bounds_is_still_read():
    """Found in review: metadata was validated against the upload's bounds, so an ECG stored
    with a scale of 1e306 gave a 500 on every read and on every page listing it."""
    lead = LeadSummary("I", 2, {}, Calibration("V", 1e306, 3e12))
    stored = EcgSummary("key", True, "old", datetime.now(UTC), datetime.now(UTC), [lead])
    shown = EcgMetadata.from_summary(stored).leads[0].calibration
    assert (shown.scale, shown.baseline) == (1e306, 3e12)


NAMES = [
    "II",
    "Lead II (Einthoven)",
    "aVR 100% ü",
    "I\u00a0I",
    "x" * 64,
    "x" * 65,
    "",
    " II",
    "II\u00a0",
    "II\x07",
    "II\x85",
    "a\u2028b",
    "II\ufffe",
    "II\u200b",
    "\u2060II",
    "\ufeffII",
    "\u202eII",
    "II\ue000",
    "II\u0378",
    "II\ufe0f",
    "\u3164II",
    "II\U000e0100",
]


@pytest.mark.parametrize("name", NAMES, ids=ascii)
def test_the_documented_pattern_refuses_no_lead_name_the_service_takes(name):
    """The pattern cannot list every invisible character (Cf, Co and Cn take hundreds of
    ranges), so the service refuses more; never less, or a client would send names it refuses."""
    if lead_name_problem(name) is None:
        assert re.fullmatch(LEAD_NAME_PATTERN, name)
    if not re.fullmatch(LEAD_NAME_PATTERN, name):
        assert lead_name_problem(name) is not None


def test_the_lead_name_pattern_is_in_the_api_document():
    """Found in review: the URL check, placed before the Field, took the pattern out of it."""
    assert LeadFields.model_json_schema()["properties"]["name"]["pattern"] == LEAD_NAME_PATTERN
