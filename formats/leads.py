"""Lead names from file channel labels: the device's labels as they are, made unique."""

import re

from recordings.model import MAX_LEAD_NAME_LENGTH, NOT_IN_NAMES, name_key, unaddressable

UNNAMEABLE = re.compile(f"[{NOT_IN_NAMES}]")


def lead_names(labels: list[str]) -> list[str]:
    """Names for channels: each label trimmed (the characters no name may hold, NOT_IN_NAMES,
    dropped), cut to MAX_LEAD_NAME_LENGTH, ``ch<position>`` when nothing is left or a URL could
    not name it (``unaddressable``), ``-2``, ``-3``... after repeats in any case (``name_key``).

    Linear in the number of labels, however many repeat: a hostile header can declare
    thousands of channels with one label before the channel limit is checked.
    """
    names: list[str] = []
    taken: set[str] = set()
    next_suffix: dict[str, int] = {}
    for position, label in enumerate(labels, start=1):
        base = UNNAMEABLE.sub("", label).strip()[:MAX_LEAD_NAME_LENGTH].rstrip()
        if not base or unaddressable(base):
            base = f"ch{position}"
        name, base_key = base, name_key(base)
        while name_key(name) in taken:
            suffix = next_suffix.get(base_key, 2)
            next_suffix[base_key] = suffix + 1
            tail = f"-{suffix}"
            name = base[: MAX_LEAD_NAME_LENGTH - len(tail)].rstrip() + tail
        taken.add(name_key(name))
        names.append(name)
    return names
