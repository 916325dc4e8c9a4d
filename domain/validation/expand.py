"""Shorthand to canonical full form, compiled from a widget's spec once per widget.

The canonical full form has every field present, ``None`` for an optional field that is
not set (a value equal to the field's default counts as not set), and ``kind`` on every
variant record. Expansion never judges types: values it cannot reshape are passed on
unchanged so that the widget's pydantic model reports them, once, where they are.

The spec is read once per widget into closures (a reader per shape, a converter per
field type), so reading a widget costs no look-ups in the spec, only its own values.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from domain.catalog.spec import ListType, RecordType, Shape, TypeNode, WidgetSpec
from domain.validation.result import Path


class Unread:
    """What a widget's value held that cannot be read, noted as widgets are expanded.

    ``too_many`` lists arrays given more positions than the shape has fields, as
    (path, field count); ``unselectable`` the selector fields (a console's ``mode``)
    whose value picks no variant. One is kept per walk and cleared after each widget
    that noted something, so that reading a widget allocates nothing beyond its value.

    ``passed_on``: some object was passed on with keys no reader looked at (a field the
    shape does not have, or a value left as given). Until then, every object expanded
    has only its shape's keys, and the lesson model need not look for unknown ones.
    """

    __slots__ = ("passed_on", "too_many", "unselectable")

    def __init__(self) -> None:
        self.too_many: list[tuple[Path, int]] = []
        self.unselectable: set[str] = set()
        self.passed_on = False

    def clear(self) -> None:
        """Forget what was noted (it has been reported)."""
        self.too_many.clear()
        self.unselectable.clear()


# (the value given, given in full form?, what it holds that cannot be read): the widget's
# canonical full form, or None when the value's JSON type does not fit its shorthand.
Expander = Callable[[Any, bool, Unread], "dict[str, Any] | None"]
# Reads a value in a shape's shorthand (None: its JSON type does not fit), or a dict by name.
# They fill ``out``, the object being built (it may start with its ``type`` or ``kind``).
Out = dict[str, Any]
_Read = Callable[[Any, Path, Unread, Out], "Out | None"]
_ByName = Callable[[dict[str, Any], Path, Unread, Out], Out]
# Converts a field's value: (value, path, the raw value holding it, what is unread).
_Convert = Callable[[Any, Path, Any, Unread], Any]


@cache
def widget_expander(widget: WidgetSpec) -> Expander:
    """The function expanding a widget given in shorthand, or canonicalising its full form."""
    compiler = _Compiler(widget)
    shape, key = widget.shape, widget.key
    read, by_name = compiler.read(shape), compiler.by_name(shape, tag="type")
    text = shape.fields[0].name if shape.shorthand == "string" else None

    def expand(value: Any, full_form: bool, unread: Unread) -> dict[str, Any] | None:
        if text is not None and not full_form and type(value) is str:
            return {"type": key, text: value}  # paragraphs and callouts: nothing to reshape
        if full_form:
            # ``type`` is no field name: by_name keeps it as given (the widget's key).
            return by_name(value, (), unread, {})
        return read(value, (), unread, {"type": key})

    return expand


class _Compiler:
    """Builds the closures of one widget; records may refer to themselves (a flow's nodes)."""

    def __init__(self, widget: WidgetSpec) -> None:
        self.widget = widget
        self.records: dict[tuple[str, int], _Convert] = {}

    def read(self, shape: Shape) -> _Read:
        """Read a value given in the shape's shorthand."""
        kind, names = shape.json_kind, shape.names
        if shape.shorthand == "object":
            by_name, plain, name_set = self.by_name(shape, None), shape.plain, shape.name_set

            def object_(value: Any, path: Path, unread: Unread, out: Out) -> Out | None:
                if not isinstance(value, dict):
                    return None
                if plain and value.keys() == name_set:
                    out.update(value)  # nothing to reshape: every field present, all scalar
                    return out
                return by_name(value, path, unread, out)

            return object_
        if shape.shorthand != "positional":  # a string or an array: the shape's one field
            name, convert = names[0], self.convert(shape.fields[0].type, shape)

            def one(value: Any, path: Path, unread: Unread, out: Out) -> Out | None:
                if not isinstance(value, kind):
                    return None
                out[name] = value if convert is None else convert(value, path, value, unread)
                return out

            return one
        return self.positional(shape)

    def positional(self, shape: Shape) -> _Read:
        """Read a positional array: each position is the field of the same index."""
        count, plain, fill = len(shape.fields), shape.plain, _filler(shape.names)
        steps = [
            (f.name, f.required, type(f.default), f.default, self.convert(f.type, shape))
            for f in shape.fields
        ]

        def positional(value: Any, path: Path, unread: Unread, out: Out) -> Out | None:
            if not isinstance(value, list):
                return None
            given = len(value)
            if plain and given == count:
                fill(out, value)
                return out
            if given > count:
                unread.too_many.append((path, count))
            for index, (name, required, default_type, default, convert) in enumerate(steps):
                if index >= given:
                    if not required:
                        out[name] = None
                    continue
                item = value[index]
                if not required and type(item) is default_type and item == default:
                    out[name] = None  # the default means "not set"
                elif convert is None:
                    out[name] = item
                else:
                    out[name] = convert(item, (*path, index), value, unread)
            return out

        return positional

    def by_name(self, shape: Shape, tag: str | None) -> _ByName:
        """Canonicalise an object carrying the shape's fields by name.

        ``tag``: the key naming what the object is (a widget's ``type``, a variant's
        ``kind``), kept as given; it was read to choose the shape, so it is no unknown key.
        """
        table = {
            f.name: (f.required, type(f.default), f.default, self.convert(f.type, shape))
            for f in shape.fields
        }
        optional = [f.name for f in shape.fields if not f.required]

        def by_name(value: dict[str, Any], path: Path, unread: Unread, out: Out) -> Out:
            for name, item in value.items():
                spec = table.get(name)
                if spec is None:
                    out[name] = item  # unknown fields are left for the model to refuse
                    if name != tag:
                        unread.passed_on = True
                    continue
                required, default_type, default, convert = spec
                if not required and type(item) is default_type and item == default:
                    out[name] = None  # the default means "not set"
                    if convert is not None:  # still read: what it holds may be unreadable
                        convert(item, (*path, name), value, unread)
                elif convert is None:
                    out[name] = item
                else:
                    out[name] = convert(item, (*path, name), value, unread)
            for name in optional:
                if name not in out:
                    out[name] = None
            return out

        return by_name

    def convert(self, node: TypeNode, holder: Shape) -> _Convert | None:
        """Convert a value of this type held in ``holder``; None: it passes unchanged."""
        if isinstance(node, ListType):
            inner = self.convert(node.item, holder)
            if inner is None:
                return None

            def elements(value: Any, path: Path, raw: Any, unread: Unread) -> Any:
                if not isinstance(value, list):
                    unread.passed_on = True
                    return value
                out = []  # a loop, not a comprehension: no frame per call (Python 3.11)
                for index, item in enumerate(value):
                    out.append(inner(item, (*path, index), raw, unread))
                return out

            return elements
        if not isinstance(node, RecordType):
            return None
        record = self.widget.records[node.name]
        key = (node.name, id(holder) if record.select_by else 0)
        known = self.records.get(key)
        if known is None:  # built once; a record met again while being built is called late
            slot: list[_Convert] = []
            self.records[key] = lambda v, p, r, e: slot[0](v, p, r, e)
            slot.append(self.record(node.name, holder))
            known = self.records[key] = slot[0]
        return known

    def record(self, name: str, holder: Shape) -> _Convert:
        """Convert a record's value: one shape, or the variant its kind, selector or type picks."""
        record = self.widget.records[name]
        if not record.is_variant:
            read = self.read(record.shapes[0])

            def single(value: Any, path: Path, raw: Any, unread: Unread) -> Any:
                expanded = read(value, path, unread, {})
                if expanded is None:  # given in full form, or of another JSON type: as given
                    unread.passed_on = True
                    return value
                return expanded

            return single
        by_kind = {s.kind: self.by_name(s, tag="kind") for s in record.shapes}
        # By the selector's value (with its JSON type: 0 and False differ), or by JSON type.
        by_when = {(type(s.when), s.when): (s.kind, self.read(s)) for s in record.shapes}
        by_type = {s.json_kind: (s.kind, self.read(s)) for s in record.shapes}
        select_by = record.select_by or ""
        sibling = _sibling(holder, select_by) if record.select_by is not None else None

        def variant(value: Any, path: Path, raw: Any, unread: Unread) -> Any:
            if isinstance(value, dict):
                kind = value.get("kind")
                known = by_kind.get(kind) if isinstance(kind, str) else None
                if known is not None:
                    return known(value, path, unread, {})  # ``kind`` is kept as given
                found = None  # the model reports the unknown kind
            elif sibling is not None:
                selector = sibling(raw)
                try:
                    found = by_when.get((type(selector), selector))
                except TypeError:  # an array or an object selects nothing
                    found = None
                if found is None:
                    unread.unselectable.add(select_by)
            else:
                found = by_type.get(type(value))
            expanded = None if found is None else found[1](value, path, unread, {"kind": found[0]})
            if expanded is None:
                unread.passed_on = True
                return value
            return expanded

        return variant


def _filler(names: tuple[str, ...]) -> Callable[[Out, list[Any]], None]:
    """Set ``out[names[i]] = value[i]`` for each name; ``value`` has as many items.

    Most positional records have 2 to 4 fields: written out, a fill costs a third of
    ``out.update(zip(names, value))``.
    """
    if len(names) == 2:
        a, b = names

        def fill2(out: Out, value: list[Any]) -> None:
            out[a], out[b] = value

        return fill2
    if len(names) == 3:
        a, b, c = names

        def fill3(out: Out, value: list[Any]) -> None:
            out[a], out[b], out[c] = value

        return fill3
    if len(names) == 4:
        a, b, c, d = names

        def fill4(out: Out, value: list[Any]) -> None:
            out[a], out[b], out[c], out[d] = value

        return fill4

    def fill(out: Out, value: list[Any]) -> None:
        out.update(zip(names, value, strict=True))

    return fill


def _sibling(shape: Shape, name: str) -> Callable[[Any], Any]:
    """The raw value of field ``name`` in an object or positional array of ``shape``."""
    index = shape.names.index(name) if name in shape.names else None

    def sibling(holder: Any) -> Any:
        if isinstance(holder, dict):
            return holder.get(name)
        if index is None or not isinstance(holder, list) or index >= len(holder):
            return None
        return holder[index]

    return sibling
