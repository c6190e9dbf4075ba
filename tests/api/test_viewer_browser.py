"""The viewer in a real browser (Debian's Chromium, headless, driven by Playwright): sign in,
list, open, page through, download; an admin is told ECG data is not for them; and the page
runs under the app's Content-Security-Policy without a violation."""

import re
import shutil
import uuid

import numpy as np
import pytest

from recordings.model import STANDARD_LEADS
from rendering.paper import MARGIN_MM, PULSE_AREA_MM
from tests.ecg_files import simulated_ecg
from tests.helpers import USER_PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


MM_TO_CSS_PX = 96 / 25.4


@pytest.fixture
def page(browser):
    # Wide enough that a 10 s page (280 mm) is shown at its real size.
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    opened.csp_violations = []
    opened.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and opened.csp_violations.append(message.text)
        ),
    )
    yield opened
    context.close()


@pytest.fixture
def reader(api, create_user):
    username, token = create_user()
    twelve = [
        {
            "name": name,
            "signal": (simulated_ecg(500) / 2.5).astype(int).tolist(),
            "calibration": {"unit": "uV", "scale": 2.5},
        }
        for name in STANDARD_LEADS
    ]
    long_lead = [
        {"name": "II", "signal": (np.sin(np.arange(15000) / 25) * 400).astype(int).tolist()}
    ]
    for ecg_id, leads in (("resting", twelve), ("thirty-seconds", long_lead)):
        body = {"id": ecg_id, "sampling_frequency": 500, "leads": leads}
        assert api.request("POST", "/api/v1/ecgs", token, json=body).status_code == 201
    # Too slow to draw on paper (a 422), but with a sampling frequency, so the viewer asks.
    lead = {"name": "I", "signal": [1] * 300}
    slow = {"id": "ten-hertz", "sampling_frequency": 10, "leads": [lead]}
    assert api.request("POST", "/api/v1/ecgs", token, json=slow).status_code == 201
    return username


