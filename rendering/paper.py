"""The standard paper view: 25 mm/s and 10 mm/mV by default, a 1 mm / 5 mm grid, a 1 mV by
200 ms calibration pulse at the start of each row, lead names, beats marked.

A 10-second window of a 12-lead ECG with the standard lead names, each once and no other, is
laid out 3 x 4: columns of 2.5 s (I, II, III; aVR, aVL, aVF; V1-V3; V4-V6, each column the next
2.5 s), and a lead II rhythm strip over the 10 seconds; anything else (another window, another
set of leads) is one strip per lead, so no lead and no second of the window is left out.
"""

from dataclasses import dataclass

import numpy as np

from recordings.model import STANDARD_LEADS, Calibration, standard_lead
from rendering.downsample import min_max
from rendering.drawing import Drawing, Label, Path, Trace

SPEEDS_MM_PER_S = (12.5, 25.0, 50.0)
GAINS_MM_PER_MV = (5.0, 10.0, 20.0)
MINOR_MM, MAJOR_MM = 1.0, 5.0
PULSE_MV, PULSE_S = 1.0, 0.2
COLUMNS_PER_MM = 4  # output resolution: a quarter of a millimetre
MARGIN_MM, HEADER_MM, ROW_MM, PULSE_AREA_MM = 10.0, 16.0, 30.0, 10.0
COLUMN_SECONDS = 2.5
GRID_ROWS = (("I", "aVR", "V1", "V4"), ("II", "aVL", "V2", "V5"), ("III", "aVF", "V3", "V6"))
ASSUMED_MV_PER_STEP = 1e-3  # without a calibration in volts: 1 µV per step, as stated on the page


@dataclass(frozen=True)
class LeadWindow:
    """One lead's samples in the window, and what is known of them."""

    name: str
    samples: np.ndarray
    calibration: Calibration | None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    """What to draw: the window of an ECG and the paper's speed and gain."""

    ecg_id: str
    date: str
    sampling_frequency: float
    start_s: float
    leads: list[LeadWindow]
    beats: np.ndarray  # sample indices within the window
    heart_rate_bpm: float | None = None
    speed: float = 25.0
    gain: float = 10.0
    layout: str = "auto"  # "auto" or "strips"


def millivolts(lead: LeadWindow) -> tuple[np.ndarray, bool]:
    """The lead in mV, and whether that needed the 1 µV-per-step assumption."""
    calibration = lead.calibration
    step = calibration.millivolts_per_step() if calibration else None
    if step is not None:
        return (lead.samples - calibration.baseline) * step, False
    baseline = calibration.baseline if calibration else 0.0
    return (lead.samples - baseline) * ASSUMED_MV_PER_STEP, True


def uses_standard_layout(sheet: Sheet) -> bool:
    """The 3 x 4 page: exactly the standard leads, over 10 seconds (to within a sample, since a
    window holds a whole number of them)."""
    names = sorted(str(standard_lead(lead.name)) for lead in sheet.leads)
    samples = max(lead.samples.size for lead in sheet.leads)
    return (
        sheet.layout == "auto"
        and names == sorted(STANDARD_LEADS)
        and abs(samples - 4 * COLUMN_SECONDS * sheet.sampling_frequency) < 1
    )


def pulse_area_mm(speed: float) -> float:
    """Room for the calibration pulse: 2 mm of baseline, the 200 ms pulse, 3 mm before the trace."""
    return max(PULSE_AREA_MM, 2 + PULSE_S * speed + 3)


