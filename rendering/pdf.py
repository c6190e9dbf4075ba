"""A drawing as a one-page PDF (A4 landscape), with fpdf2; scaled down only if it is wider or
taller than the page, and then saying so on the page: its mm/s and mm/mV no longer hold, the
grid's squares still do."""

import re

import numpy as np
from fpdf import FPDF

from rendering.downsample import min_max
from rendering.drawing import Drawing, Trace
from rendering.paper import COLUMNS_PER_MM

A4_LANDSCAPE_MM = (297.0, 210.0)
SCALED_NOTE = (
    "Printed at {:.0%} of its real size to fit the page: measure by the grid's squares, "
    "not in millimetres."
)
COLOURS = {"minor": (244, 182, 182), "major": (224, 102, 102), "pulse": (0, 0, 0)}
WIDTHS = {"minor": 0.1, "major": 0.2, "pulse": 0.3}
TEXT_COLOURS = {"label": (0, 0, 0), "header": (0, 0, 0), "warning": (176, 0, 32)}
PATH_STEP = re.compile(r"([MHVL])([-\d.]+)(?: ([-\d.]+))?")


def to_pdf(drawing: Drawing) -> bytes:
    page_width, page_height = A4_LANDSCAPE_MM
    scale = min(1.0, (page_width - 10) / drawing.width, (page_height - 10) / drawing.height)
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()

    def at(x: float, y: float) -> tuple[float, float]:
        return 5 + x * scale, 5 + y * scale

    for path in drawing.paths:
        pdf.set_draw_color(*COLOURS[path.style])
        pdf.set_line_width(WIDTHS[path.style] * scale)
        x = y = 0.0
        for command, first, second in PATH_STEP.findall(path.data):
            start = (x, y)
            if command == "M":
                x, y = float(first), float(second)
                continue
            if command == "H":
                x = float(first)
            elif command == "V":
                y = float(first)
            else:
                x, y = float(first), float(second)
            pdf.line(*at(*start), *at(x, y))
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.25 * scale)
    for trace in drawing.traces:
        xs, ys = printed(trace, scale)
        pdf.polyline([at(x, y) for x, y in zip(xs, ys, strict=True)])
    pdf.set_draw_color(21, 101, 192)
    for x, y in drawing.beat_marks:
        pdf.line(*at(x, y), *at(x, y + 2))
    for label in drawing.labels:
        pdf.set_text_color(*TEXT_COLOURS[label.style])
        pdf.set_font("helvetica", size=label.size * scale * 72 / 25.4)
        pdf.text(*at(label.x, label.y), in_latin_1(label.text))
    if scale < 1:
        pdf.set_text_color(*TEXT_COLOURS["warning"])
        pdf.set_font("helvetica", size=3.0 * 72 / 25.4)
        pdf.text(5, page_height - 2, SCALED_NOTE.format(scale))
    return bytes(pdf.output())


def printed(trace: Trace, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The trace's points for a page printed at ``scale``: a page shrunk to fit holds fewer
    columns than the drawing, so each printed column keeps its minimum and maximum again (a
    64-lead minute at 375 Hz kept its 1.4 million points, ten times what A4 can show)."""
    printed_columns = (trace.x[-1] - trace.x[0]) * scale * COLUMNS_PER_MM if trace.x.size else 0
    if printed_columns < 1:
        return trace.x, trace.y
    positions, ys = min_max(trace.y, trace.x.size / printed_columns)
    return trace.x[positions.astype(np.int64)], ys


def in_latin_1(text: str) -> str:
    """``text`` for the PDF's built-in font, which holds Latin-1 only: any other character as
    its code point ("Ⅱ" as "<U+2161>"), so that leads named in other scripts stay told apart
    (a review found "第Ⅰ誘導" and "第Ⅱ誘導" both printed as "????"); the SVG keeps them as they are.
    """
    return "".join(char if ord(char) < 0x100 else f"<U+{ord(char):04X}>" for char in text)
