"""Drawing primitives in millimetres, shared by the SVG and PDF writers."""

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Path:
    """Straight segments ("M x y" moves, "L" or "H"/"V" lines) of one style, as SVG path data."""

    data: str
    style: str  # "minor", "major", "pulse"


@dataclass(frozen=True)
class Trace:
    """A signal's polyline: x and y in millimetres."""

    x: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    size: float = 3.0  # mm
    style: str = "label"  # "label", "header", "warning"


@dataclass
class Drawing:
    """A page: its size in millimetres and what is drawn on it, back to front."""

    width: float
    height: float
    paths: list[Path] = field(default_factory=list)
    traces: list[Trace] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    beat_marks: list[tuple[float, float]] = field(default_factory=list)  # (x, y) of each mark
