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
from domain.catalog.spec import ListType, RecordType, RuleSpec, TypeNode, WidgetSpec

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
    """``select`` applied to every value of ``record`` in the widget, however deep."""
    instances = _instances(widget, record)

    def every(value: dict[str, Any]) -> Found:
        return [
            ((*loc, *inner), hit, holder)
            for loc, current in instances(value)
            for inner, hit, holder in select(current)
        ]

    return every


Records = list[tuple[Loc, dict[str, Any]]]  # (where, the record's value)
Instances = Callable[[dict[str, Any]], Records]


@cache
def _instances(widget: WidgetSpec, record: str) -> Instances:
    """Where the values of ``record`` are in a widget's canonical full form.

    Records are objects there and variants name their ``kind`` (the widget's model
    accepted it). Walked without recursion, in document order. The rules on a record
    all ask for the same widget in a row: the last answer is kept for them.
    """
    top = [(f.name, f.type) for f in widget.shape.record_fields]
    last: list[tuple[Any, Records]] = [(None, [])]  # the widget last walked, its records

    def find(value: dict[str, Any]) -> Records:
        walked, found = last[0]  # one read: another thread may replace the pair meanwhile
        if walked is value:
            return found
        found = []
        pending: list[tuple[TypeNode, Any, Loc]] = [
            (node, value.get(name), (name,)) for name, node in reversed(top)
        ]
        while pending:
            node, current, loc = pending.pop()
            if isinstance(node, ListType):
                if type(current) is list:
                    pending += [
                        (node.item, item, (*loc, index))
                        for index, item in reversed(list(enumerate(current)))
                    ]
                continue
            if not isinstance(node, RecordType) or type(current) is not dict:
                continue
            spec = widget.records[node.name]
            shape = spec.variant(current.get("kind")) if spec.is_variant else spec.shapes[0]
            if shape is None:
                continue
            if node.name == record:
                found.append((loc, current))
            pending += [
                (field.type, current.get(field.name), (*loc, field.name))
                for field in reversed(shape.record_fields)
            ]
        last[0] = (value, found)
        return found

    return find


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