def draw(sheet: Sheet) -> Drawing:
    """The page as drawing primitives, in millimetres."""
    duration = max(lead.samples.size for lead in sheet.leads) / sheet.sampling_frequency
    standard = uses_standard_layout(sheet)
    if standard:
        duration = 4 * COLUMN_SECONDS
    rows = len(GRID_ROWS) + 1 if standard else len(sheet.leads)
    trace_width = duration * sheet.speed
    pulse_area = pulse_area_mm(sheet.speed)
    width = 2 * MARGIN_MM + pulse_area + trace_width
    height = HEADER_MM + rows * ROW_MM + MARGIN_MM
    drawing = Drawing(width=round(width, 2), height=round(height, 2))
    left, top = MARGIN_MM, HEADER_MM
    drawing.paths += grid(left, top, pulse_area + trace_width, rows * ROW_MM)
    by_name = {standard_lead(lead.name) or lead.name: lead for lead in sheet.leads}
    assumed = False
    for row in range(rows):
        baseline = top + (row + 0.5) * ROW_MM
        drawing.paths.append(calibration_pulse(left, baseline, sheet))
        x0 = left + pulse_area
        if standard and row < len(GRID_ROWS):
            for column, name in enumerate(GRID_ROWS[row]):
                lead = by_name[name]
                first = round(column * COLUMN_SECONDS * sheet.sampling_frequency)
                last = round((column + 1) * COLUMN_SECONDS * sheet.sampling_frequency)
                x = x0 + column * COLUMN_SECONDS * sheet.speed
                assumed |= add_trace(drawing, lead, first, last, x, baseline, sheet)
        else:
            lead = by_name["II"] if standard else sheet.leads[row]
            shown = round(duration * sheet.sampling_frequency)  # the standard page is 10 s
            assumed |= add_trace(drawing, lead, 0, shown, x0, baseline, sheet)
            if standard or row == 0:
                for beat in sheet.beats:
                    beat_x = x0 + beat / sheet.sampling_frequency * sheet.speed
                    if beat_x <= x0 + trace_width:
                        drawing.beat_marks.append((round(beat_x, 2), round(baseline - 12, 2)))
    drawing.labels += header(sheet, assumed)
    return drawing


def add_trace(drawing, lead: LeadWindow, first: int, last: int, x: float, baseline, sheet) -> bool:
    """The lead's samples [first, last) as a trace starting at x, its median over the window on
    the row's baseline; its name above it.

    Paper shows no direct current (an electrograph's input is high-passed at 0.05 Hz): a 3 mV
    electrode offset drew the trace over the header (found in review). Where most of a lead
    is its isoelectric line, the median is that line. A trace is kept on the page whatever its
    amplitude, so no coordinate runs to kilometres.
    """
    values, assumed = millivolts(lead)
    segment = values[first:last]
    if values.size:
        segment = segment - np.median(values)
    samples_per_mm = sheet.sampling_frequency / sheet.speed
    positions, levels = min_max(segment, samples_per_mm / COLUMNS_PER_MM)
    xs = np.round(x + positions / samples_per_mm, 2)
    ys = np.clip(np.round(baseline - levels * sheet.gain, 2), 0.0, drawing.height)
    drawing.traces.append(Trace(xs, ys))
    notes = [*lead.problems, *(["1 µV/step assumed"] if assumed else [])]
    text = f"{lead.name}: {', '.join(notes)}" if notes else lead.name
    style = "warning" if notes else "label"
    drawing.labels.append(
        Label(round(x + 1, 2), round(baseline - ROW_MM / 2 + 4, 2), text, 3.0, style)
    )
    return assumed


def grid(left: float, top: float, width: float, height: float) -> list[Path]:
    """1 mm minor and 5 mm major lines over the trace area."""
    minor, major = [], []
    for index in range(int(round(width / MINOR_MM)) + 1):
        x = round(left + index * MINOR_MM, 2)
        (major if index % 5 == 0 else minor).append(f"M{x} {top}V{round(top + height, 2)}")
    for index in range(int(round(height / MINOR_MM)) + 1):
        y = round(top + index * MINOR_MM, 2)
        (major if index % 5 == 0 else minor).append(f"M{left} {y}H{round(left + width, 2)}")
    return [Path("".join(minor), "minor"), Path("".join(major), "major")]


def calibration_pulse(left: float, baseline: float, sheet: Sheet) -> Path:
    """1 mV high and 200 ms wide, between two millimetres of baseline."""
    high = round(baseline - PULSE_MV * sheet.gain, 2)
    start, end = left + 2, round(left + 2 + PULSE_S * sheet.speed, 2)
    data = f"M{left} {baseline}H{start}V{high}H{end}V{baseline}H{round(end + 2, 2)}"
    return Path(data, "pulse")


def header(sheet: Sheet, assumed: bool) -> list[Label]:
    # The whole recording's: a page of a Holter's tachycardia must not read as its rate.
    rate = (
        f"mean {sheet.heart_rate_bpm:.0f} bpm over the recording"
        if sheet.heart_rate_bpm
        else "heart rate unknown"
    )
    line = (
        f"ECG {sheet.ecg_id}  {sheet.date}  {sheet.sampling_frequency:g} Hz  {rate}  "
        f"{sheet.speed:g} mm/s  {sheet.gain:g} mm/mV  from {sheet.start_s:g} s"
    )
    labels = [Label(MARGIN_MM, 7.0, line, 3.5, "header")]
    if assumed:
        labels.append(
            Label(
                MARGIN_MM,
                12.0,
                "No calibration in volts: drawn at an assumed 1 µV per step.",
                3.0,
                "warning",
            )
        )
    return labels
