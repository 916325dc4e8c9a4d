"""The limits every JSON DGS reads is held to, measured without recursion."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.limits import depth_exceeds, oversize
from tests.support.lessons import json_values


def reference_depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(reference_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(reference_depth, value), default=0)
    return 0


def reference_count(value: Any) -> int:
    """Array elements and object members, at every level."""
    if isinstance(value, dict):
        return len(value) + sum(map(reference_count, value.values()))
    if isinstance(value, list):
        return len(value) + sum(map(reference_count, value))
    return 0


@settings(max_examples=2000, deadline=None)
@given(json_values(), st.integers(min_value=0, max_value=8), st.integers(min_value=0, max_value=60))
def test_oversize_agrees_with_a_recursive_measure(value: Any, depth: int, nodes: int) -> None:
    deep = reference_depth(value) > depth
    large = reference_count(value) > nodes
    found = oversize(value, depth, nodes)
    if deep and large:
        assert found in ("too_deep", "too_large")
    else:
        assert found == ("too_deep" if deep else "too_large" if large else None)
    assert depth_exceeds(value, depth) == deep


def test_measuring_stops_at_the_limits() -> None:
    """A value far past a limit costs what the limit allows, not what the value holds."""
    wide: list[Any] = [[0] * 1000 for _ in range(1000)]
    assert oversize(wide, 64, 500) == "too_large"
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    assert oversize(deep, 64, 10**9) == "too_deep"
    assert oversize([[], {}], 1) == "too_deep"
    assert oversize([[], {}], 2) is None
    assert oversize("text", 0) is None
