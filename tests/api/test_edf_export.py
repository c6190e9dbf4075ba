"""EDF+ export: what the service writes, edfio must read back exactly."""

import io
from datetime import UTC, datetime

import edfio
import numpy as np
import pytest

from tests.ecg_files import ecg_like, edf_bytes


def export(api, token, ecg_id):
    return api.request("GET", f"/api/v1/ecgs/{ecg_id}/export", token, params={"format": "edf"})


def read_edf(content: bytes) -> edfio.Edf:
    return edfio.read_edf(io.BytesIO(content))


def test_an_export_round_trips_samples_names_units_and_start(api, user_token):
    leads = [ecg_like(500 * 12, seed) for seed in (7, 8)]
    body = {
        "id": "to-export",
        "date": "2024-05-01T10:30:15+00:00",
        "sampling_frequency": 500,
        "leads": [
            {
                "name": "II",
                "signal": leads[0].tolist(),
                "calibration": {"unit": "uV", "scale": 2.5},
            },
            {"name": "V5", "signal": leads[1].tolist()},
        ],
    }
    assert api.request("POST", "/api/v1/ecgs", user_token, json=body).status_code == 201
    response = export(api, user_token, "to-export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="to-export.edf"'
    assert int(response.headers["Content-Length"]) == len(response.content)

    exported = read_edf(response.content)
    assert exported.labels == ("II", "V5")
    assert [s.sampling_frequency for s in exported.signals] == [500, 500]
    assert exported.signals[0].digital.tolist() == leads[0].tolist()
    assert exported.signals[1].digital.tolist() == leads[1].tolist()
    assert exported.signals[0].physical_dimension == "uV"
    np.testing.assert_allclose(exported.signals[0].data, leads[0] * 2.5, atol=1e-3)
    assert (exported.startdate.isoformat(), exported.starttime.isoformat()) == (
        "2024-05-01",
        "10:30:15",
    )


def test_an_uploaded_edf_exports_to_the_same_samples_and_reimports(api, user_token):
    leads = [ecg_like(250 * 30, seed) for seed in (1, 2, 3)]
    upload = api.request(
        "POST",
        "/api/v1/ecgs",
        user_token,
        files=[("file", ("a.edf", edf_bytes(leads)))],
        data={"id": "edf-in"},
    )
    assert upload.status_code == 201
    exported = export(api, user_token, "edf-in").content
    assert [s.digital.tolist() for s in read_edf(exported).signals] == [s.tolist() for s in leads]
    again = api.request(
        "POST",
        "/api/v1/ecgs",
        user_token,
        files=[("file", ("b.edf", exported))],
        data={"id": "edf-again"},
    )
    assert again.status_code == 201, again.text
    first = api.request("GET", "/api/v1/ecgs/edf-in/insights", user_token).json()["leads"]
    second = api.request("GET", "/api/v1/ecgs/edf-again/insights", user_token).json()["leads"]
    assert first == second


def test_the_start_keeps_its_milliseconds_through_export_and_import(api, user_token):
    body = {
        "id": "ms-out",
        "date": "2024-05-01T10:30:15.123+00:00",
        "sampling_frequency": 500,
        "leads": [{"name": "II", "signal": ecg_like(5000, 4).tolist()}],
    }
    assert api.request("POST", "/api/v1/ecgs", user_token, json=body).status_code == 201
    exported = export(api, user_token, "ms-out").content
    assert read_edf(exported).starttime.isoformat() == "10:30:15.123000"
    again = api.request(
        "POST",
        "/api/v1/ecgs",
        user_token,
        files=[("file", ("ms.edf", exported))],
        data={"id": "ms-in"},
    )
    assert again.status_code == 201, again.text
    assert datetime.fromisoformat(again.json()["date"]) == datetime(
        2024, 5, 1, 10, 30, 15, 123000, tzinfo=UTC
    )


def test_a_multi_chunk_recording_exports_completely(api, user_token):
    signal = ecg_like(600_000, 9)  # three chunks
    body = {
        "id": "long-export",
        "sampling_frequency": 250,
        "leads": [{"name": "I", "signal": signal.tolist()}],
    }
    assert api.request("POST", "/api/v1/ecgs", user_token, json=body).status_code == 201
    exported = read_edf(export(api, user_token, "long-export").content)
    assert exported.signals[0].digital.tolist() == signal.tolist()


def test_short_leads_are_padded_to_whole_records(api, user_token):
    body = {
        "id": "ragged",
        "sampling_frequency": 100,
        "leads": [{"name": "I", "signal": [5] * 150}],
    }
    api.request("POST", "/api/v1/ecgs", user_token, json=body)
    digital = read_edf(export(api, user_token, "ragged").content).signals[0].digital
    assert digital.tolist() == [5] * 150 + [0] * 50


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"leads": [{"name": "I", "signal": [1, 2]}]}, "no sampling frequency"),
        ({"sampling_frequency": 250, "leads": [{"name": "I", "signal": [40000, 1]}]}, "16-bit"),
        ({"sampling_frequency": 0.3333, "leads": [{"name": "I", "signal": [1]}]}, "whole number"),
        ({"sampling_frequency": 1e-9, "leads": [{"name": "I", "signal": [1]}]}, "whole number"),
        (
            {
                "sampling_frequency": 250,
                "leads": [
                    {"name": "Precordial lead V1", "signal": [1]},
                    {"name": "Precordial lead V2", "signal": [1]},
                ],
            },
            "16 printable ASCII characters",
        ),
        (
            {
                "sampling_frequency": 250,
                "leads": [
                    {"name": "II", "signal": [1]},
                    {"name": "EDF Annotations", "signal": [1]},
                ],
            },
            "reserves for annotations",
        ),
        (
            {
                "sampling_frequency": 250,
                "leads": [
                    {
                        "name": "I",
                        "signal": [1],
                        # a step of 1 pV around 1 mV: beyond 8 characters' precision
                        "calibration": {"unit": "V", "scale": 1e-12, "baseline": 1e9},
                    }
                ],
            },
            "too fine",
        ),
    ],
    ids=[
        "no frequency",
        "beyond 16 bits",
        "irregular frequency",
        "tiny frequency",
        "labels over 16 characters",
        "a lead named as the annotations",
        "physical range too fine",
    ],
)
def test_what_edf_cannot_hold_is_a_422(api, user_token, body, reason):
    created = api.request("POST", "/api/v1/ecgs", user_token, json=body).json()
    response = export(api, user_token, created["id"])
    assert response.status_code == 422
    assert response.json()["error"] == "not_exportable"
    assert reason in response.json()["message"]


def test_unknown_formats_and_other_users_ecgs_are_refused(api, user_token, other_user_token):
    body = {"id": "mine", "sampling_frequency": 250, "leads": [{"name": "I", "signal": [1, -1]}]}
    api.request("POST", "/api/v1/ecgs", user_token, json=body)
    wrong_format = api.request(
        "GET", "/api/v1/ecgs/mine/export", user_token, params={"format": "csv"}
    )
    assert wrong_format.status_code == 400
    assert export(api, other_user_token, "mine").status_code == 404
