import numpy as np
import pytest

from analysis import LEAD_ANALYSES, analyse_lead
from analysis.zero_crossings import ZeroCrossings, count_zero_crossings


@pytest.mark.parametrize(
    ("signal", "expected"),
    [
        ([1, 0, -1], 1),
        ([1, 0, 1], 0),
        ([0, 0, 0], 0),
        ([5], 0),
        ([5, 0, 0, -5, 0, 5], 2),
        ([-3, 0, -3], 0),
        ([30000, -30000, 30000], 2),
        ([1, -1, 1, -1], 3),
        ([-1, 1], 1),
        ([0, -4, 0, 0, 0, 7], 1),
        ([2147483647, -2147483648, 2147483647], 2),
    ],
)
def test_counts_sign_changes_between_non_zero_samples(signal, expected):
    for dtype in (np.int16, np.int32, np.int64):
        info = np.iinfo(dtype)
        if info.min <= min(signal) and max(signal) <= info.max:
            assert count_zero_crossings(np.array(signal, dtype=dtype)) == expected, dtype


def reference_count(signal: list[int]) -> int:
    """The definition, sample by sample."""
    crossings, previous_sign = 0, 0
    for sample in signal:
        if sample == 0:
            continue
        sign = 1 if sample > 0 else -1
        if previous_sign and sign != previous_sign:
            crossings += 1
        previous_sign = sign
    return crossings


def test_matches_the_sample_by_sample_definition_on_random_signals():
    generator = np.random.default_rng(7)
    for _ in range(200):
        signal = generator.integers(-3, 4, size=generator.integers(1, 300))
        assert count_zero_crossings(signal) == reference_count(signal.tolist())


def test_returns_a_plain_int_that_json_and_bson_can_store():
    assert type(count_zero_crossings(np.array([1, -1], dtype=np.int16))) is int


def test_analyse_lead_runs_every_registered_analysis():
    result = analyse_lead(np.array([3, -3, 3], dtype=np.int32))
    assert set(result) == {analysis.name for analysis in LEAD_ANALYSES}
    assert result["zero_crossings"] == 2


def test_blocks_give_the_same_count_wherever_the_signal_is_split():
    generator = np.random.default_rng(11)
    signal = generator.integers(-2, 3, size=5000)
    for _ in range(50):
        cuts = np.sort(generator.integers(0, signal.size, size=generator.integers(1, 20)))
        counter = ZeroCrossings()
        for block in np.split(signal, cuts):
            counter.update(block)
        assert counter.result() == count_zero_crossings(signal)


def test_a_crossing_between_blocks_separated_by_zeros_counts():
    counter = ZeroCrossings()
    for block in ([3, 0], [0, 0], [], [0, -2]):
        counter.update(np.array(block, dtype=np.int16))
    assert counter.result() == 1
