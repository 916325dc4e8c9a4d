"""Limits every part of DGS applies to the JSON it reads and the lessons it keeps.

One home for each number: the HTTP edge, the model-output parser, validation, the
stores, the CLI and the README all use these names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# Deepest nesting of arrays and objects accepted in any JSON DGS parses (request bodies
# and model output). A full-form lesson is ~25 deep at most (a stepFlow at branch depth
# 5 inside a subsection, or a treeview holding a lesson), so 64 leaves room without
# letting a hostile value reach recursion limits anywhere downstream.
MAX_JSON_DEPTH = 64

# Largest lesson a store keeps: the canonical full form as compact UTF-8 JSON. Both
# stores refuse a larger one the same way (``lesson_too_large``), before any write.
MAX_LESSON_BYTES = 256 * 1024


def depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``value`` nests arrays/objects deeper than ``limit`` (iterative: no recursion).

    A scalar is depth 0, ``[]`` and ``{}`` are depth 1, ``[[1]]`` is depth 2.
    """
    level: list[Iterable[Any]] = [[value]]
    depth = 0
    while level:
        children: list[Iterable[Any]] = []
        for container in level:
            for item in container:
                if isinstance(item, dict):
                    children.append(item.values())
                elif isinstance(item, list):
                    children.append(item)
        if not children:
            return False
        depth += 1
        if depth > limit:
            return True
        level = children
    return False  # pragma: no cover - the loop returns
