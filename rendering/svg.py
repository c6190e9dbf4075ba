"""A drawing as SVG, sized in millimetres (so it prints at the paper's real scale)."""

from xml.sax.saxutils import escape

from rendering.drawing import Drawing

STYLES = {
    "minor": 'stroke="#f4b6b6" stroke-width="0.1"',
    "major": 'stroke="#e06666" stroke-width="0.2"',
    "pulse": 'stroke="#000" stroke-width="0.3" fill="none"',
}
TEXT_COLOURS = {"label": "#000", "header": "#000", "warning": "#b00020"}


def to_svg(drawing: Drawing) -> str:
    """Compact SVG: the grid as two paths, each trace one polyline with rounded coordinates."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{drawing.width}mm" '
        f'height="{drawing.height}mm" viewBox="0 0 {drawing.width} {drawing.height}">',
        f'<rect width="{drawing.width}" height="{drawing.height}" fill="#fff"/>',
    ]
    parts += [f'<path class="{p.style}" d="{p.data}" {STYLES[p.style]}/>' for p in drawing.paths]
    for trace in drawing.traces:
        points = " ".join(f"{x:g},{y:g}" for x, y in zip(trace.x, trace.y, strict=True))
        parts.append(
            f'<polyline class="trace" points="{points}" fill="none" stroke="#000" '
            'stroke-width="0.25" stroke-linejoin="round"/>'
        )
    if drawing.beat_marks:
        marks = "".join(f"M{x:g} {y:g}v2" for x, y in drawing.beat_marks)
        parts.append(f'<path class="beats" d="{marks}" stroke="#1565c0" stroke-width="0.4"/>')
    for label in drawing.labels:
        position = f'x="{label.x:g}" y="{label.y:g}" font-size="{label.size:g}"'
        colour = TEXT_COLOURS[label.style]
        parts.append(
            f'<text class="{label.style}" {position} font-family="sans-serif" fill="{colour}">'
            f"{escape(label.text)}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
