"""ECG values as the application handles them, independent of JSON, files and BSON."""

import math
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from plumbing.timestamps import current_time, truncate_to_milliseconds

# What the service accepts of any ECG, whether it arrives as JSON or as a file.
MAX_LEADS = 64
MAX_SAMPLING_FREQUENCY = 100_000
# A lead's name is its device's label: printable text, trimmed, 1 to 64 characters, no control,
# invisible or formatting characters; leads are addressed in URLs by the percent-encoded name.
MAX_LEAD_NAME_LENGTH = 64
# What no lead name may hold, by Unicode category: control characters (Cc: C0, DEL, C1), and
# characters a reader does not see as themselves, with which "II", "II\u200b" and "\u2060II"
# would be three leads drawn with one label: format characters (Cf: zero-width spaces and
# joiners, byte-order marks, bidirectional controls), line and paragraph separators (Zl, Zp),
# surrogates (Cs), private-use (Co) and unassigned code points (Cn; among them U+FFFE and
# U+FFFF, which XML, and so the SVG a name is drawn into, cannot carry).
CONTROL_CATEGORY = "Cc"
INVISIBLE_CATEGORIES = frozenset({"Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
# Characters drawn as nothing outside those categories: the rest of Unicode's
# Default_Ignorable_Code_Point (combining grapheme joiner, Hangul fillers, Khmer inherent vowels,
# Mongolian and other variation selectors, the tag block), and the blank braille pattern.
INVISIBLE_RANGES = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x2800, 0x2800),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xE0000, 0xE0FFF),
)
# The pattern of lead names in the API document (``lead_name_problem`` checks the names): of the
# characters above, those a regular expression lists briefly (Cf, Co and Cn take hundreds of
# ranges), so that a client's check is never stricter than the service's. They are written as
# themselves, so that every regex engine reads them alike.
NOT_IN_NAMES = r"\x00-\x1f\x7f-\x9f" + "\u2028\u2029\ufffe\uffff"
_NAME_CHARACTER = rf"[^{NOT_IN_NAMES}]"
_NAME_EDGE = rf"[^\s{NOT_IN_NAMES}]"
LEAD_NAME_PATTERN = rf"^{_NAME_EDGE}(?:{_NAME_CHARACTER}{{0,62}}{_NAME_EDGE})?$"


def unnameable(character: str) -> bool:
    """Whether no lead name may hold ``character`` (a control or invisible one)."""
    category = unicodedata.category(character)
    if category == CONTROL_CATEGORY or category in INVISIBLE_CATEGORIES:
        return True
    code = ord(character)
    return any(first <= code <= last for first, last in INVISIBLE_RANGES)


def first_unnameable(text: str) -> str | None:
    """The first character of ``text`` no lead name may hold, or None (printable ASCII, the
    common name, is passed at C speed)."""
    if text.isascii() and text.isprintable():
        return None
    return next(filter(unnameable, text), None)


def lead_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a lead's name, as a sentence, or None: the rules of
    LEAD_NAME_PATTERN, the invisible characters it cannot list, and ``unaddressable``."""
    if not 1 <= len(name) <= MAX_LEAD_NAME_LENGTH:
        return f"lead names have 1 to {MAX_LEAD_NAME_LENGTH} characters"
    hidden = first_unnameable(name)
    if hidden is not None:
        control = unicodedata.category(hidden) == CONTROL_CATEGORY
        kind = "control" if control else "invisible or formatting"
        return f"lead names hold no {kind} characters (U+{ord(hidden):04X})"
    if name != name.strip():
        return "lead names have no leading or trailing spaces"
    return unaddressable(name)


def unaddressable(name: str) -> str | None:
    """Why a URL path could not name this lead, or None. A name is read from the path after
    ``/leads/``: a slash at either end or two together would be merged away, and a segment of
    ``.`` or ``..`` is removed by clients before the request is sent, so another lead's path
    could be read instead."""
    segments = name.split("/")
    if "" in segments:
        return "a lead name may not begin or end with '/', nor hold '//'"
    if "." in segments or ".." in segments:
        return "a lead name may not hold '.' or '..' between slashes"
    return None


# Unicode's space separators (Zs) but the space itself: no-break, figure, thin and the like,
# which read as a space, so "V 1" and "V\u00a01" are one name.
_OTHER_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


def name_key(name: str) -> str:
    """What two lead names of one ECG may not share: "II" and "ii", "é" composed and
    decomposed, or "V 1" with a plain and with a no-break space, would be two leads a reader
    takes for one."""
    return _OTHER_SPACES.sub(" ", unicodedata.normalize("NFC", name)).casefold()


STANDARD_LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
_LABEL_DECORATION = re.compile(r"^(ecg|lead)\s*|\s*\(.*\)$", re.IGNORECASE)


def standard_lead(name: str) -> str | None:
    """The standard 12-lead name a device's label means ("Lead II", "ECG aVR" are II, aVR)."""
    plain = _LABEL_DECORATION.sub("", name.strip()).strip().lower()
    return next((lead for lead in STANDARD_LEADS if lead.lower() == plain), None)


