"""Check a schema against OpenAI's strict structured-output rules.

The rules (as documented for strict mode): the root is an object; every object lists
all its properties as required and sets ``additionalProperties: false``; no ``oneOf``,
``allOf``, ``not``, conditionals or tuple keywords; no open objects; no non-null
defaults; at most 10 levels of nesting and 5000 properties in all.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 10
MAX_PROPERTIES = 5000
_FORBIDDEN = frozenset(
    {
        "oneOf",
        "allOf",
        "not",
        "if",
        "then",
        "else",
        "prefixItems",
        "dependentRequired",
        "dependentSchemas",
        "patternProperties",
        "unevaluatedProperties",
        "additionalItems",
    }
)


def strict_mode_violations(schema: dict[str, Any]) -> list[str]:
    """Every way ``schema`` breaks the strict rules; empty when it complies."""
    problems: list[str] = []
    if schema.get("type") != "object":
        problems.append("#: the root must be an object")
    defs = schema.get("$defs", {})
    properties = 0

    def walk(node: Any, where: str) -> None:
        nonlocal properties
        if isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{where}/{index}")
            return
        if not isinstance(node, dict):
            return
        for key in _FORBIDDEN & node.keys():
            problems.append(f"{where}: uses {key}")
        if node.get("default") is not None:
            problems.append(f"{where}: has a non-null default")
        if node.get("type") == "object":
            props = node.get("properties")
            if props is None:
                problems.append(f"{where}: open object")
            else:
                properties += len(props)
                if sorted(node.get("required", [])) != sorted(props):
                    problems.append(f"{where}: not every property is required")
                if node.get("additionalProperties") is not False:
                    problems.append(f"{where}: additionalProperties is not false")
        for key, value in node.items():
            if key in ("properties", "$defs"):
                for name, child in value.items():
                    walk(child, f"{where}/{key}/{name}")
            elif isinstance(value, dict | list):
                walk(value, f"{where}/{key}")

    walk(schema, "#")
    depth = nesting_depth(schema, defs)
    if depth > MAX_DEPTH:
        problems.append(f"#: nests {depth} levels deep; at most {MAX_DEPTH}")
    if properties > MAX_PROPERTIES:
        problems.append(f"#: {properties} properties; at most {MAX_PROPERTIES}")
    return problems


def nesting_depth(node: Any, defs: dict[str, Any], seen: frozenset[str] = frozenset()) -> int:
    """Object levels along the deepest path, following ``$ref`` until a cycle closes."""
    if isinstance(node, list):
        return max((nesting_depth(n, defs, seen) for n in node), default=0)
    if not isinstance(node, dict):
        return 0
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        return 0 if name in seen else nesting_depth(defs.get(name), defs, seen | {name})
    children = [v for k, v in node.items() if k not in ("$defs", "properties")]
    children += list(node.get("properties", {}).values())
    own = 1 if node.get("type") == "object" else 0
    return own + max((nesting_depth(c, defs, seen) for c in children), default=0)
