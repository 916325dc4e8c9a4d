"""The OpenAI strict structured-output profile: every documented rule, as a check.

Source of every rule unless noted: OpenAI, "Structured model outputs", section
"Supported schemas" (https://platform.openai.com/docs/guides/structured-outputs#supported-schemas).
The OpenAI provider and OpenRouter (DGS's default structurer there is an OpenAI model)
are judged by it.
"""

from __future__ import annotations

import json

from domain.schema.walk import Schema, Violation, dereference, object_depth, walk

MAX_PROPERTIES = 5_000  # "A schema may have up to 5000 object properties total"
MAX_NESTING = 10  # "... with up to 10 levels of nesting"
MAX_NAME_CHARS = 120_000  # property, definition, enum and const names together
MAX_ENUM_VALUES = 1_000  # "up to 1000 enum values across all enum properties"
LARGE_STRING_ENUM = 250  # a single string enum over 250 values ...
MAX_LARGE_ENUM_CHARS = 15_000  # ... may total at most 15,000 characters
# "Some type-specific keywords are not yet supported" and composition keywords that
# strict mode refuses; ``prefixItems`` (tuples) was refused on these machines too
# (field notes, November 2026).
BANNED_KEYWORDS = frozenset(
    {"allOf", "not", "if", "then", "else", "oneOf", "dependentRequired", "dependentSchemas",
     "default", "patternProperties", "unevaluatedProperties", "propertyNames",
     "minProperties", "maxProperties", "prefixItems", "additionalItems"}
)  # fmt: skip


def openai_strict_violations(schema: Schema) -> list[Violation]:
    """Every way ``schema`` breaks OpenAI's strict-mode rules; empty when it complies."""
    found: list[Violation] = []
    # "The root level object must be an object, and not use anyOf."
    if schema.get("type") != "object" or "anyOf" in schema:
        found.append(Violation("openai.root_object", "#", "the root must be an object, not anyOf"))
    properties = 0
    for path, node in walk(schema):
        for keyword in sorted(BANNED_KEYWORDS & node.keys()):
            found.append(Violation("openai.banned_keyword", path, f"uses {keyword}"))
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            # Definitions are referenced with local JSON Pointers (#/$defs/..., or # for
            # recursion): "$ref ... must be a relative reference".
            found.append(Violation("openai.local_ref", path, f"$ref {ref!r} is not local"))
        if node.get("type") == "object" or "properties" in node:
            props = node.get("properties", {})
            properties += len(props)
            # "All fields must be required"
            if sorted(node.get("required", [])) != sorted(props):
                found.append(
                    Violation("openai.all_required", path, "not every property is required")
                )
            # "additionalProperties: false must always be set in objects"
            if node.get("additionalProperties") is not False:
                found.append(
                    Violation(
                        "openai.additional_properties", path, "additionalProperties is not false"
                    )
                )
        found += _first_keys(schema, path, node)
    if properties > MAX_PROPERTIES:
        found.append(
            Violation(
                "openai.max_properties", "#", f"{properties} properties; at most {MAX_PROPERTIES}"
            )
        )
    depth = object_depth(schema, schema)
    if depth > MAX_NESTING:
        found.append(
            Violation(
                "openai.max_nesting", "#", f"nests {depth} levels deep; at most {MAX_NESTING}"
            )
        )
    return found + _size_limits(schema)


def _first_keys(root: Schema, path: str, node: Schema) -> list[Violation]:
    """Object branches of an ``anyOf`` must not share identical first keys.

    OpenAI answers 400 "Objects provided via 'anyOf' must not share identical first
    keys" (openai/openai-python#2193: two branches both starting with
    ``"name": {"type": "string"}``). Branches that lead with a discriminator of distinct
    values (same name, different ``enum``) are told apart at once and are accepted.
    """
    seen: dict[str, int] = {}
    found: list[Violation] = []
    for index, option in enumerate(node.get("anyOf", [])):
        branch = dereference(root, option) if isinstance(option, dict) else {}
        props = branch.get("properties")
        if branch.get("type") != "object" or not props:
            continue
        name, value = next(iter(props.items()))
        first = json.dumps([name, value], sort_keys=True)
        if first in seen:
            message = (
                f"branches {seen[first]} and {index} both start with {name!r} of the same schema"
            )
            found.append(Violation("openai.anyof_first_keys", f"{path}/anyOf", message))
        seen.setdefault(first, index)
    return found


def _size_limits(schema: Schema) -> list[Violation]:
    names = sum(len(name) for name in schema.get("$defs", {}))
    enum_values = 0
    found: list[Violation] = []
    for path, node in walk(schema):
        names += sum(len(name) for name in node.get("properties", {}))
        values = list(node.get("enum", []))
        if "const" in node:
            values.append(node["const"])
        names += sum(len(str(v)) for v in values)
        enum_values += len(node.get("enum", []))
        strings = [v for v in node.get("enum", []) if isinstance(v, str)]
        if len(strings) > LARGE_STRING_ENUM and sum(map(len, strings)) > MAX_LARGE_ENUM_CHARS:
            message = (
                f"a string enum of {len(strings)} values over {MAX_LARGE_ENUM_CHARS} characters"
            )
            found.append(Violation("openai.enum_limits", path, message))
    if enum_values > MAX_ENUM_VALUES:
        message = f"{enum_values} enum values; at most {MAX_ENUM_VALUES}"
        found.append(Violation("openai.enum_limits", "#", message))
    if names > MAX_NAME_CHARS:
        message = f"names and enum values total {names} characters; at most {MAX_NAME_CHARS}"
        found.append(Violation("openai.name_chars", "#", message))
    return found
