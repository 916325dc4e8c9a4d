"""The statistics of the evaluation report, against published values."""

from __future__ import annotations

import pytest

from application.evaluation.stats import mean, percentile, rate_difference, wilson


@pytest.mark.parametrize(
    ("successes", "total", "low", "high"),
    [
        # Newcombe (1998), "Two-sided confidence intervals for the single proportion",
        # Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score, no correction).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombe(
    successes: int, total: int, low: float, high: float
) -> None:
    interval = wilson(successes, total)
    assert interval.value == successes / total
    assert (round(interval.low, 4), round(interval.high, 4)) == (low, high)


def test_wilson_bounds_are_exact_at_none_and_all() -> None:
    assert wilson(0, 24).low == 0.0
    assert wilson(24, 24).high == 1.0
    assert wilson(0, 0).to_dict() == {"value": 0.0, "low": 0.0, "high": 1.0}
    with pytest.raises(ValueError, match="between 0 and total"):
        wilson(3, 2)


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        # Newcombe (1998), "Interval estimation for the difference between independent
        # proportions", Statistics in Medicine 17:873-890, Table II, method 10.
        ((48, 80), (56, 70), 0.0524, 0.3339),
        ((3, 10), (9, 10), 0.1705, 0.8090),
        ((2, 7), (6, 7), 0.0582, 0.8062),
        ((0, 29), (5, 56), -0.0381, 0.1926),
        ((0, 10), (10, 10), 0.6075, 1.0),
        ((0, 20), (0, 10), -0.1611, 0.2775),
    ],
)
def test_difference_interval_matches_newcombe(
    a: tuple[int, int], b: tuple[int, int], low: float, high: float
) -> None:
    interval = rate_difference(a, b)
    assert interval.value == pytest.approx(b[0] / b[1] - a[0] / a[1])
    assert (round(interval.low, 4), round(interval.high, 4)) == (low, high)


def test_a_difference_is_clear_only_when_its_interval_excludes_zero() -> None:
    assert rate_difference((48, 80), (56, 70)).excludes_zero()
    assert not rate_difference((0, 29), (5, 56)).excludes_zero()
    assert rate_difference((56, 70), (48, 80)).excludes_zero()  # a fall is clear too


def test_percentiles_interpolate_between_ranks() -> None:
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile(list(range(1, 21)), 95) == pytest.approx(19.05)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1.0], 101)
    assert mean([1, 2, 3, 6]) == 3
    assert mean([]) is None
