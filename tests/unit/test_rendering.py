"""The paper view's geometry: mm per second and per mV, the pulse, the grid, the layouts, and
downsampling that keeps a one-sample spike."""

import re
import zlib

import numpy as np
import pytest

from recordings.model import STANDARD_LEADS, Calibration
from rendering.downsample import min_max
from rendering.drawing import Trace
from rendering.paper import (
    COLUMN_SECONDS,
    HEADER_MM,
    MARGIN_MM,
    PULSE_AREA_MM,
    ROW_MM,
    LeadWindow,
    Sheet,
    draw,
    pulse_area_mm,
)
from rendering.pdf import printed, to_pdf
from rendering.svg import to_svg

MV = Calibration("mV", 0.001)  # 1000 steps per mV


def sheet(leads, frequency=500, speed=25.0, gain=10.0, **options) -> Sheet:
    return Sheet(
        "e1",
        "2024-05-01 10:00:00 UTC",
        frequency,
        0.0,
        leads,
        np.array([], int),
        None,
        speed,
        gain,
        **options,
    )


def step_lead(name="II", seconds=2.0, frequency=500, height_steps=1000) -> LeadWindow:
    """0 for the first second, then ``height_steps`` (1 mV with MV)."""
    samples = np.zeros(int(seconds * frequency), dtype=np.int32)
    samples[frequency:] = height_steps
    return LeadWindow(name, samples, MV)


@pytest.mark.parametrize(("speed", "gain"), [(25.0, 10.0), (50.0, 20.0), (12.5, 5.0)])
def test_a_second_spans_speed_mm_and_a_millivolt_gain_mm(speed, gain):
    drawing = draw(sheet([step_lead()], speed=speed, gain=gain))
    trace = drawing.traces[0]
    x0 = MARGIN_MM + pulse_area_mm(speed)
    baseline = HEADER_MM + ROW_MM / 2
    middle = (trace.y.max() + trace.y.min()) / 2
    step_at = trace.x[np.argmax(trace.y < middle)]
    assert step_at == pytest.approx(x0 + speed, abs=0.26)
    assert trace.y.max() - trace.y.min() == pytest.approx(gain)  # the 1 mV step
    assert trace.y.max() == pytest.approx(baseline + gain / 2)  # its median on the baseline
    assert drawing.width == pytest.approx(2 * MARGIN_MM + pulse_area_mm(speed) + 2 * speed)


def test_a_lead_is_drawn_about_its_row_whatever_its_offset():
    """Found in review: a 1 mV QRS on a 3 mV electrode offset was drawn over the header, and
    uncalibrated 24-bit counts 84 m off the page."""
    frequency = 500
    qrs = np.zeros(2 * frequency, dtype=np.int32)
    qrs[::frequency] = 1000  # 1 mV once a second
    offset = LeadWindow("II", qrs + 3000, MV)  # 3 mV of direct current
    counts = LeadWindow("I", qrs * 4000 + 8_388_608, None)  # ADC counts, no calibration
    drawing = draw(sheet([offset, counts], frequency))
    for row, trace in enumerate(drawing.traces):
        baseline = HEADER_MM + (row + 0.5) * ROW_MM
        assert np.median(trace.y) == pytest.approx(baseline)
        assert trace.y.min() >= 0 and trace.y.max() <= drawing.height
    assert drawing.traces[0].y.min() == pytest.approx(HEADER_MM + ROW_MM / 2 - 10)  # 1 mV up


@pytest.mark.parametrize("speed", [12.5, 25.0, 50.0])
def test_the_calibration_pulse_ends_before_the_trace_begins(speed):
    """Found in review: at 50 mm/s the 10 mm pulse ran 2 mm into every row's trace."""
    drawing = draw(sheet([step_lead()], speed=speed))
    pulse = next(path for path in drawing.paths if path.style == "pulse")
    pulse_end = max(float(x) for x in re.findall(r"H([-\d.]+)", pulse.data))
    assert pulse_end < drawing.traces[0].x.min()
    assert pulse_area_mm(25.0) == PULSE_AREA_MM  # the standard page keeps its size


