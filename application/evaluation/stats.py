"""The few statistics an evaluation report needs: percentiles and intervals on rates.

Pure arithmetic on plain numbers, so that the report, the terminal summary and the tests
agree on one definition of each figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054  # the standard normal quantile of a two-sided 95% interval


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) with linear interpolation between ranks; None if empty.

    The same definition as numpy's default ("linear"): p50 of [1, 2, 3, 4] is 2.5.
    """
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


@dataclass(frozen=True, slots=True)
class Interval:
    """A point estimate with its lower and upper bound."""

    value: float
    low: float
    high: float

    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly on one side of zero (a difference that shows)."""
        return self.low > 0 or self.high < 0

    def to_dict(self) -> dict[str, float]:
        """``{"value", "low", "high"}``."""
        return {"value": self.value, "low": self.low, "high": self.high}


def wilson(successes: int, total: int, z: float = Z_95) -> Interval:
    """The Wilson score interval of a proportion (95% by default).

    Wilson, E. B. (1927), "Probable inference, the law of succession, and statistical
    inference", JASA 22(158): unlike the normal approximation it stays inside [0, 1] and
    behaves at 0 and n successes, which small evaluations hit often. ``total`` 0 gives the
    uninformative [0, 1].
    """
    if not 0 <= successes <= total:
        raise ValueError("successes must be between 0 and total")
    if total == 0:
        return Interval(0.0, 0.0, 1.0)
    p = successes / total
    z2 = z * z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    # At 0 or n successes the bound is exactly 0 or 1 (floating point would miss it).
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == total else min(1.0, centre + half)
    return Interval(p, low, high)


def rate_difference(a: tuple[int, int], b: tuple[int, int], z: float = Z_95) -> Interval:
    """The difference of two proportions ``b - a`` with Newcombe's hybrid score interval.

    Newcombe, R. G. (1998), "Interval estimation for the difference between independent
    proportions", Statistics in Medicine 17(8), method 10: built from each rate's Wilson
    interval, so it shares their good behaviour near 0 and 1. ``a`` and ``b`` are
    ``(successes, total)``.
    """
    first, second = wilson(*a, z=z), wilson(*b, z=z)
    difference = second.value - first.value
    low = difference - math.sqrt((second.value - second.low) ** 2 + (first.high - first.value) ** 2)
    high = difference + math.sqrt(
        (second.high - second.value) ** 2 + (first.value - first.low) ** 2
    )
    return Interval(difference, max(-1.0, low), min(1.0, high))


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean, or None for no values."""
    return sum(values) / len(values) if values else None
