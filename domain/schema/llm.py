"""The LLM-facing lesson schema: the full-form model, made fit for each provider profile.

Providers' strict JSON-schema modes (OpenAI's rules; Gemini and others accept a subset)
want every property required, optional ones nullable, ``additionalProperties: false``
on every object, ``anyOf`` rather than ``oneOf``, no open objects and no defaults. Open
JSON objects (``codeviewer.code``, ``treeview.lesson``) are offered as their string
alternative: the model writes JSON text, which the validator accepts as well.

Every union member leads with its discriminator (``type``, ``kind``): OpenAI refuses
``anyOf`` object branches whose first keys are identical (openai/openai-python#2193).
Profiles that cannot take DGS's recursion get it unrolled to the catalog's depth limits
(``domain.schema.profiles``).
"""

from __future__ import annotations

import copy
import json
import typing
from functools import cache
from typing import Any

from domain.catalog.registry import get_registry
from domain.catalog.rules import MaxDepth
from domain.lesson import widgets
from domain.lesson.models import MODELS, validator
from domain.schema.profiles import PROFILES
from domain.schema.unroll import unroll
from domain.schema.walk import dereference
from domain.values.catalog_version import DEFAULT_CATALOG_VERSION

Schema = dict[str, Any]
_DROPPED_KEYS = frozenset({"title", "default", "discriminator"})
# Unrolled schemas nest sections this deep (a section, its subsections, theirs): the
# catalog sets no limit, and deeper outlines are not what a lesson of 10 sections needs.
SECTION_DEPTH = 3
# The recursive definitions of the full-form models, and the catalog rule bounding each.
_DEPTH_RULES = {widgets.FlowBranch.__name__: "stepFlow", widgets.CheckGroup.__name__: "checklist"}


class StrictSchemaError(ValueError):
    """A model cannot be expressed in strict structured-output form."""


def llm_json_schema(version: str = DEFAULT_CATALOG_VERSION, profile: str = "openai") -> Schema:
    """The structured-output schema of the full-form lesson of ``version`` for ``profile``.

    A copy of its own, for a caller to change as it likes.
    """
    return copy.deepcopy(shared_llm_json_schema(version, profile))


@cache
def shared_llm_json_schema(version: str, profile: str) -> Schema:
    """The same schema, built once per process and shared: callers must only read it.

    Building it takes milliseconds (and a copy as long), so the model adapters send this
    one object with every request instead of a schema per call.
    """
    strict = to_strict(validator(MODELS[version].lesson).json_schema())
    if PROFILES[profile].recursion == "keep":
        return strict
    return unroll(strict, depth_budgets(version))


def depth_budgets(version: str) -> dict[str, int]:
    """How often each recursive definition may nest, from the catalog's depth rules."""
    catalog = get_registry().catalog(version)
    budgets = {"Section": SECTION_DEPTH}
    for definition, key in _DEPTH_RULES.items():
        rule = next(r.rule for r in catalog.widgets[key].rules if isinstance(r.rule, MaxDepth))
        # A rule counting the root allows ``max`` node lists; otherwise one more. Each
        # nested list below the root is one more entry into the recursive definition.
        node_lists = rule.max + (0 if rule.count_root else 1)
        budgets[definition] = node_lists - 1
    return budgets


def to_strict(schema: Schema) -> Schema:
    """Rewrite a pydantic JSON Schema to the strict structured-output subset."""
    strict: Schema = _strict(schema, "#")
    return strict


def estimate_tokens(schema: Schema) -> int:
    """A rough token count of a schema as sent (about 4 characters per token)."""
    return len(json.dumps(schema, separators=(",", ":"))) // 4


