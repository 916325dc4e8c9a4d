"""Limits every part of DGS applies to the JSON it reads and the lessons it keeps.

One home for each number: the HTTP edge, the model-output parser, validation, the
stores, the CLI and the README all use these names.
"""

from __future__ import annotations

import gc
from typing import Any, Literal

# Deepest nesting of arrays and objects accepted in any JSON DGS parses (request bodies
# and model output). A full-form lesson is ~25 deep at most (a stepFlow at branch depth
# 5 inside a subsection, or a treeview holding a lesson), so 64 leaves room without
# letting a hostile value reach recursion limits anywhere downstream.
MAX_JSON_DEPTH = 64

# Most JSON values (array elements and object members) one lesson may hold. A 10-section
# training lesson holds ~5,000 (a 50-widget lesson of 17 KB holds 550): this bounds the
# work of validating anything posted (1 MB of JSON can hold 500,000 values).
MAX_LESSON_NODES = 20_000

# Largest lesson a store keeps: the canonical full form as compact UTF-8 JSON. Both
# stores refuse a larger one the same way (``lesson_too_large``), before any write.
MAX_LESSON_BYTES = 256 * 1024

# Errors (and warnings) a validation result lists; it counts all of them. A repair
# prompt, an HTTP body and a terminal all stay small, however broken the lesson.
MAX_REPORTED_ISSUES = 100

Oversize = Literal["too_deep", "too_large"]
_CONTAINERS = frozenset({list, dict})
# The elements of every list and the values of every dict given, listed in C (their
# ``tp_traverse``); strings, numbers, booleans and None have none. A level of a JSON
# tree is measured in one call, with no Python loop over its values and no recursion.
_children = gc.get_referents


def oversize(value: Any, max_depth: int, max_nodes: int | None = None) -> Oversize | None:
    """Whether a JSON value nests deeper than ``max_depth`` or holds over ``max_nodes`` values.

    Measured level by level without recursion, and stopped as soon as a limit is passed:
    the cost is bounded by the limits, not by the value. A scalar is depth 0, ``[]`` and
    ``{}`` are depth 1, ``[[1]]`` is depth 2; every array element and object member
    counts as one value. ``value`` must be JSON data (dicts, lists and scalars).
    """
    level: list[Any] = [value]
    reached = 0  # how many levels below ``value`` hold something
    count = 0
    while True:
        children = _children(*level)
        if not children:
            # ``level`` holds no non-empty container; an empty one is a level of its own.
            deepest = reached + (not _CONTAINERS.isdisjoint(map(type, level)))
            return "too_deep" if 0 < deepest > max_depth else None
        reached += 1
        count += len(children)
        if reached > max_depth:
            return "too_deep"
        if max_nodes is not None and count > max_nodes:
            return "too_large"
        level = children


def depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON value nests arrays/objects deeper than ``limit`` (no recursion)."""
    return oversize(value, limit) == "too_deep"
