"""Recordings of any length: chunked storage, range reads, metadata for physical units."""

import numpy as np
import pytest
from pymongo import MongoClient

from analysis.zero_crossings import count_zero_crossings
from recordings.store import SAMPLES_PER_CHUNK
from tests.helpers import stored_samples, stored_zero_crossings

CHUNK = SAMPLES_PER_CHUNK


@pytest.fixture(scope="module")
def long_signal() -> np.ndarray:
    """Two and a half chunks of a signal that crosses zero every 1000 samples."""
    length = 2 * CHUNK + CHUNK // 2
    signal = np.where((np.arange(length) // 1000) % 2 == 0, 150, -150)
    signal[::7] = 0
    return signal


@pytest.fixture
def long_ecg(api, user_token, long_signal):
    body = {
        "id": "holter",
        "sampling_frequency": 250,
        "leads": [
            {
                "name": "MLII",
                "signal": long_signal.tolist(),
                "calibration": {"unit": "uV", "scale": 5.0, "baseline": -1.5},
            },
            {"name": "V5", "signal": (long_signal * 300).tolist()},
        ],
    }
    response = api.request("POST", "/api/v1/ecgs", user_token, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_multi_chunk_recording_is_stored_with_its_metadata(long_ecg, long_signal):
    assert long_ecg["sampling_frequency"] == 250
    assert long_ecg["leads"] == [
        {
            "name": "MLII",
            "number_of_samples": long_signal.size,
            "calibration": {"unit": "uV", "scale": 5.0, "baseline": -1.5},
        },
        {"name": "V5", "number_of_samples": long_signal.size, "calibration": None},
    ]


def test_insights_of_a_multi_chunk_recording_cover_every_chunk(api, user_token, long_ecg):
    insights = api.request("GET", "/api/v1/ecgs/holter/insights", user_token).json()
    expected = (2 * CHUNK + CHUNK // 2 - 1) // 1000
    assert [lead["zero_crossings"] for lead in insights["leads"]] == [expected, expected]


@pytest.mark.parametrize(
    ("start", "stop"),
    [
        (0, 10),
        (CHUNK - 5, CHUNK + 5),  # across one boundary
        (CHUNK - 1, CHUNK),  # the last sample of a chunk
        (CHUNK, CHUNK + 1),  # the first sample of the next
        (2 * CHUNK - 50_000, 2 * CHUNK + 50_000),  # the largest slice, across a boundary
        (2 * CHUNK + CHUNK // 2 - 3, 2 * CHUNK + CHUNK // 2),  # the end of the recording
    ],
)
def test_range_reads_return_exactly_the_requested_samples(
    api, user_token, long_ecg, long_signal, start, stop
):
    for lead, factor in (("MLII", 1), ("V5", 300)):
        response = api.request(
            "GET",
            f"/api/v1/ecgs/holter/leads/{lead}/signal",
            user_token,
            params={"start": start, "stop": stop},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["start"], body["stop"]) == (start, stop)
        assert body["samples"] == (long_signal[start:stop] * factor).tolist()


def test_a_range_read_defaults_to_the_largest_slice(api, user_token, long_ecg):
    body = api.request("GET", "/api/v1/ecgs/holter/leads/MLII/signal", user_token).json()
    assert (body["start"], body["stop"]) == (0, 100_000)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"start": 10, "stop": 10}, "invalid_range"),
        ({"start": 0, "stop": 3 * CHUNK}, "invalid_range"),
        ({"start": 0, "stop": 100_001}, "range_too_large"),
        ({"start": -1}, "validation_error"),
        ({"start": "x"}, "validation_error"),
    ],
)
def test_bad_ranges_are_a_400(api, user_token, long_ecg, params, error):
    response = api.request(
        "GET", "/api/v1/ecgs/holter/leads/MLII/signal", user_token, params=params
    )
    assert response.status_code == 400
    assert response.json()["error"] == error


def test_an_unknown_lead_and_another_users_ecg_are_404(api, user_token, other_user_token, long_ecg):
    unknown = api.request("GET", "/api/v1/ecgs/holter/leads/V9/signal", user_token)
    assert unknown.json()["error"] == "lead_not_found"
    theirs = api.request("GET", "/api/v1/ecgs/holter/leads/MLII/signal", other_user_token)
    assert theirs.status_code == 404
    assert theirs.json()["error"] == "ecg_not_found"


def test_a_recording_beyond_one_mongodb_document_is_accepted(api, user_token):
    # 9 M int16 samples: 18 MB of binary, more than one 16 MiB document could hold.
    body = b'{"id": "nine-million", "leads": [{"name": "I", "signal": [' + b"1,-1," * 4_500_000
    body = body[:-1] + b"]}]}"
    response = api.request(
        "POST", "/api/v1/ecgs", user_token, data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text
    insights = api.request("GET", "/api/v1/ecgs/nine-million/insights", user_token).json()
    assert insights["leads"][0]["zero_crossings"] == 9_000_000 - 1


def test_deleting_an_ecg_deletes_its_chunks(api, user_token, database):
    if not api.local:
        pytest.skip("inspects the server's database")
    # 2.2 M random int32 samples do not compress: ~8.8 MB, past the inline limit.
    noise = np.random.default_rng(5).integers(-(2**31), 2**31 - 1, 2_200_000)
    body = {"id": "to-delete", "leads": [{"name": "I", "signal": noise.tolist()}]}
    created = api.request("POST", "/api/v1/ecgs", user_token, json=body)
    assert created.status_code == 201, created.text
    with MongoClient(database.uri) as client:
        db = client.get_default_database()
        key = db.ecgs.find_one({"id": "to-delete"}, {"_id": 1})["_id"]
        assert db.signal_chunks.count_documents({"ecg": key}) == 9
        assert api.request("DELETE", "/api/v1/ecgs/to-delete", user_token).status_code == 204
        assert db.signal_chunks.count_documents({"ecg": key}) == 0
        assert db.ecgs.count_documents({"_id": key}) == 0


def test_a_13_mb_json_ecg_of_two_leads_of_two_million_samples_is_accepted(api, user_token):
    leads = [np.random.default_rng(seed).integers(-2000, 2001, 2_000_000) for seed in (1, 2)]
    body = {
        "id": "two-by-two-million",
        "sampling_frequency": 500,
        "leads": [
            {"name": "I", "signal": leads[0].tolist()},
            {"name": "II", "signal": leads[1].tolist()},
        ],
    }
    response = api.request("POST", "/api/v1/ecgs", user_token, json=body)
    assert response.status_code == 201, response.text
    assert stored_zero_crossings(api, user_token, "two-by-two-million") == [
        count_zero_crossings(lead) for lead in leads
    ]
    tail = stored_samples(api, user_token, "two-by-two-million", "II", 1_950_000, 2_000_000)
    assert tail == leads[1][1_950_000:].tolist()


def test_a_negative_scale_means_inverted_polarity_and_is_kept(api, user_token):
    calibration = {"unit": "mV", "scale": -0.005, "baseline": 1024}
    body = {"leads": [{"name": "I", "signal": [1, 2], "calibration": calibration}]}
    response = api.request("POST", "/api/v1/ecgs", user_token, json=body)
    assert response.status_code == 201, response.text
    assert response.json()["leads"][0]["calibration"] == calibration
