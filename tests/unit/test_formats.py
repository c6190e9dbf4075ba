import json
import math

import numpy as np
import pytest
from pydantic import ValidationError

from ecg.uploads import EcgUpload
from formats import UploadedFile, calibration, read_recording
from formats.leads import lead_names
from tests.ecg_files import ecg_like, edf_bytes


@pytest.mark.parametrize(
    ("scale", "baseline"),
    [
        (0, 0),
        (math.inf, 0),
        (math.nan, 0),
        (1.0, math.inf),
        (1.0, math.nan),
        (1e-316, 0),  # an EDF's physical range of 1E-316: rounds to 0 mV per step
        (-1e306, 0),
        (1.0, 1e300),
    ],
)
def test_unusable_calibrations_are_dropped(scale, baseline):
    assert calibration("uV", scale, baseline) is None


def test_calibrations_keep_inverted_polarity_and_name_their_unit():
    assert calibration("  ", -0.5, 3).unit == "unspecified"
    assert calibration("microvolts-per-step", -0.5, 3).scale == -0.5
    assert len(calibration("microvolts-per-step", 1, 0).unit) == 16


def test_lead_names_keep_the_devices_labels_and_are_unique():
    assert lead_names(["ECG I", "ECG I", "V1/ref", "", "é", " Lead II (Einthoven) "]) == [
        "ECG I",
        "ECG I-2",
        "V1/ref",
        "ch4",
        "é",
        "Lead II (Einthoven)",
    ]


def test_lead_names_drop_control_characters_and_fit_64_characters():
    names = lead_names(["a\x00b\x1f", "x" * 100, "x" * 100])
    assert names[0] == "ab"
    assert names[1] == "x" * 64
    assert names[2] == "x" * 62 + "-2" and len(set(names)) == 3


def test_lead_names_drop_invisible_and_formatting_characters():
    """Found in review: "II", "II" + U+200B and U+2060 + "II" were three leads that all read II."""
    labels = ["II", "II\u200b", "\u2060II", "\ufeffV1", "\u202eaVR", "a\u2028b", "\ue000V2"]
    assert lead_names(labels) == ["II", "II-2", "II-3", "V1", "aVR", "ab", "V2"]
    # Found in review: drawn as nothing, though of categories a label may otherwise hold.
    assert lead_names(["II", "II\ufe0f", "\u3164II", "II\u2800"]) == ["II", "II-2", "II-3", "II-4"]


def test_a_label_of_invisible_characters_only_falls_back_to_the_channels_position():
    assert lead_names(["\u200b\u200d", "\udc80"]) == ["ch1", "ch2"]


def test_a_label_cut_to_64_characters_loses_the_space_it_ends_on():
    """Found in review: cut after trimming, a name ended in a space no lead name may end in."""
    assert lead_names(["x" * 63 + " y"]) == ["x" * 63]


def test_labels_a_url_could_not_name_fall_back_to_the_channels_position():
    """Found in review: a lead named "/x" was read at /leads//x/signal, which Werkzeug merges into
    /leads/x/signal: another lead's samples."""
    labels = ["/x", "x/", "a//b", ".", "a/../b", "V1/ref", "V1.2"]
    assert lead_names(labels) == ["ch1", "ch2", "ch3", "ch4", "ch5", "V1/ref", "V1.2"]


@pytest.mark.parametrize("name", ["/x", "x/", "a//b", ".", "..", "a/./b", "../II"])
def test_uploads_refuse_lead_names_a_url_could_not_name(name):
    body = {"leads": [{"name": name, "signal": [1, 2]}]}
    with pytest.raises(ValidationError, match="lead name may not"):
        EcgUpload.from_json(json.dumps(body).encode())


def test_labels_that_differ_only_in_case_or_unicode_form_are_told_apart():
    """Found in review: "II" and "ii", or "é" composed and decomposed, were two leads; and so
    were "V 1" with a plain, a no-break and a figure space."""
    assert lead_names(["II", "ii", "\u00e9", "e\u0301"]) == ["II", "ii-2", "\u00e9", "e\u0301-2"]
    assert lead_names(["V 1", "V\u00a01", "V\u20071"]) == ["V 1", "V\u00a01-2", "V\u20071-3"]


@pytest.mark.parametrize(
    "names",
    [["II", "ii"], ["\u00e9", "e\u0301"], ["V 1", "V\u00a01"]],
    ids=["case", "NFD", "no-break space"],
)
def test_uploads_refuse_lead_names_repeated_in_another_case_or_form(names):
    body = {"leads": [{"name": name, "signal": [1, 2]} for name in names]}
    with pytest.raises(ValidationError, match="unique in any case"):
        EcgUpload.from_json(json.dumps(body).encode())


def test_lead_names_are_unique_however_many_labels_repeat():
    names = lead_names(["II"] * 3000 + ["II-2"])
    assert len(set(names)) == 3001
    assert names[:3] == ["II", "II-2", "II-3"]


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


def test_lead_names_hold_no_character_that_xml_cannot_carry():
    """Found in review: a name with U+FFFE was accepted, and the SVG that drew it did not parse."""
    assert lead_names(["II\ufffe", "\uffffV1"]) == ["II", "V1"]
    body = {"leads": [{"name": "II\ufffe", "signal": [1, 2]}]}
    with pytest.raises(ValidationError, match=r"\(U\+FFFE\)"):
        EcgUpload.from_json(json.dumps(body).encode())


def test_an_edf_digital_range_too_wide_for_a_float_is_read_uncalibrated(tmp_path):
    """Found in review: digital limits of 1e308, whole numbers to Python, overflowed the float
    division of the calibration: a 500."""
    content = bytearray(edf_bytes([ecg_like(2500, 1)]))
    digital_min = 256 + 16 + 80 + 8 + 8 + 8  # one signal: its label, transducer, ... fields
    content[digital_min : digital_min + 16] = b"-1e308  1e308   "
    path = tmp_path / "wide.edf"
    path.write_bytes(bytes(content))
    recording = read_recording([UploadedFile("wide.edf", path)])
    assert recording.leads[0].calibration is None
    assert np.concatenate(list(recording.leads[0].blocks())).size == 2500