def llm_form(lesson: dict[str, Any]) -> dict[str, Any]:
    """A canonical full-form lesson as a model writes it from the LLM schema.

    Open JSON objects become JSON text, and every object's keys follow the schema's
    order, which a grammar-constrained decoder cannot leave (an item's ``type`` first).
    """
    version = lesson["schema_version"]
    open_fields = _open_fields(version)

    def item(value: dict[str, Any]) -> dict[str, Any]:
        text_fields = open_fields.get(value["type"], frozenset())
        return {
            k: json.dumps(v, ensure_ascii=False) if k in text_fields and isinstance(v, dict) else v
            for k, v in value.items()
        }

    def section(value: dict[str, Any]) -> dict[str, Any]:
        subsections = value.get("subsections")
        return {
            **value,
            "items": [item(i) for i in value["items"]],
            "subsections": None if subsections is None else [section(s) for s in subsections],
        }

    texts = {**lesson, "blocks": [section(b) if "section" in b else b for b in lesson["blocks"]]}
    schema = shared_llm_json_schema(version, "openai")  # every profile orders keys alike
    arranged: dict[str, Any] = _arrange(texts, schema, schema)
    return arranged


def _arrange(value: Any, node: Schema, root: Schema) -> Any:
    """``value`` with the keys of each object in the order of its schema's properties."""
    node = dereference(root, node)
    options = [dereference(root, o) for o in node.get("anyOf", [node])]
    if isinstance(value, dict):
        for option in options:
            props = option.get("properties")
            if props is not None and set(props) == set(value) and _tags_match(props, value):
                return {k: _arrange(value[k], props[k], root) for k in props}
        return value
    if isinstance(value, list):
        arrays = [o for o in options if o.get("type") == "array" and "items" in o]
        return [_arrange(v, arrays[0]["items"], root) for v in value] if arrays else value
    return value


def _tags_match(props: Schema, value: dict[str, Any]) -> bool:
    return all(value[k] in p["enum"] for k, p in props.items() if _is_discriminator(p))


@cache
def _open_fields(version: str) -> dict[str, frozenset[str]]:
    """Widget key -> its fields that take an open JSON object (offered as strings)."""
    found: dict[str, frozenset[str]] = {}
    for key, model in MODELS[version].widgets.items():
        hints = typing.get_type_hints(model)
        names = {
            name
            for name, hint in hints.items()
            if any(typing.get_origin(arg) is dict for arg in typing.get_args(hint))
        }
        if names:
            found[key] = frozenset(names)
    return found


def _is_open_object(node: Any) -> bool:
    return isinstance(node, dict) and node.get("type") == "object" and "properties" not in node


def _is_discriminator(node: Any) -> bool:
    return isinstance(node, dict) and ("const" in node or len(node.get("enum", ())) == 1)


def _strict(node: Any, where: str) -> Any:
    if isinstance(node, list):
        return [_strict(v, where) for v in node]
    if not isinstance(node, dict):
        return node
    if _is_open_object(node):
        raise StrictSchemaError(f"{where}: open object (dict) fields are not allowed")
    out: Schema = {}
    for key, value in node.items():
        if key in _DROPPED_KEYS:
            continue
        if key in ("oneOf", "anyOf"):
            options = [v for v in value if not _is_open_object(v)]
            if not options:
                raise StrictSchemaError(f"{where}: only open objects to choose from")
            if len(options) == 1:
                out.update(_strict(options[0], where))
            else:
                out["anyOf"] = _strict(options, where)
        elif key == "const":
            out["enum"] = [value]
        elif key == "properties":
            # The discriminator first: union members must differ at their first key.
            ordered = sorted(value.items(), key=lambda kv: not _is_discriminator(kv[1]))
            out[key] = {name: _strict(v, f"{where}/{key}/{name}") for name, v in ordered}
        elif key == "$defs":
            out[key] = {name: _strict(v, f"{where}/{key}/{name}") for name, v in value.items()}
        else:
            out[key] = _strict(value, f"{where}/{key}")
    if "properties" in out:
        originally_required = set(node.get("required", []))
        for name, prop in out["properties"].items():
            if name not in originally_required and not _nullable(prop):
                out["properties"][name] = {"anyOf": [prop, {"type": "null"}]}
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    return out


def _nullable(node: Schema) -> bool:
    return node.get("type") == "null" or any(o.get("type") == "null" for o in node.get("anyOf", []))
