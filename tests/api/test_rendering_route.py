"""GET /ecgs/<id>/render: the paper view of a window, as SVG or PDF, under the owner rules."""

import numpy as np
import pytest

from ecg.schemas import MAX_RENDER_LEADS_LENGTH
from recordings.model import STANDARD_LEADS


@pytest.fixture(scope="module")
def twelve_lead(api, create_user_module):
    _, token = create_user_module
    leads = [
        {
            "name": name,
            "signal": (np.sin(np.arange(5000) / 20) * 500).astype(int).tolist(),
            "calibration": {"unit": "uV", "scale": 2.5},
        }
        for name in STANDARD_LEADS
    ]
    body = {"id": "paper", "sampling_frequency": 500, "leads": leads}
    assert api.request("POST", "/api/v1/ecgs", token, json=body).status_code == 201
    return token


@pytest.fixture(scope="module")
def create_user_module(api, admin_token):
    username = "paper-viewer"
    return username, api.new_account(admin_token, username)


def test_a_12_lead_ecg_renders_as_svg_on_standard_paper(api, twelve_lead):
    response = api.request("GET", "/api/v1/ecgs/paper/render", twelve_lead)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    svg = response.text
    assert 'width="280.0mm"' in svg and svg.count("<polyline") == 13
    assert "25 mm/s" in svg and "10 mm/mV" in svg and "ECG paper" in svg


def test_a_pdf_and_other_speeds_and_leads(api, twelve_lead):
    pdf = api.request("GET", "/api/v1/ecgs/paper/render", twelve_lead, params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    strips = api.request(
        "GET",
        "/api/v1/ecgs/paper/render",
        twelve_lead,
        params={"leads": "II,V5", "speed": "50", "gain": "20", "duration_s": "4"},
    )
    assert strips.status_code == 200 and strips.text.count("<polyline") == 2
    # 4 s at 50 mm/s, two 10 mm margins, and at that speed a 15 mm calibration pulse's area
    assert "50 mm/s" in strips.text and 'width="235.0mm"' in strips.text


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"start_s": "11"}, 400),
        ({"start_s": "9.9995"}, 200),  # found in review: rounded to the end, a 400
        ({"leads": ""}, 400),  # found in review: drew every lead
        ({"leads": "II,"}, 400),
        ({"start_s": "1e308"}, 400),
        ({"leads": ",".join(["I"] * 12) + ",II", "duration_s": "60"}, 200),
        ({"leads": "I,II,III,aVR,aVL,aVF,V1,V2,V3,V4,V5,V6", "duration_s": "60"}, 200),
        ({"duration_s": "61"}, 400),
        ({"leads": "II,nowhere"}, 404),
        ({"speed": "30"}, 400),
        ({"format": "png"}, 400),
    ],
)
def test_bad_render_requests_are_4xx(api, twelve_lead, params, status):
    response = api.request("GET", "/api/v1/ecgs/paper/render", twelve_lead, params=params)
    assert response.status_code == status, response.text


def test_the_longest_valid_render_request_fits_the_servers_request_line(api, user_token):
    """Found by `make fuzz`: 4096 characters of lead names passed validation but not gunicorn."""
    params = {
        "format": "pdf",
        "start_s": "123456789.12345678",
        "duration_s": "59.999999999999",
        "leads": "\N{MATHEMATICAL BOLD CAPITAL I}" * MAX_RENDER_LEADS_LENGTH,
        "layout": "strips",
        "speed": "12.5",
        "gain": "20",
    }
    longest_id = "x" * 128
    response = api.request("GET", f"/api/v1/ecgs/{longest_id}/render", user_token, params=params)
    assert response.status_code == 404 and response.json()["error"] == "ecg_not_found"


def test_without_a_sampling_frequency_rendering_is_a_422(api, user_token):
    api.request(
        "POST",
        "/api/v1/ecgs",
        user_token,
        json={"id": "no-rate", "leads": [{"name": "I", "signal": [1, 2]}]},
    )
    response = api.request("GET", "/api/v1/ecgs/no-rate/render", user_token)
    assert response.status_code == 422 and response.json()["error"] == "not_renderable"


def test_another_users_ecg_does_not_render(api, twelve_lead, other_user_token):
    assert api.request("GET", "/api/v1/ecgs/paper/render", other_user_token).status_code == 404
