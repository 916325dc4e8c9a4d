"""``expand`` (to canonical full form) and ``compact`` (to canonical shorthand).

Both take any valid lesson, in either form or a mix, and go through ``validate_lesson``:
there is one reading of a lesson, and converting an invalid one is refused.
"""

from __future__ import annotations

from typing import Any

from domain.catalog.registry import get_registry
from domain.catalog.spec import (
    Catalog,
    FieldSpec,
    ListType,
    RecordType,
    ScalarType,
    Shape,
    TypeNode,
    WidgetSpec,
)
from domain.validation.document import validate_lesson
from domain.validation.result import ValidationResult

# Positions DLE's client requires although the catalog makes them optional: its 1.0
# validator refuses a freeText without a string ``text`` at position 3, even an empty
# one (dle-widget-catalog.md section 9). Served shorthand carries them, with defaults.
_CLIENT_MIN_POSITIONS: dict[tuple[str, str], int] = {("1.0", "freeText"): 3}
# The value a skipped optional position takes when its default is null: DLE's client
# refuses null at an optional position ("... must be a string"; section 4).
_EMPTY: dict[str, Any] = {"string": "", "boolean": False, "integer": 0}


class LessonInvalidError(ValueError):
    """A conversion was asked of a lesson that does not validate."""

    def __init__(self, result: ValidationResult) -> None:
        first = result.errors[0] if result.errors else None
        detail = f"{first.path or '/'}: {first.message}" if first else "invalid lesson"
        super().__init__(f"the lesson is invalid ({result.error_count} error(s)); {detail}")
        self.result = result


def expand(payload: Any, schema_version: str | None = None) -> dict[str, Any]:
    """The canonical full form of a valid lesson."""
    result = validate_lesson(payload, schema_version)
    if result.lesson is None:
        raise LessonInvalidError(result)
    return result.lesson


def compact(payload: Any, schema_version: str | None = None) -> dict[str, Any]:
    """The canonical shorthand of a valid lesson."""
    full = expand(payload, schema_version)
    return compact_full(full, get_registry().catalog(full["schema_version"]))


def compact_full(full: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    """Compact a canonical full-form document (as ``expand`` returns) of ``catalog``."""
    return _Compactor(catalog).document(full)


class _Compactor:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.min_positions = {
            key: count
            for (version, key), count in _CLIENT_MIN_POSITIONS.items()
            if version == catalog.schema_version
        }

    def document(self, full: dict[str, Any]) -> dict[str, Any]:
        return {
            "schema_version": full["schema_version"],
            "title": full["title"],
            "blocks": [self.block(b) for b in full["blocks"]],
        }

    def block(self, block: dict[str, Any]) -> dict[str, Any]:
        if "section" in block:
            return self.section(block)
        quiz = self.catalog.block_widget
        return {quiz.key: self.shape(quiz, quiz.shape, block[quiz.key])}

    def section(self, section: dict[str, Any]) -> dict[str, Any]:
        out = {"section": section["section"], "items": [self.item(i) for i in section["items"]]}
        if section.get("subsections") is not None:
            out["subsections"] = [self.section(s) for s in section["subsections"]]
        return out

    def item(self, item: dict[str, Any]) -> Any:
        widget = self.catalog.widgets[item["type"]]
        value = self.shape(widget, widget.shape, item)
        return value if widget.key == "p" else {widget.key: value}

    def shape(self, widget: WidgetSpec, shape: Shape, full: dict[str, Any]) -> Any:
        fields = shape.fields
        if shape.shorthand in ("string", "list"):
            return self.value(widget, fields[0].type, full[fields[0].name])
        if shape.shorthand == "object":
            return {
                f.name: self.value(widget, f.type, full[f.name])
                for f in fields
                if full.get(f.name) is not None
            }
        values = [full.get(f.name) for f in fields]
        keep = self.min_positions.get(widget.key, 0) if shape is widget.shape else 0
        while len(values) > keep and values[-1] is None and not fields[len(values) - 1].required:
            values.pop()  # a trailing absent value is left out
        return [
            _skipped(f) if v is None else self.value(widget, f.type, v)
            for f, v in zip(fields, values, strict=False)
        ]

    def value(self, widget: WidgetSpec, node: TypeNode, value: Any) -> Any:
        if isinstance(node, ListType):
            return [self.value(widget, node.item, v) for v in value]
        if isinstance(node, RecordType):
            record = widget.records[node.name]
            shape = record.variant(value["kind"]) if record.is_variant else record.shapes[0]
            assert shape is not None
            return self.shape(widget, shape, value)
        return value


def _skipped(field: FieldSpec) -> Any:
    """What a skipped optional position carries: its default, never null."""
    if field.default is not None:
        return field.default
    if isinstance(field.type, ListType):
        return []
    names = field.type.names if isinstance(field.type, ScalarType) else frozenset()
    return next((_EMPTY[n] for n in sorted(names) if n in _EMPTY), "")
