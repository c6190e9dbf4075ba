"""Lead names from file channel labels, made safe for URLs and unique within a recording."""

import re

from recordings.model import LEAD_NAME_PATTERN

UNSAFE = re.compile(r"[^A-Za-z0-9 _+.-]+")


def lead_names(labels: list[str]) -> list[str]:
    """Names for channels: the label with unsafe characters replaced, made unique with -2, -3..."""
    names: list[str] = []
    for position, label in enumerate(labels, start=1):
        base = UNSAFE.sub("_", label.strip()).strip(" _.-")[:28] or f"ch{position}"
        name, suffix = base, 2
        while name in names:
            name, suffix = f"{base}-{suffix}", suffix + 1
        if not re.match(LEAD_NAME_PATTERN, name):
            name = f"ch{position}"
        names.append(name)
    return names
