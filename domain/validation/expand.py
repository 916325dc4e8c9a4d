"""Shorthand to canonical full form, driven by a widget's spec, for one widget at a time.

The canonical full form has every field present, ``None`` for an optional field that is
not set (a value equal to the field's default counts as not set), and ``kind`` on every
variant record. Expansion never judges types: values it cannot reshape are passed on
unchanged so that the widget's pydantic model reports them, once, where they are.

This is the exact path's expansion (lessons the generated readers in ``readers`` do not
vouch for); it still avoids per-call work: scalar fields are copied without recursion
and field lookups use the shapes' precomputed tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from domain.catalog.spec import ListType, RecordType, ScalarType, Shape, TypeNode, WidgetSpec
from domain.validation.result import Path


@dataclass(slots=True)
class Expansion:
    """A widget in canonical full form (None if unreadable), and what could not be read.

    ``too_many`` lists arrays given more positions than the shape has fields, as
    (path, field count); ``unselectable`` the selector fields (a console's ``mode``)
    whose value picks no variant.
    """

    value: dict[str, Any] | None
    too_many: list[tuple[Path, int]] = field(default_factory=list)
    unselectable: set[str] = field(default_factory=set)

    @property
    def readable(self) -> bool:
        """Whether the model may validate the value: nothing was left unread."""
        return self.value is not None and not self.too_many and not self.unselectable


def _text_widget(widget: WidgetSpec, value: str) -> Expansion:
    """Paragraphs and callouts, most items of a lesson: no reshaping needed."""
    return Expansion({"type": widget.key, widget.shape.fields[0].name: value})


def expand_widget(widget: WidgetSpec, value: Any, *, full_form: bool) -> Expansion:
    """Expand a widget given in shorthand, or canonicalise one given in full form."""
    shape = widget.shape
    if not full_form and shape.shorthand == "string" and isinstance(value, str):
        return _text_widget(widget, value)
    run = _Run(widget)
    if full_form:
        fields = {k: v for k, v in value.items() if k != "type"}
        expanded: dict[str, Any] | None = {"type": value["type"], **run.by_name(shape, fields, ())}
    else:
        body = run.shaped(shape, value, ())
        expanded = None if body is None else {"type": widget.key, **body}
    run.expansion.value = expanded
    return run.expansion


class _Run:
    def __init__(self, widget: WidgetSpec) -> None:
        self.widget = widget
        self.expansion = Expansion(None)

    def shaped(self, shape: Shape, value: Any, path: Path) -> dict[str, Any] | None:
        """Read a value in the shape's shorthand; None if its JSON type does not fit."""
        if not _fits(value, shape):
            return None
        if shape.shorthand == "object":
            if shape.plain and value.keys() == shape.name_set:
                return dict(value)  # nothing to reshape: every field present, all scalar
            return self.by_name(shape, value, path)
        fields = shape.fields
        if shape.plain and shape.shorthand == "positional" and len(value) == len(fields):
            return dict(zip(shape.names, value, strict=True))
        if shape.shorthand != "positional":
            only = fields[0]
            return {only.name: self.value(only.type, value, path, shape, value)}
        if len(value) > len(fields):
            self.expansion.too_many.append((path, len(fields)))
        out: dict[str, Any] = {}
        for index, spec in enumerate(fields):
            if index >= len(value):
                if not spec.required:
                    out[spec.name] = None
                continue
            item = value[index]
            if not spec.required and spec.is_default(item):
                out[spec.name] = None
            elif isinstance(spec.type, ScalarType):
                out[spec.name] = item
            else:
                out[spec.name] = self.value(spec.type, item, (*path, index), shape, value)
        return out

    def by_name(self, shape: Shape, value: dict[str, Any], path: Path) -> dict[str, Any]:
        """Canonicalise an object carrying the shape's fields by name."""
        out: dict[str, Any] = {}
        for name, item in value.items():
            spec = shape.field(name)
            if spec is None or isinstance(spec.type, ScalarType):
                out[name] = item  # unknown fields are left for the model to refuse
            else:
                out[name] = self.value(spec.type, item, (*path, name), shape, value)
            if spec is not None and not spec.required and spec.is_default(item):
                out[name] = None
        for spec in shape.fields:
            if not spec.required and spec.name not in out:
                out[spec.name] = None
        return out

    def value(self, node: TypeNode, value: Any, path: Path, shape: Shape, holder: Any) -> Any:
        """Expand a value of the given type; ``holder`` is the raw value holding it."""
        if isinstance(node, ListType):
            if not isinstance(value, list) or not _holds_records(node):
                return value
            return [
                self.value(node.item, v, (*path, i), shape, holder) for i, v in enumerate(value)
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
            return {"kind": variant.kind, **self.by_name(variant, fields, path)}
        if record.select_by is not None:
            selector = _sibling(shape, holder, record.select_by)
            candidates = [s for s in record.shapes if _same(s.when, selector)]
            if not candidates:
                self.expansion.unselectable.add(record.select_by)
        else:
            found = record.by_json_kind.get(type(value))
            candidates = [] if found is None else [found]
        if not candidates:
            return value
        variant = candidates[0]
        expanded = self.shaped(variant, value, path)
        return value if expanded is None else {"kind": variant.kind, **expanded}


@cache
def _holds_records(node: TypeNode) -> bool:
    """Whether values of this type contain records to reshape (not just scalars)."""
    if isinstance(node, ListType):
        return _holds_records(node.item)
    return isinstance(node, RecordType)


def _fits(value: Any, shape: Shape) -> bool:
    """Whether a value has the JSON type of the shape's shorthand (kept apart: mypy narrows)."""
    return isinstance(value, shape.json_kind)


def _sibling(shape: Shape, holder: Any, name: str) -> Any:
    """The raw value of field ``name`` in the object or positional array ``holder``."""
    if isinstance(holder, dict):
        return holder.get(name)
    index = next(i for i, f in enumerate(shape.fields) if f.name == name)
    return holder[index] if isinstance(holder, list) and index < len(holder) else None


def _same(a: Any, b: Any) -> bool:
    """JSON equality: 0 and False differ."""
    return type(a) is type(b) and a == b