# Millivolts per physical unit, for the units an ECG's calibration is given in.
MILLIVOLTS_PER_UNIT = {"uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "mv": 1.0, "v": 1e3}
# The calibrations a lead may carry, far beyond any device's (a step of 1 pV to 1 TV; a baseline
# beyond any 32-bit sample): inside them, every physical value of a lead and every threshold
# derived from a step stays a finite, non-zero number. A step of 5e-324 µV rounds to 0 mV.
MIN_SCALE = 1e-12
MAX_SCALE = 1e12
MAX_BASELINE = 1e12


def calibration_problem(scale: float, baseline: float) -> str | None:
    """Why a calibration cannot be kept, or None when it can."""
    if not (math.isfinite(scale) and MIN_SCALE <= abs(scale) <= MAX_SCALE):
        return f"scale must be between {MIN_SCALE:g} and {MAX_SCALE:g} in size (or its negative)"
    if not (math.isfinite(baseline) and abs(baseline) <= MAX_BASELINE):
        return f"baseline must lie between -{MAX_BASELINE:g} and {MAX_BASELINE:g}"
    return None


@dataclass(frozen=True)
class Calibration:
    """How a lead's integers become physical values: (sample - baseline) * scale, in unit."""

    unit: str
    scale: float
    baseline: float = 0.0

    def millivolts_per_step(self) -> float | None:
        """What one step is worth in mV, or None when the unit is not a voltage."""
        factor = MILLIVOLTS_PER_UNIT.get(self.unit.strip().lower())
        return None if factor is None else self.scale * factor


@dataclass(frozen=True)
class LeadInput:
    """One lead of a recording being ingested; its samples arrive as consecutive blocks."""

    name: str
    blocks: Callable[[], Iterable[np.ndarray]]
    calibration: Calibration | None = None
    # When known before reading (JSON and stored leads; a file's leads all last as long).
    number_of_samples: int | None = None


@dataclass(frozen=True)
class Recording:
    """An ECG being ingested, from JSON or from a file, with the service's defaults applied.

    Every source builds one of these, so the defaults live here alone: an absent id becomes a
    new one, an absent date the upload time, and a date is kept in UTC at the millisecond
    precision MongoDB stores (so the upload's response matches later reads).
    """

    leads: list[LeadInput]
    sampling_frequency: float | None = None
    id: str | None = None
    date: datetime | None = None

    def __post_init__(self) -> None:
        # A frozen dataclass sets its own normalised fields through object.__setattr__.
        object.__setattr__(self, "id", self.id or new_ecg_id())
        date = current_time() if self.date is None else self.date.astimezone(UTC)
        object.__setattr__(self, "date", truncate_to_milliseconds(date))


def new_ecg_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class LeadSummary:
    """What is known of a stored lead without loading its signal."""

    name: str
    number_of_samples: int
    insights: dict  # each lead analysis's result, and its signal quality
    calibration: Calibration | None = None


@dataclass(frozen=True)
class EcgSummary:
    """A stored ECG without its signals."""

    key: object  # the storage key of the ECG, for reading its signal chunks
    inline: bool  # whether the chunks are kept in the ECG's own document
    id: str
    date: datetime
    created_at: datetime
    leads: list[LeadSummary]
    sampling_frequency: float | None = None
    # The ECG's own insights: the analysis version, the rhythm or why it is unavailable.
    insights: dict = field(default_factory=dict)

    def lead_index(self, name: str) -> int | None:
        """Position of the named lead, or None."""
        return next((i for i, lead in enumerate(self.leads) if lead.name == name), None)
