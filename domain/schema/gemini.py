"""The Gemini ``responseJsonSchema`` profile (also behind Gemini's OpenAI-compatible API).

Source of every rule: the Gemini API reference, ``GenerationConfig.responseJsonSchema``
(https://ai.google.dev/api/generate-content#FIELDS.response_json_schema), and the
structured-output guide (https://ai.google.dev/gemini-api/docs/structured-output).
"""

from __future__ import annotations

from domain.schema.walk import Schema, Violation, find_cycle, ref_edges, walk

# "only the following properties are supported"; anything else is silently ignored by
# Gemini, so a schema that relies on one is not enforced: here that is an error.
ALLOWED_KEYWORDS = frozenset(
    {"$id", "$defs", "$ref", "$anchor", "type", "format", "title", "description", "enum",
     "items", "prefixItems", "minItems", "maxItems", "minimum", "maximum", "anyOf", "oneOf",
     "properties", "additionalProperties", "required", "propertyOrdering"}
)  # fmt: skip


def gemini_violations(schema: Schema) -> list[Violation]:
    """Every way ``schema`` breaks Gemini's documented ``responseJsonSchema`` rules."""
    found: list[Violation] = []
    for path, node in walk(schema):
        for keyword in sorted(node.keys() - ALLOWED_KEYWORDS):
            found.append(Violation("gemini.keyword", path, f"{keyword} is not supported"))
        # "If $ref is set on a sub-schema, no other properties, except for those
        # starting as a $, may be set."
        if "$ref" in node:
            siblings = sorted(k for k in node if not k.startswith("$"))
            if siblings:
                message = f"$ref has sibling keys {', '.join(siblings)}"
                found.append(Violation("gemini.ref_siblings", path, message))
        # "enum (for strings and numbers)"
        for value in node.get("enum", []):
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                message = f"enum value {value!r} is neither a string nor a number"
                found.append(Violation("gemini.enum_type", path, message))
    found += _recursion(schema)
    return found


def _recursion(schema: Schema) -> list[Violation]:
    """Cycles only through non-required properties.

    "Cyclic references are unrolled to a limited degree and, as such, may only be used
    within non-required properties. (Nullable properties are not sufficient.)" Newer
    server messages also accept cycles through nullable values or possibly-empty arrays;
    this profile keeps to the documented rule.
    """
    required_only = [e for e in ref_edges(schema) if not e.through_optional]
    cycle = find_cycle(required_only)
    if cycle is None:
        return []
    names = " -> ".join([cycle[0].source, *(e.target for e in cycle)])
    message = f"a cycle through required properties only: {names}"
    return [Violation("gemini.recursion", cycle[-1].path, message)]