def test_each_row_starts_with_a_1_mv_200_ms_pulse():
    drawing = draw(sheet([step_lead("I"), step_lead("II")]))
    pulses = [path for path in drawing.paths if path.style == "pulse"]
    assert len(pulses) == 2
    numbers = [float(n) for n in re.findall(r"[-\d.]+", pulses[0].data)]
    baseline, top = numbers[1], numbers[3]
    assert baseline - top == pytest.approx(10.0)  # 1 mV at 10 mm/mV
    start, end = numbers[2], numbers[4]
    assert end - start == pytest.approx(5.0)  # 200 ms at 25 mm/s


def test_the_grid_has_1_mm_minor_and_5_mm_major_lines():
    drawing = draw(sheet([step_lead()]))
    minor, major = (p for p in drawing.paths if p.style in ("minor", "major"))
    vertical_minor = [float(x) for x in re.findall(r"M([-\d.]+) [-\d.]+V", minor.data)]
    vertical_major = [float(x) for x in re.findall(r"M([-\d.]+) [-\d.]+V", major.data)]
    assert np.allclose(np.diff(sorted(vertical_major)), 5.0)
    assert set(np.round(np.diff(sorted(vertical_minor + vertical_major)), 2)) == {1.0}


def test_a_standard_12_lead_ecg_is_laid_out_3_by_4_with_a_rhythm_strip():
    leads = [LeadWindow(name, np.arange(5000, dtype=np.int32) % 50, MV) for name in STANDARD_LEADS]
    drawing = draw(sheet(leads))
    assert len(drawing.traces) == 13  # twelve 2.5 s segments and one 10 s lead II strip
    column_widths = {round(t.x.max() - t.x.min()) for t in drawing.traces[:12]}
    assert column_widths == {round(COLUMN_SECONDS * 25)}
    assert round(drawing.traces[-1].x.max() - drawing.traces[-1].x.min()) == 250
    names = [label.text for label in drawing.labels if label.style == "label"]
    assert names[:4] == ["I", "aVR", "V1", "V4"] and names[-1] == "II"


def test_other_ecgs_get_one_strip_per_lead():
    leads = [LeadWindow(f"ch{i}", np.zeros(5000, np.int32), MV) for i in range(3)]
    assert len(draw(sheet(leads)).traces) == 3
    standard = [LeadWindow(n, np.zeros(5000, np.int32), MV) for n in STANDARD_LEADS]
    assert len(draw(sheet(standard, layout="strips")).traces) == 12


def test_min_max_downsampling_keeps_a_one_sample_spike():
    signal = np.zeros(100_000)
    signal[54_321] = 900
    positions, values = min_max(signal, 40)
    assert values.max() == 900 and 54_321 in positions
    assert positions.size <= 2 * 100_000 / 40 + 40


def test_an_uncalibrated_lead_states_the_assumption_and_unusable_leads_say_why():
    leads = [
        LeadWindow("II", np.zeros(1000, np.int32), None, ("flat_line",)),
        LeadWindow("V1", np.zeros(1000, np.int32), MV),
    ]
    drawing = draw(sheet(leads))
    texts = [label.text for label in drawing.labels]
    assert any("assumed 1 µV per step" in text for text in texts)
    # Each lead says whether it is drawn at the assumption (found in review: only the page did).
    assert "II: flat_line, 1 µV/step assumed" in texts and "V1" in texts


def test_the_svg_is_sized_in_millimetres_and_compact():
    leads = [LeadWindow(n, (np.arange(5000) % 500).astype(np.int32), MV) for n in STANDARD_LEADS]
    svg = to_svg(draw(sheet(leads)))
    assert re.search(r'width="[\d.]+mm" height="[\d.]+mm"', svg)
    assert svg.count("<polyline") == 13 and svg.count("<line") == 0
    assert len(svg) < 400_000


