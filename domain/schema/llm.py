"""The LLM-facing lesson schema: the full-form model, made fit for strict structured output.

Providers' strict JSON-schema modes (OpenAI's rules; Gemini and others accept a subset)
want every property required, optional ones nullable, ``additionalProperties: false``
on every object, ``anyOf`` rather than ``oneOf``, no open objects and no defaults. Open
JSON objects (``codeviewer.code``, ``treeview.lesson``) are offered as their string
alternative: the model writes JSON text, which the validator accepts as well.
"""

from __future__ import annotations

import json
from typing import Any

from domain.lesson.models import MODELS, validator

Schema = dict[str, Any]
_DROPPED_KEYS = frozenset({"title", "default", "discriminator"})


class StrictSchemaError(ValueError):
    """A model cannot be expressed in strict structured-output form."""


def llm_json_schema(version: str = "1.1") -> Schema:
    """The strict structured-output schema of the full-form lesson of ``version``."""
    return to_strict(validator(MODELS[version].lesson).json_schema())


def to_strict(schema: Schema) -> Schema:
    """Rewrite a pydantic JSON Schema to the strict structured-output subset."""
    strict: Schema = _strict(schema, "#")
    return strict


def estimate_tokens(schema: Schema) -> int:
    """A rough token count of a schema as sent (about 4 characters per token)."""
    return len(json.dumps(schema, separators=(",", ":"))) // 4


def _is_open_object(node: Any) -> bool:
    return isinstance(node, dict) and node.get("type") == "object" and "properties" not in node


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
        elif key in ("properties", "$defs"):
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
