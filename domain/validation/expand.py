"""Shorthand to canonical full form, driven by a widget's spec, for one widget at a time.

The canonical full form has every field present, ``None`` for an optional field that is
not set (a value equal to the field's default counts as not set), and ``kind`` on every
variant record. Expansion never judges types: values it cannot reshape are passed on
unchanged so that the widget's pydantic model reports them, once, where they are.
"""

from __future__ import annotations

from typing import Any

from domain.catalog.spec import ListType, RecordType, Shape, TypeNode, WidgetSpec
from domain.validation.result import Path

TooMany = tuple[Path, int]


class Expander:
    """Expands values of one widget, noting what it cannot read.

    ``too_many`` collects arrays with positions past the last field; ``unselectable``
    the selector fields (e.g. a console's ``mode``) whose value picks no variant.
    """

    def __init__(self, widget: WidgetSpec) -> None:
        self.widget = widget
        self.too_many: list[TooMany] = []
        self.unselectable: set[str] = set()

    def widget_value(self, value: Any, *, full_form: bool) -> dict[str, Any] | None:
        """Expand a widget given in shorthand, or canonicalise one given in full form.

        Returns None when a shorthand value has the wrong JSON type for the widget.
        """
        if full_form:
            fields = {k: v for k, v in value.items() if k != "type"}
            return {"type": value["type"], **self.object_fields(self.widget.shape, fields, ())}
        expanded = self.shaped(self.widget.shape, value, ())
        return None if expanded is None else {"type": self.widget.key, **expanded}

    def shaped(self, shape: Shape, value: Any, path: Path) -> dict[str, Any] | None:
        """Read a value in the shape's shorthand; None if its JSON type does not fit."""
        if not _fits(value, shape):
            return None
        if shape.shorthand == "object":
            return self.object_fields(shape, value, path)
        if shape.shorthand != "positional":
            only = shape.fields[0]
            return {only.name: self.value(only.type, value, path, shape, value)}
        fields = shape.fields
        if len(value) > len(fields):
            self.too_many.append((path, len(fields)))
        out: dict[str, Any] = {}
        for index, field in enumerate(fields):
            if index >= len(value):
                if not field.required:
                    out[field.name] = None
                continue
            item = value[index]
            out[field.name] = (
                None
                if field.is_default(item)
                else self.value(field.type, item, (*path, index), shape, value)
            )
        return out

    def object_fields(self, shape: Shape, value: dict[str, Any], path: Path) -> dict[str, Any]:
        """Canonicalise an object carrying the shape's fields by name."""
        out: dict[str, Any] = {}
        for name, item in value.items():
            field = shape.field(name)
            if field is None:
                out[name] = item  # the model refuses it as an unknown field
            else:
                out[name] = (
                    None
                    if field.is_default(item)
                    else self.value(field.type, item, (*path, name), shape, value)
                )
        for field in shape.fields:
            if not field.required and field.name not in out:
                out[field.name] = None
        return out

    def value(self, node: TypeNode, value: Any, path: Path, shape: Shape, siblings: Any) -> Any:
        """Expand a value of the given type; ``siblings`` is the raw value holding it."""
        if isinstance(node, ListType):
            if not isinstance(value, list):
                return value
            return [
                self.value(node.item, v, (*path, i), shape, siblings) for i, v in enumerate(value)
            ]
        if not isinstance(node, RecordType):
            return value
        record = self.widget.records[node.name]
        if not record.is_variant:
            expanded = self.shaped(record.shapes[0], value, path)
            return value if expanded is None else expanded
        if isinstance(value, dict):
            variant = record.variant(value.get("kind"))
            if variant is None:
                return value  # the model reports the unknown kind
            fields = {k: v for k, v in value.items() if k != "kind"}
            return {"kind": variant.kind, **self.object_fields(variant, fields, path)}
        if record.select_by is not None:
            selector = _sibling(shape, siblings, record.select_by)
            candidates = [s for s in record.shapes if _same(s.when, selector)]
            if not candidates:
                self.unselectable.add(record.select_by)
        else:
            candidates = [s for s in record.shapes if _fits(value, s)]
        if not candidates:
            return value
        variant = candidates[0]
        expanded = self.shaped(variant, value, path)
        return value if expanded is None else {"kind": variant.kind, **expanded}


def _sibling(shape: Shape, holder: Any, name: str) -> Any:
    """The raw value of field ``name`` in the object or positional array ``holder``."""
    if isinstance(holder, dict):
        return holder.get(name)
    index = next(i for i, f in enumerate(shape.fields) if f.name == name)
    return holder[index] if isinstance(holder, list) and index < len(holder) else None


def _fits(value: Any, shape: Shape) -> bool:
    """Whether a value has the JSON type of the shape's shorthand."""
    return isinstance(value, shape.json_kind)


def _same(a: Any, b: Any) -> bool:
    """JSON equality: 0 and False differ."""
    return type(a) is type(b) and a == b
