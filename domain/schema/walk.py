"""Walking a JSON Schema: its subschemas with their JSON Pointers, local refs, ref cycles.

The provider profiles (``strict``, ``gemini``, ``grammar``) judge a schema with these;
they read keywords only where a schema can stand, so a property called ``type`` is a
name, never mistaken for the keyword.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Schema = dict[str, Any]
# Keywords whose value is a map of names to subschemas, a list of subschemas, or one.
MAP_KEYWORDS = frozenset(
    {"properties", "$defs", "definitions", "patternProperties", "dependentSchemas"}
)
LIST_KEYWORDS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
SINGLE_KEYWORDS = frozenset(
    {"items", "not", "if", "then", "else", "additionalProperties", "contains", "propertyNames",
     "unevaluatedProperties", "unevaluatedItems", "additionalItems"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Violation:
    """One rule of a provider profile that a schema breaks, and where."""

    rule: str  # stable id, e.g. "openai.anyof_first_keys"
    path: str  # JSON Pointer into the schema, "#/..."
    message: str

    def __str__(self) -> str:
        return f"{self.rule} at {self.path}: {self.message}"


def escape(name: str) -> str:
    """A name as a JSON Pointer segment (RFC 6901)."""
    return name.replace("~", "~0").replace("/", "~1")


def unescape(segment: str) -> str:
    """A JSON Pointer segment as the name it stands for (RFC 6901)."""
    return segment.replace("~1", "/").replace("~0", "~")


def children(node: Schema) -> Iterator[tuple[str, Schema]]:
    """The direct subschemas of ``node``, each with its pointer segment(s)."""
    for key, value in node.items():
        if key in MAP_KEYWORDS and isinstance(value, dict):
            for name, child in value.items():
                if isinstance(child, dict):
                    yield f"{key}/{escape(name)}", child
        elif key in LIST_KEYWORDS and isinstance(value, list):
            for index, child in enumerate(value):
                if isinstance(child, dict):
                    yield f"{key}/{index}", child
        elif key in SINGLE_KEYWORDS and isinstance(value, dict):
            yield key, value


def walk(schema: Schema, path: str = "#") -> Iterator[tuple[str, Schema]]:
    """Every subschema (the root included), depth first, with its JSON Pointer."""
    yield path, schema
    for segment, child in children(schema):
        yield from walk(child, f"{path}/{segment}")


def resolve(root: Schema, ref: str) -> Schema | None:
    """The subschema a local ``$ref`` points to, or None (not local, or dangling)."""
    if ref == "#":
        return root
    if not ref.startswith("#/"):
        return None
    node: Any = root
    for raw in ref[2:].split("/"):
        segment = unescape(raw)
        if isinstance(node, dict) and segment in node:
            node = node[segment]
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        else:
            return None
    return node if isinstance(node, dict) else None


def dereference(root: Schema, node: Schema) -> Schema:
    """``node`` with its ``$ref`` chain followed (as far as it resolves)."""
    seen: set[str] = set()
    while isinstance(node.get("$ref"), str) and node["$ref"] not in seen:
        seen.add(node["$ref"])
        target = resolve(root, node["$ref"])
        if target is None:
            break
        node = target
    return node


@dataclass(frozen=True, slots=True)
class RefEdge:
    """A ``$ref`` from inside one definition (or the root) to another."""

    source: str  # the ref of the definition holding it ("#" for the root document)
    target: str
    path: str  # where the $ref is
    through_optional: bool  # the way to it passes a property its object does not require


def ref_edges(root: Schema) -> list[RefEdge]:
    """Every local ``$ref`` edge between the root and the ``$defs`` definitions."""
    edges: list[RefEdge] = []
    units = [("#", root)] + [
        (f"#/$defs/{escape(name)}", node)
        for name, node in root.get("$defs", {}).items()
        if isinstance(node, dict)
    ]

    def visit(node: Schema, source: str, path: str, optional: bool) -> None:
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            edges.append(RefEdge(source, ref, path, optional))
        required = set(node.get("required", []))
        for segment, child in children(node):
            if segment.startswith("$defs/"):
                continue  # definitions are units of their own
            keyword, _, name = segment.partition("/")
            via = optional or (keyword == "properties" and unescape(name) not in required)
            visit(child, source, f"{path}/{segment}", via)

    for source, node in units:
        visit(node, source, source, False)
    return edges


def find_cycle(edges: list[RefEdge]) -> list[RefEdge] | None:
    """One cycle among ``edges`` (the edges that close it, in order), or None."""
    graph: dict[str, list[RefEdge]] = {}
    for edge in edges:
        graph.setdefault(edge.source, []).append(edge)
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    stack: list[RefEdge] = []

    def visit(node: str) -> list[RefEdge] | None:
        state[node] = 1
        for edge in graph.get(node, []):
            if state.get(edge.target) == 1:  # back to a node on the path: a cycle
                sources = [e.source for e in stack]
                start = sources.index(edge.target) if edge.target in sources else len(stack)
                return [*stack[start:], edge]
            if edge.target not in state:
                stack.append(edge)
                found = visit(edge.target)
                if found:
                    return found
                stack.pop()
        state[node] = 2
        return None

    for node in list(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def object_depth(root: Schema, node: Schema, seen: frozenset[str] = frozenset()) -> int:
    """Object levels along the deepest path, following ``$ref`` until a cycle closes."""
    ref = node.get("$ref")
    if isinstance(ref, str):
        target = resolve(root, ref)
        return 0 if target is None or ref in seen else object_depth(root, target, seen | {ref})
    below = [child for segment, child in children(node) if not segment.startswith("$defs/")]
    deepest = max((object_depth(root, child, seen) for child in below), default=0)
    return deepest + (1 if node.get("type") == "object" else 0)
