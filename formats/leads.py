"""Lead names from file channel labels: the device's labels as they are, made unique."""

from recordings.model import (
    MAX_LEAD_NAME_LENGTH,
    first_unnameable,
    name_key,
    unaddressable,
    unnameable,
)


def nameable_text(label: str) -> str:
    """The label without the characters no lead name may hold (``unnameable``: control and
    invisible ones)."""
    if first_unnameable(label) is None:
        return label
    return "".join(character for character in label if not unnameable(character))


def lead_names(labels: list[str]) -> list[str]:
    """Names for channels: each label trimmed (the characters no name may hold dropped, see
    ``nameable_text``), cut to MAX_LEAD_NAME_LENGTH, ``ch<position>`` when nothing is left or a
    URL could not name it (``unaddressable``), ``-2``, ``-3``... after repeats in any case
    (``name_key``).

    Linear in the number of labels, however many repeat: a hostile header can declare
    thousands of channels with one label before the channel limit is checked.
    """
    names: list[str] = []
    taken: set[str] = set()
    next_suffix: dict[str, int] = {}
    for position, label in enumerate(labels, start=1):
        base = nameable_text(label).strip()[:MAX_LEAD_NAME_LENGTH].rstrip()
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
