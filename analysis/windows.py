"""Windows of samples around chosen positions, as the index arrays numpy reads them by."""

import numpy as np


def around(positions: np.ndarray, first: int, last: int, size: int) -> np.ndarray:
    """For each position, the indices from ``first`` to ``last`` samples after it (negative:
    before), clipped to a signal of ``size`` samples; one row per position."""
    return np.clip(positions[:, None] + np.arange(first, last + 1), 0, size - 1)
