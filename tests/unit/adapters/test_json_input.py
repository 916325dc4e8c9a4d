"""The strict JSON reader: what it refuses, and why, for bodies and model output alike."""

from __future__ import annotations

import pytest

from adapters.json_input import JsonInputError, decode_json
from domain.limits import MAX_JSON_DEPTH, depth_exceeds


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b"[NaN]", "malformed"),
        (b"[Infinity]", "malformed"),
        (b"[-Infinity]", "malformed"),
        (b"[1e999]", "malformed"),
        (b'["\\ud800"]', "malformed"),
        (b'["a\\udc00b"]', "malformed"),
        (b'["\xff"]', "not_utf8"),
        (b'["\xc0\xaf"]', "not_utf8"),
        (b'["\xed\xa0\x80"]', "not_utf8"),
        (b"[1] x", "malformed"),
        (b"", "malformed"),
        (b"[" * 1000 + b"]" * 1000, "too_deep"),
        (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), "too_deep"),
        ('["\ud800"]', "not_utf8"),
    ],
)
def test_refused_with_a_stable_reason(text: bytes | str, reason: str) -> None:
    with pytest.raises(JsonInputError) as caught:
        decode_json(text)
    assert caught.value.reason == reason


def test_accepts_json_up_to_the_limit() -> None:
    deepest = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert decode_json(deepest) is not None
    assert decode_json('{"a": ["\\ud83d\\ude00", 1.5, null, true]}') == {
        "a": ["\U0001f600", 1.5, None, True]
    }


@pytest.mark.parametrize(
    ("value", "depth"),
    [(1, 0), ([], 1), ({}, 1), ([[1]], 2), ({"a": [{"b": []}]}, 4), ([1, [2, [3]], {}], 3)],
)
def test_depth_is_measured_without_recursion(value: object, depth: int) -> None:
    assert not depth_exceeds(value, depth)
    assert depth_exceeds(value, depth - 1) == (depth > 0)


def test_depth_of_a_very_deep_value_does_not_recurse() -> None:
    value: list[object] = []
    for _ in range(100_000):
        value = [value]
    assert depth_exceeds(value, MAX_JSON_DEPTH)
