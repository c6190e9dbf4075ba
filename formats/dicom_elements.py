"""How many data elements and items a DICOM file holds, counted from their headers alone.

pydicom makes an object of every element and item it reads (about 230 bytes for an empty
element, 690 for an empty item, measured), so their number, not the file's size, bounds what
reading a file costs: 300 000 empty items in 2.3 MiB took 198 MiB and 8.5 s. The count follows
the encoding pydicom reads (PS3.5 7.1): the file meta group in explicit VR little endian, then
the data set in the transfer syntax's; a sequence's items and their elements are counted where
they lie, every other value skipped unread. Where the structure is damaged, counting stops and
pydicom says what is wrong.
"""

import mmap
import struct
from pathlib import Path

PREAMBLE_AND_PREFIX = 132
META_GROUP = 0x0002
ITEMS_GROUP = 0xFFFE  # items and the delimiters of items and sequences: tag and length only
ITEM_TAG = struct.pack("<HH", 0xFFFE, 0xE000)
UNDEFINED_LENGTH = 0xFFFFFFFF
# Value representations whose explicit-VR header has 2 reserved bytes and a 4-byte length.
LONG_VRS = {
    b"OB",
    b"OD",
    b"OF",
    b"OL",
    b"OV",
    b"OW",
    b"SQ",
    b"SV",
    b"UC",
    b"UN",
    b"UR",
    b"UT",
    b"UV",
}
TAG = struct.Struct("<HH")
SHORT_LENGTH = struct.Struct("<H")
LONG_LENGTH = struct.Struct("<L")


def count_elements(path: Path, implicit_vr: bool | None, limit: int) -> int:
    """The file's elements and items, counted until the count passes ``limit``.

    ``implicit_vr`` is the data set's encoding, from the transfer syntax; None when the file
    names none, and pydicom guesses: from whether a VR follows the first tag, as here.
    """
    with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return count_in(data, implicit_vr, limit)


def count_in(data, implicit_vr: bool | None, limit: int) -> int:
    """``count_elements`` of a file's bytes (a buffer: the mapped file)."""
    size, position, count = len(data), PREAMBLE_AND_PREFIX, 0
    explicit, in_meta_group = True, True  # the meta group's encoding, then the data set's
    while position + 8 <= size and count <= limit:
        group, _ = TAG.unpack_from(data, position)
        if in_meta_group and group != META_GROUP:
            in_meta_group = False
            explicit = looks_explicit(data, position) if implicit_vr is None else not implicit_vr
        count += 1
        if group == ITEMS_GROUP:
            # An item's elements follow it (so do a sequence's items): they are counted next.
            position += 8
            continue
        if explicit:
            vr = bytes(data[position + 4 : position + 6])
            if vr in LONG_VRS:
                if position + 12 > size:
                    break
                length, header = LONG_LENGTH.unpack_from(data, position + 8)[0], 12
            else:
                length, header = SHORT_LENGTH.unpack_from(data, position + 6)[0], 8
        else:
            vr, length, header = None, LONG_LENGTH.unpack_from(data, position + 4)[0], 8
        position += header
        holds_items = length == UNDEFINED_LENGTH or vr == b"SQ"
        # pydicom also reads a value of unknown VR as a sequence when it begins with an item.
        if not holds_items and vr in (None, b"UN"):
            holds_items = bytes(data[position : position + 4]) == ITEM_TAG
        if not holds_items:
            position += length
    return count


def looks_explicit(data, position: int) -> bool:
    """Whether an element's tag is followed by two capital letters, as a VR is."""
    vr = bytes(data[position + 4 : position + 6])
    return len(vr) == 2 and vr.isalpha() and vr.isupper()