def sign_in(page, api, username, password):
    page.goto(api.url("/viewer"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_user_reads_pages_through_and_downloads_an_ecg(page, api, reader, tmp_path):
    sign_in(page, api, reader, USER_PASSWORD)
    with page.expect_response(lambda response: "/render" in response.url) as drawn:
        page.get_by_role("button", name="thirty-seconds").click()
    assert drawn.value.status == 200
    assert drawn.value.headers["content-type"].startswith("image/svg+xml")
    expect(page.locator("#paper")).to_have_attribute("src", re.compile(r"^blob:"))
    expect(page.locator("#window")).to_have_text("0 s to 10 s of 30.0 s")
    page.get_by_role("button", name="Later 10 s").click()
    expect(page.locator("#window")).to_have_text("10 s to 20 s of 30.0 s")
    with page.expect_download() as pdf:
        page.get_by_role("button", name="Download PDF").click()
    assert pdf.value.suggested_filename == "thirty-seconds.pdf"
    page.get_by_role("button", name="Back to the list").click()
    with page.expect_response(lambda response: "/render" in response.url) as drawn:
        page.get_by_role("button", name="resting").click()
    expect(page.locator("#detail-title")).to_have_text("ECG resting")
    expect(page.locator("#lead-rows tr")).to_have_count(12)
    # 10 s: no SDNN, and the facts say why rather than "SDNN null" (found in review).
    expect(page.locator("#facts")).to_contain_text("SDNN needs at least 30 s")
    expect(page.locator("#facts")).not_to_contain_text("null")
    assert drawn.value.status == 200
    width_mm = 2 * MARGIN_MM + PULSE_AREA_MM + 10 * 25  # 10 s at 25 mm/s, pulse area, margins
    expect(page.locator("#paper")).to_have_attribute("src", re.compile(r"^blob:"))
    page.wait_for_timeout(300)  # let the image decode before measuring it
    shown = page.locator("#paper").bounding_box()
    assert abs(shown["width"] - 2 - width_mm * MM_TO_CSS_PX) < 3  # 2 px of border
    page.screenshot(path=str(tmp_path / "viewer-12-lead.png"), full_page=True)
    with page.expect_download() as edf:
        page.get_by_role("button", name="Download EDF+").click()
    assert edf.value.suggested_filename == "resting.edf"
    assert page.csp_violations == []


def test_an_admin_is_told_ecg_data_is_not_for_them(page, api):
    sign_in(page, api, api.admin_username, api.admin_password)
    expect(page.locator("#admin-note")).to_be_visible()
    expect(page.locator("#admin-note")).to_contain_text("not shown to administrators")
    expect(page.locator("#ecg-list")).to_be_hidden()


def test_a_new_account_chooses_its_password_before_reading(page, api, admin_token):
    """A new account's password is the administrator's, and the API opens nothing else with it:
    the viewer asks for the owner's own first."""
    username = f"newcomer-{uuid.uuid4().hex[:8]}"
    created = {"username": username, "password": "set-by-admin"}
    assert api.request("POST", "/api/v1/users", admin_token, json=created).status_code == 201
    sign_in(page, api, username, "set-by-admin")
    expect(page.locator("#choose-password")).to_be_visible()
    expect(page.locator("#ecg-list")).to_be_hidden()

    def choose(new_password: str) -> None:
        page.get_by_label("Current password").fill("set-by-admin")
        page.get_by_label("New password", exact=True).fill(new_password)
        page.get_by_label("New password again").fill(new_password)
        page.get_by_role("button", name="Set password").click()

    choose("set-by-admin")
    expect(page.locator("#status")).to_contain_text("must differ")
    expect(page.locator("#ecg-list")).to_be_hidden()
    choose("chosen-by-owner")
    expect(page.locator("#ecg-list")).to_be_visible()
    assert page.locator("#new-password").input_value() == ""
    assert page.csp_violations == []


def opened(page, ecg_id: str) -> None:
    with page.expect_response(lambda response: "/render" in response.url):
        page.get_by_role("button", name=ecg_id, exact=True).click()
    expect(page.locator("#detail-title")).to_have_text(f"ECG {ecg_id}")


def test_a_slow_download_keeps_the_name_of_the_ecg_it_was_asked_for(page, api, reader):
    """Found in review: the file was named after the ECG open when it arrived."""
    sign_in(page, api, reader, USER_PASSWORD)
    opened(page, "resting")
    held = []
    page.route("**/export?format=edf", lambda route: held.append(route))  # noqa: PLW0108 - Playwright calls Python functions only
    page.get_by_role("button", name="Download EDF+").click()
    page.get_by_role("button", name="Back to the list").click()
    opened(page, "thirty-seconds")
    with page.expect_download() as edf:
        held[0].continue_()
    assert edf.value.suggested_filename == "resting.edf"


def test_a_page_of_the_list_arriving_after_sign_out_is_dropped(page, api, create_user):
    """Found in review: a late page of one account's ECGs was put on the signed-out page."""
    username, token = create_user()
    for index in range(21):  # one more than a page
        body = {"id": f"list-{index:02}", "leads": [{"name": "I", "signal": [0, 1]}]}
        assert api.request("POST", "/api/v1/ecgs", token, json=body).status_code == 201
    sign_in(page, api, username, USER_PASSWORD)
    expect(page.locator("#ecg-rows tr")).to_have_count(20)
    held = []
    page.route("**/api/v1/ecgs?cursor=*", lambda route: held.append(route))  # noqa: PLW0108
    page.get_by_role("button", name="More ECGs").click()
    while not held:
        page.wait_for_timeout(50)
    answer = held[0].fetch()  # the server answers while the session lives...
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#sign-in")).to_be_visible()
    with page.expect_response(lambda response: "cursor=" in response.url):
        held[0].fulfill(response=answer)  # ...and the page gets it after the sign-out
    page.wait_for_timeout(200)  # let the answer be handled
    expect(page.locator("#sign-in")).to_be_visible()
    expect(page.locator("#ecg-list")).to_be_hidden()
    assert page.locator("#ecg-rows").inner_html() == ""


def test_a_wrong_password_is_said_in_the_status_line(page, api, reader):
    sign_in(page, api, reader, "not-the-password")
    expect(page.locator("#status")).to_contain_text("incorrect")


def test_no_tracing_outlives_its_ecg_or_its_account(page, api, reader):
    """Found in review: a failed render left the previous ECG's tracing under the new title,
    and signing out left the last ECG on the page for the next account."""
    sign_in(page, api, reader, USER_PASSWORD)
    with page.expect_response(lambda response: "/render" in response.url):
        page.get_by_role("button", name="thirty-seconds").click()
    expect(page.locator("#paper")).to_have_attribute("src", re.compile(r"^blob:"))
    page.get_by_role("button", name="Back to the list").click()
    with page.expect_response(lambda response: "/render" in response.url) as refused:
        page.get_by_role("button", name="ten-hertz").click()
    assert refused.value.status == 422
    expect(page.locator("#detail-title")).to_have_text("ECG ten-hertz")
    expect(page.locator("#paper-caption")).to_contain_text("Not drawn")
    assert page.locator("#paper").get_attribute("src") is None
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#sign-in")).to_be_visible()
    assert page.locator("#facts").inner_html() == ""
    assert page.locator("#ecg-rows").inner_html() == ""
    assert page.locator("#paper").get_attribute("src") is None
