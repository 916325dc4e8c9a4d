"""Widget rules compiled into plain functions, once per widget.

The exact path runs them to locate every finding, and the generated readers call the
ones they do not inline. A rule's ``field`` path is turned into a direct lookup for the
common shapes (``a``, ``a/*``, ``a/*/b``) instead of a generic walk, and a check returns
a shared empty tuple when nothing is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import Any

from domain.catalog.rules import Loc, Violation
from domain.catalog.spec import ListType, RecordType, RuleSpec, TypeNode, WidgetSpec, holds_records

Check = Callable[[dict[str, Any]], Sequence[Violation]]
_NONE: tuple[Violation, ...] = ()


@cache
def compiled_rules(widget: WidgetSpec) -> tuple[tuple[RuleSpec, Check], ...]:
    """The widget's rules with their compiled checks, built on first use."""
    return tuple((rule, _compile(rule, widget)) for rule in widget.rules)


Found = list[tuple[Loc, Any, Any]]  # (location, value, the object or array holding it)
Selector = Callable[[dict[str, Any]], Found]


def _compile(spec: RuleSpec, widget: WidgetSpec) -> Check:
    rule = spec.rule
    select = _selector(spec.path)
    if spec.record is not None:
        select = _in_every(widget, spec.record, select)
    if rule.several:  # rules that report several places of one value use violations()
        violations = rule.violations

        def several(value: dict[str, Any]) -> Sequence[Violation]:
            out = [
                ((*loc, *relative), problem)
                for loc, found, holder in select(value)
                for relative, problem in violations(found, holder)
            ]
            return out or _NONE

        return several
    message = rule.checker()
    if len(spec.path) == 1 and spec.record is None:  # most rules: one field, no lists built
        (name,) = spec.path

        def field(value: dict[str, Any]) -> Sequence[Violation]:
            found = value.get(name)
            if found is None:
                return _NONE
            problem = message(found, value)
            return _NONE if problem is None else (((name,), problem),)

        return field

    def single(value: dict[str, Any]) -> Sequence[Violation]:
        out = [
            (loc, problem)
            for loc, found, holder in select(value)
            if (problem := message(found, holder)) is not None
        ]
        return out or _NONE

    return single


def _in_every(widget: WidgetSpec, record: str, select: Selector) -> Selector:
    """``select`` applied to every value of ``record`` in the widget, however deep.

    The widget is in canonical full form (its model accepted it): records are objects,
    variants name their ``kind``.
    """

    def walk(node: TypeNode, value: Any, loc: Loc, found: Found) -> None:
        if isinstance(node, ListType):
            if type(value) is list:
                for index, item in enumerate(value):
                    walk(node.item, item, (*loc, index), found)
            return
        if not isinstance(node, RecordType) or type(value) is not dict:
            return
        spec = widget.records[node.name]
        shape = spec.variant(value.get("kind")) if spec.is_variant else spec.shapes[0]
        if shape is None:
            return
        if node.name == record:
            found += [((*loc, *inner), hit, holder) for inner, hit, holder in select(value)]
        for field in shape.fields:
            if holds_records(field.type):
                walk(field.type, value.get(field.name), (*loc, field.name), found)

    fields = [f for f in widget.shape.fields if holds_records(f.type)]

    def every(value: dict[str, Any]) -> Found:
        found: Found = []
        for field in fields:
            walk(field.type, value.get(field.name), (field.name,), found)
        return found

    return every


def _selector(path: tuple[str, ...]) -> Selector:
    """A function finding every value a path reaches; unset (None) values are skipped."""
    if not path:
        return lambda value: [((), value, None)]
    if len(path) == 1:
        (name,) = path

        def field(value: dict[str, Any]) -> Found:
            found = value.get(name)
            return [] if found is None else [((name,), found, value)]

        return field
    if len(path) == 2 and path[1] == "*":
        name = path[0]

        def elements(value: dict[str, Any]) -> Found:
            items = value.get(name) or ()
            return [((name, i), item, items) for i, item in enumerate(items) if item is not None]

        return elements
    if len(path) == 3 and path[1] == "*":
        name, _, last = path
        if last == "*":

            def cells(value: dict[str, Any]) -> Found:
                return [
                    ((name, i, j), cell, row)
                    for i, row in enumerate(value.get(name) or ())
                    for j, cell in enumerate(row)
                    if cell is not None
                ]

            return cells

        def members(value: dict[str, Any]) -> Found:
            return [
                ((name, i, last), found, item)
                for i, item in enumerate(value.get(name) or ())
                if (found := item.get(last)) is not None
            ]

        return members
    return lambda value: list(_select(value, path, (), None))


def _select(
    value: Any, path: tuple[str, ...], loc: Loc, holder: Any
) -> Iterator[tuple[Loc, Any, Any]]:
    """Every (location, value, holder) a path reaches, for paths of any shape."""
    if not path:
        yield loc, value, holder
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from _select(item, rest, (*loc, index), value)
    elif isinstance(value, dict) and value.get(head) is not None:
        yield from _select(value[head], rest, (*loc, head), value)
