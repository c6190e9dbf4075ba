"""Zero crossings of a lead's signal."""

import numpy as np

DESCRIPTION = (
    "Number of sign changes between consecutive non-zero samples. Samples equal to zero are "
    "skipped, so a signal that touches zero and returns to the same side does not cross: "
    "[1, 0, -1] crosses once, [1, 0, 1] never."
)


class ZeroCrossings:
    """Counts sign changes between consecutive non-zero samples, fed a block at a time."""

    name = "zero_crossings"
    result_type = int
    description = DESCRIPTION

    def __init__(self) -> None:
        self.crossings = 0
        self.last_was_positive: bool | None = None

    def update(self, samples: np.ndarray) -> None:
        """Account for the next block of samples; blocks may split the signal anywhere."""
        # Comparing signs, never products of neighbours, so no dtype can overflow.
        positive = samples[samples != 0] > 0
        if positive.size == 0:
            return
        if self.last_was_positive is not None and positive[0] != self.last_was_positive:
            self.crossings += 1
        self.crossings += int(np.count_nonzero(positive[1:] != positive[:-1]))
        self.last_was_positive = bool(positive[-1])

    def result(self) -> int:
        return self.crossings


def count_zero_crossings(signal: np.ndarray) -> int:
    """Count sign changes between consecutive non-zero samples of a whole signal."""
    counter = ZeroCrossings()
    counter.update(signal)
    return counter.result()
