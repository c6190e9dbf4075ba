"""Uploading ECGs and reading them and their insights back."""

import uuid
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest

from tests.helpers import ecg_body


def test_full_flow_upload_read_insights_delete(api, user_token):
    body = {
        "id": "rest-12-lead",
        "date": "2024-05-01T10:00:00+02:00",
        "leads": [
            {"name": "I", "number_of_samples": 6, "signal": [5, 0, 0, -5, 0, 5]},
            {"name": "aVR", "signal": [1, 0, 1]},
            {"name": "V1", "signal": [30000, -30000, 30000]},
        ],
    }
    created = api.request("POST", "/api/v1/ecgs", user_token, json=body)
    assert created.status_code == 201, created.text
    assert created.headers["Location"].endswith("/api/v1/ecgs/rest-12-lead")
    metadata = created.json()
    assert metadata["id"] == "rest-12-lead"
    assert metadata["date"] == "2024-05-01T08:00:00Z"
    assert metadata["sampling_frequency"] is None
    assert metadata["leads"] == [
        {"name": "I", "number_of_samples": 6, "calibration": None},
        {"name": "aVR", "number_of_samples": 3, "calibration": None},
        {"name": "V1", "number_of_samples": 3, "calibration": None},
    ]

    read = api.request("GET", "/api/v1/ecgs/rest-12-lead", user_token)
    assert read.status_code == 200
    assert read.json() == metadata
    assert "signal" not in read.text

    insights = api.request("GET", "/api/v1/ecgs/rest-12-lead/insights", user_token)
    too_short = {"usable": False, "problems": ["too_short"]}
    assert insights.json() == {
        "id": "rest-12-lead",
        "analysis_version": insights.json()["analysis_version"],
        "leads": [
            {"name": "I", "zero_crossings": 2, "signal_quality": too_short},
            {"name": "aVR", "zero_crossings": 0, "signal_quality": too_short},
            {"name": "V1", "zero_crossings": 2, "signal_quality": too_short},
        ],
        "rhythm": None,
        "rhythm_unavailable": "The ECG has no sampling_frequency, so no time-based measure can "
        "be computed.",
    }

    deleted = api.request("DELETE", "/api/v1/ecgs/rest-12-lead", user_token)
    # Found in review: an empty 204 was said to be text/html.
    assert deleted.status_code == 204 and "Content-Type" not in deleted.headers
    gone = api.request("GET", "/api/v1/ecgs/rest-12-lead", user_token)
    assert gone.status_code == 404
    assert gone.json()["error"] == "ecg_not_found"
    assert api.request("DELETE", "/api/v1/ecgs/rest-12-lead", user_token).status_code == 404


def test_the_server_assigns_an_id_and_the_upload_time_when_absent(api, user_token):
    created = api.request("POST", "/api/v1/ecgs", user_token, json=ecg_body()).json()
    assert created["id"]
    received = datetime.fromisoformat(created["date"])
    stored = datetime.fromisoformat(created["created_at"])
    assert timedelta(0) <= stored - received < timedelta(seconds=5)
    assert api.request("GET", f"/api/v1/ecgs/{created['id']}", user_token).json() == created


def test_an_id_is_unique_per_owner_only(api, user_token, other_user_token):
    assert (
        api.request("POST", "/api/v1/ecgs", user_token, json=ecg_body("shared")).status_code == 201
    )
    again = api.request("POST", "/api/v1/ecgs", user_token, json=ecg_body("shared"))
    assert again.status_code == 409
    assert again.json()["error"] == "ecg_exists"
    other = api.request("POST", "/api/v1/ecgs", other_user_token, json=ecg_body("shared"))
    assert other.status_code == 201


def test_other_users_ecgs_look_exactly_like_missing_ones(api, user_token, other_user_token):
    api.request("POST", "/api/v1/ecgs", user_token, json=ecg_body("private"))
    for path in ("/api/v1/ecgs/private", "/api/v1/ecgs/private/insights"):
        theirs = api.request("GET", path, other_user_token)
        missing = api.request("GET", path.replace("private", "no-such-ecg"), other_user_token)
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["error"] == missing.json()["error"] == "ecg_not_found"
    assert api.request("DELETE", "/api/v1/ecgs/private", other_user_token).status_code == 404
    assert api.request("GET", "/api/v1/ecgs/private", user_token).status_code == 200


def test_ecgs_are_listed_newest_first_in_pages(api, user_token):
    ids = [f"list-{index}-{uuid.uuid4().hex[:6]}" for index in range(5)]
    for ecg_id in ids:
        assert (
            api.request("POST", "/api/v1/ecgs", user_token, json=ecg_body(ecg_id)).status_code
            == 201
        )
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.request("GET", "/api/v1/ecgs", user_token, params=params).json()
        pages += 1
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    assert pages == 3


@pytest.mark.parametrize(
    ("path", "query", "named"),
    [
        ("/api/v1/ecgs", "limt=5", "limt"),
        ("/api/v1/ecgs", "limit=1&limit=50", "limit"),
        ("/api/v1/ecgs/queried/render", "lead=II", "lead"),
        ("/api/v1/ecgs/queried/leads/I/signal", "strat=1", "strat"),
    ],
    ids=["misspelt", "repeated", "singular for plural", "misspelt range"],
)
def test_query_parameters_the_endpoint_does_not_know_are_a_400(api, user_token, path, query, named):
    """Found in review: they were ignored, so render?lead=II drew every lead."""
    api.request("POST", "/api/v1/ecgs", user_token, json=ecg_body("queried"))
    response = api.request("GET", f"{path}?{query}", user_token)
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert [detail["field"] for detail in response.json()["details"]] == [named]


def test_list_items_carry_metadata_but_no_signals(api, user_token):
    api.request("POST", "/api/v1/ecgs", user_token, json=ecg_body("listed"))
    response = api.request("GET", "/api/v1/ecgs", user_token)
    (item,) = response.json()["items"]
    assert set(item) == {"id", "date", "created_at", "sampling_frequency", "leads"}
    assert "signal" not in response.text


def test_a_12_lead_5000_sample_ecg_is_analysed_per_lead(api, user_token):
    names = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
    leads = [
        {"name": name, "signal": [(-1) ** (i // (index + 1)) * 100 for i in range(5000)]}
        for index, name in enumerate(names)
    ]
    created = api.request("POST", "/api/v1/ecgs", user_token, json={"leads": leads})
    assert created.status_code == 201
    insights = api.request("GET", f"/api/v1/ecgs/{created.json()['id']}/insights", user_token)
    expected = [
        {"name": name, "zero_crossings": (5000 - 1) // (index + 1)}
        for index, name in enumerate(names)
    ]
    found = [
        {key: lead[key] for key in ("name", "zero_crossings")} for lead in insights.json()["leads"]
    ]
    assert found == expected


@pytest.mark.parametrize(
    "name",
    ["Lead I (Einthoven)", "V1/ref", "aVR 100% ü", "x" * 64, "II?stop=1#top"],
)
def test_a_devices_lead_label_is_a_name_addressed_percent_encoded(api, user_token, name):
    body = {"id": f"label-{uuid.uuid4().hex[:8]}", "leads": [{"name": name, "signal": [4, -4]}]}
    assert api.request("POST", "/api/v1/ecgs", user_token, json=body).status_code == 201
    path = f"/api/v1/ecgs/{body['id']}/leads/{quote(name, safe='')}/signal"
    response = api.request("GET", path, user_token)
    assert response.status_code == 200, response.text
    assert (response.json()["lead"], response.json()["samples"]) == (name, [4, -4])
