"""Unroll a schema's recursion to fixed depths: a schema with no cycles left.

Each recursive definition gets a budget: how many times it may be entered along one
path. A definition is copied once per level it is reached at (``FlowBranch``,
``FlowBranch_2``...), and where a budget runs out the recursive alternative is dropped:
an ``anyOf`` keeps its other options, a nullable array becomes ``null``. Definitions
that reach no recursion are shared by every level.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.schema.walk import (
    LIST_KEYWORDS,
    MAP_KEYWORDS,
    SINGLE_KEYWORDS,
    Schema,
    children,
    escape,
    unescape,
)

_DEFS = "#/$defs/"


class _Impossible(Exception):
    """No value can satisfy this part of the schema any more (a budget ran out)."""


def unroll(schema: Schema, budgets: Mapping[str, int]) -> Schema:
    """``schema`` with each definition named in ``budgets`` nested at most that deep."""
    defs: dict[str, Schema] = schema.get("$defs", {})
    reach = _reachable(defs, set(budgets))
    out: dict[str, Schema] = {}
    names: dict[tuple[str, tuple[tuple[str, int], ...]], str] = {}

    def enter(name: str, counts: Mapping[str, int]) -> str:
        if name in budgets:
            if counts.get(name, 0) >= budgets[name]:
                raise _Impossible
            counts = {**counts, name: counts.get(name, 0) + 1}
        key = (name, tuple(sorted((r, counts[r]) for r in reach[name] if counts.get(r))))
        if key not in names:
            levels = "".join(f"_{n}" for _, n in key[1] if n > 1)
            copy = f"{name}{levels}"
            while copy in out:  # another level already took the name: keep names unique
                copy += "_"
            names[key] = copy
            out[copy] = {}  # reserved while its body is written
            try:
                out[copy] = rewrite(defs[name], counts)
            except _Impossible:  # nothing fits at this depth: no copy, and say so above
                del out[copy], names[key]
                raise
        return names[key]

    def rewrite(node: Any, counts: Mapping[str, int]) -> Any:
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_DEFS):
            return {**node, "$ref": _DEFS + escape(enter(unescape(ref[len(_DEFS) :]), counts))}
        result = dict(node)
        for key, value in node.items():
            if key in ("anyOf", "oneOf"):
                options = []
                for option in value:
                    try:
                        options.append(rewrite(option, counts))
                    except _Impossible:  # that alternative is too deep now: offer the others
                        continue
                if not options:
                    raise _Impossible
                if len(options) == 1 and len(node) == 1:
                    return options[0]
                result[key] = options
            elif key in MAP_KEYWORDS and key != "$defs":
                result[key] = {name: rewrite(child, counts) for name, child in value.items()}
            elif key in LIST_KEYWORDS:
                result[key] = [rewrite(child, counts) for child in value]
            elif key in SINGLE_KEYWORDS:
                result[key] = rewrite(value, counts)
        return result

    root = {k: v for k, v in schema.items() if k != "$defs"}
    unrolled: Schema = rewrite(root, {})
    if out:
        unrolled["$defs"] = out
    return unrolled


def _reachable(defs: Mapping[str, Schema], recursive: set[str]) -> dict[str, set[str]]:
    """For each definition, the recursive definitions reachable from it (itself included)."""
    direct = {name: set(_refs(node)) for name, node in defs.items()}
    reach: dict[str, set[str]] = {}
    for name in defs:
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            for target in direct.get(current, ()):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        reach[name] = (seen | {name}) & recursive
    return reach


def _refs(node: Schema) -> list[str]:
    ref = node.get("$ref")
    found = [unescape(ref[len(_DEFS) :])] if isinstance(ref, str) and ref.startswith(_DEFS) else []
    for _, child in children(node):
        found += _refs(child)
    return found