def test_the_pdf_is_one_page():
    content = to_pdf(draw(sheet([step_lead()])))
    assert (
        content.startswith(b"%PDF")
        and content.count(b"/Type /Page\n") + content.count(b"/Type /Page ") >= 1
    )


def test_the_3_by_4_page_is_only_for_exactly_the_standard_leads_over_10_seconds():
    """Found in review: extra leads and every second past 10 were left off the 3 x 4 page."""

    def leads(names, samples=5000):
        return [LeadWindow(name, np.zeros(samples, np.int32), MV) for name in names]

    def traces(drawn_leads, frequency=500):
        return len(draw(sheet(drawn_leads, frequency=frequency)).traces)

    assert traces(leads(STANDARD_LEADS)) == 13  # twelve 2.5 s segments and the rhythm strip
    with_v4r = draw(sheet(leads([*STANDARD_LEADS, "V4R"])))
    assert "V4R" in [label.text for label in with_v4r.labels]  # 13 strips, none left out
    assert traces(leads([*STANDARD_LEADS[:11], "Lead I"])) == 12  # I twice: strips
    assert traces(leads(STANDARD_LEADS, samples=15000)) == 12  # 30 s: strips of 30 s
    # 10 s at 333.333 Hz hold 3333 samples, a third of one short of 10 s: still the 3 x 4 page.
    assert traces(leads(STANDARD_LEADS, samples=3333), frequency=1000 / 3) == 13


def test_a_pdf_scaled_to_fit_says_so_on_the_page():
    """Found in review: a tall page printed at half size under a header of 25 mm/s, 10 mm/mV."""
    strips = [LeadWindow(name, np.zeros(5000, np.int32), MV) for name in STANDARD_LEADS]
    tall = to_pdf(draw(sheet(strips, layout="strips")))
    standard = to_pdf(draw(sheet(strips)))
    assert "of its real size" in pdf_text(tall) and "of its real size" not in pdf_text(standard)


def pdf_text(content: bytes) -> str:
    """The text of a PDF's pages (fpdf2 compresses each page's stream with zlib)."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.DOTALL)
    return "".join(zlib.decompress(stream).decode("latin-1") for stream in streams)


def test_the_header_says_its_heart_rate_is_the_recordings_mean():
    """Found in review: every page of a Holter printed its mean as "72 bpm", which a reader takes
    for the rate of the strip shown, a tachycardia's included."""
    page = sheet([step_lead()])
    with_rate = Sheet(**{**page.__dict__, "heart_rate_bpm": 72.4})
    header = next(label for label in draw(with_rate).labels if label.style == "header")
    assert "mean 72 bpm over the recording" in header.text


def test_leads_named_outside_latin_1_stay_told_apart_in_the_pdf():
    names = ["第Ⅰ誘導", "第Ⅱ誘導"]
    text = pdf_text(to_pdf(draw(sheet([step_lead(name) for name in names]))))
    assert "<U+7B2C><U+2160>" in text and "<U+7B2C><U+2161>" in text
    assert "????" not in text


def test_a_pdf_shrunk_to_fit_keeps_only_what_its_columns_can_show_and_every_peak():
    """Found in review: the PDF of a 64-lead minute at 375 Hz kept its 1.4 million points, ten
    times what the shrunk page can show (about 7 s of CPU)."""
    ys = np.zeros(100_000)
    ys[54_321] = -40.0  # a one-sample spike
    trace = Trace(np.linspace(10.0, 260.0, ys.size), ys)
    xs, kept = printed(trace, 0.1)  # 250 mm at a tenth of its size: 100 columns of 0.25 mm
    assert xs.size <= 2 * 100 + 1000  # two points a column, and a tail of under a column
    assert kept.min() == -40.0 and xs[kept.argmin()] == trace.x[54_321]
    assert np.all(np.diff(xs) >= 0)
    drawn = draw(sheet([step_lead(frequency=2000)], frequency=2000)).traces[0]
    assert printed(drawn, 1.0)[0].size == drawn.x.size  # at its size, a page keeps what it drew
