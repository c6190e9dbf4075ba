"""Zero crossings of a lead's signal."""

import numpy as np

DESCRIPTION = (
    "Number of sign changes between consecutive non-zero samples. Samples equal to zero are "
    "skipped, so a signal that touches zero and returns to the same side does not cross: "
    "[1, 0, -1] crosses once, [1, 0, 1] never."
)


def count_zero_crossings(signal: np.ndarray) -> int:
    """Count sign changes between consecutive non-zero samples of an integer signal."""
    # Comparing signs, never products of neighbours, so no dtype can overflow.
    positive = signal[signal != 0] > 0
    return int(np.count_nonzero(positive[1:] != positive[:-1]))
