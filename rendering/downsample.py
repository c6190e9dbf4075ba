"""Downsampling to the output resolution without losing peaks: per pixel column, the minimum
and the maximum, in the order they occur (decimation would drop a one-sample QRS spike)."""

import numpy as np


def min_max(samples: np.ndarray, per_column: float) -> tuple[np.ndarray, np.ndarray]:
    """(positions, values): positions in samples from the start, values in the samples' units.

    With two samples per column or fewer, every sample is kept.
    """
    width = int(per_column)
    if width <= 2 or samples.size <= 2 * width:
        return np.arange(samples.size, dtype=np.float64), samples.astype(np.float64)
    columns = samples.size // width
    whole = samples[: columns * width].reshape(columns, width)
    low, high = whole.argmin(axis=1), whole.argmax(axis=1)
    first = np.minimum(low, high)
    second = np.maximum(low, high)
    starts = np.arange(columns) * width
    positions = np.stack([starts + first, starts + second], axis=1).ravel()
    tail = np.arange(columns * width, samples.size)
    positions = np.concatenate([positions, tail]).astype(np.int64)
    return positions.astype(np.float64), samples[positions].astype(np.float64)
