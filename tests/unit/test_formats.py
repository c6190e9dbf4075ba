import math

import pytest

from formats import calibration
from formats.leads import lead_names


@pytest.mark.parametrize(
    ("scale", "baseline"), [(0, 0), (math.inf, 0), (math.nan, 0), (1.0, math.inf), (1.0, math.nan)]
)
def test_unusable_calibrations_are_dropped(scale, baseline):
    assert calibration("uV", scale, baseline) is None


def test_calibrations_keep_inverted_polarity_and_name_their_unit():
    assert calibration("  ", -0.5, 3).unit == "unspecified"
    assert calibration("microvolts-per-step", -0.5, 3).scale == -0.5
    assert len(calibration("microvolts-per-step", 1, 0).unit) == 16


def test_lead_names_are_url_safe_and_unique():
    assert lead_names(["ECG I", "ECG I", "V1/ref", "", "é"]) == [
        "ECG I",
        "ECG I-2",
        "V1_ref",
        "ch4",
        "ch5",
    ]


@pytest.mark.parametrize(
    ("frequency", "leads", "error"),
    [
        (0.0, 1, "UnreadableFile"),
        (math.nan, 1, "UnreadableFile"),
        (200_000.0, 1, "UnreadableFile"),
        (250.0, 0, "UnreadableFile"),
        (250.0, 65, "UnsupportedFile"),
    ],
)
def test_every_format_is_held_to_the_json_limits(frequency, leads, error):
    from formats import checked
    from recordings.model import LeadInput, Recording

    recording = Recording([LeadInput(f"L{i}", lambda: []) for i in range(leads)], frequency)
    with pytest.raises(Exception) as raised:
        checked("EDF", recording)
    assert type(raised.value).__name__ == error
