"""The lesson JSON Schema (draft 2020-12) of a catalog version, generated from its spec.

It accepts what DLE accepts: shorthand items, full-form items, or a mix. It describes
structure and types only; the widget rules (blanks, indexes, depths...) are checked by
``validate_lesson``, which remains the one verdict.
"""

from __future__ import annotations

from typing import Any

from domain.catalog.registry import get_registry
from domain.catalog.spec import ListType, RecordType, ScalarType, Shape, TypeNode, WidgetSpec

Schema = dict[str, Any]
_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_NULL: Schema = {"type": "null"}


def lesson_json_schema(version: str | None = None) -> Schema:
    """The document schema of ``version`` (default: the current version)."""
    catalog = get_registry().catalog(version)
    defs: dict[str, Schema] = {}
    shorthand_items: list[Schema] = [{"type": "string"}]
    full_items: list[Schema] = []
    for widget in catalog.widgets.values():
        _Widget(widget, defs).define()
        shorthand_items.append(_single_key(widget.key, _ref(f"{widget.key}.shorthand")))
        full_items.append(_ref(f"{widget.key}.full"))
    quiz = catalog.block_widget
    defs["item"] = {"anyOf": shorthand_items + full_items}
    defs["section"] = {
        "type": "object",
        "properties": {
            "section": {"type": "string", "minLength": 1},
            "items": {"type": "array", "items": _ref("item")},
            "subsections": {"anyOf": [{"type": "array", "items": _ref("section")}, _NULL]},
        },
        "required": ["section", "items"],
        "additionalProperties": False,
    }
    return {
        "$schema": _DIALECT,
        "title": f"DLE lesson, catalog {catalog.schema_version}",
        "description": f"widgets_version {catalog.widgets_version}",
        "type": "object",
        "properties": {
            "schema_version": {"const": catalog.schema_version},
            "title": {"type": "string", "minLength": 1},
            "blocks": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "anyOf": [
                        _ref("section"),
                        _single_key(quiz.key, _ref(f"{quiz.key}.shorthand")),
                    ]
                },
            },
        },
        "required": ["title", "blocks"],
        "additionalProperties": False,
        "$defs": defs,
    }


def _ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def _single_key(key: str, value: Schema) -> Schema:
    return {
        "type": "object",
        "properties": {key: value},
        "required": [key],
        "additionalProperties": False,
    }


class _Widget:
    """Writes the definitions of one widget and its records into ``defs``."""

    def __init__(self, widget: WidgetSpec, defs: dict[str, Schema]) -> None:
        self.widget = widget
        self.defs = defs

    def define(self) -> None:
        key = self.widget.key
        self.defs[f"{key}.shorthand"] = self.shorthand(self.widget.shape)
        self.defs[f"{key}.full"] = self.full(self.widget.shape, {"type": {"const": key}})
        for record in self.widget.records.values():
            forms = [self.shorthand(s) for s in record.shapes]
            forms += [
                self.full(s, {"kind": {"const": s.kind}} if s.kind else {}) for s in record.shapes
            ]
            self.defs[f"{key}.{record.name}"] = {"anyOf": forms}

    def shorthand(self, shape: Shape) -> Schema:
        fields = shape.fields
        if shape.shorthand in ("string", "list"):
            return self.type_schema(fields[0].type)
        if shape.shorthand == "object":
            return self.full(shape, {})
        return {
            "type": "array",
            "prefixItems": [self.type_schema(f.type) for f in fields],
            "minItems": sum(f.required for f in fields),
            "maxItems": len(fields),
        }

    def full(self, shape: Shape, tags: dict[str, Schema]) -> Schema:
        properties = dict(tags)
        for field in shape.fields:
            value = self.type_schema(field.type)
            properties[field.name] = value if field.required else {"anyOf": [value, _NULL]}
        required = list(tags) + [f.name for f in shape.fields if f.required]
        return {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }

    def type_schema(self, node: TypeNode) -> Schema:
        if isinstance(node, ListType):
            return {"type": "array", "items": self.type_schema(node.item)}
        if isinstance(node, RecordType):
            return _ref(f"{self.widget.key}.{node.name}")
        assert isinstance(node, ScalarType)
        names = sorted(node.names)
        return {"type": names[0] if len(names) == 1 else names}
