"""Visiting one object of a widget: the rules on its fields, arrays and records.

``rule_checks`` compiles, per kind of object, a ``Plan``: what to check where. ``plan_visit``
turns it into one function run on each such object of a (model-valid) full form. The
findings of each object are located there only when a rule is broken.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from domain.catalog.rules import Loc

Finding = tuple[int, Loc, str]  # the rule's index in ``WidgetSpec.rules``, where, why
Texts = tuple[list[str | None], list[str | None]]  # a lesson's prose and code (None: unset)
# A rule at one place: its index, its check (``checker()``, or ``violations`` when it
# reports several places: then True).
Test = tuple[int, Callable[[Any, Any], Any], bool]
# Visits one object (the widget, or a record value) found at ``base``.
Visit = Callable[[dict[str, Any], Loc, list[Finding], Texts], None]
Walk = Callable[[Any, Loc, list[Finding], Texts], None]  # finds the records in a value


@dataclass
class Plan:
    """The rules at the places of one kind of object, and the records it holds.

    ``texts``: the fields whose strings join the lesson's texts of a kind (when batched);
    ``singles``: (field, rule index, check) for most rules; ``severals``: the same for
    rules reporting several places; ``elements`` (``a/*``) and ``cells`` (``a/*/*``):
    the field's name, the lesson's texts its strings join and the rules there;
    ``descents``: arrays of records, with the visit of their values by ``kind``.
    """

    texts: list[tuple[int, list[str]]] = field(default_factory=list)
    singles: list[tuple[str, int, Callable[[Any, Any], Any]]] = field(default_factory=list)
    severals: list[tuple[str, int, Callable[[Any, Any], Any]]] = field(default_factory=list)
    elements: list[tuple[str, int | None, list[Test]]] = field(default_factory=list)
    cells: list[tuple[str, int | None, list[Test]]] = field(default_factory=list)
    descents: list[tuple[str, dict[Any, Visit]]] = field(default_factory=list)
    walks: list[tuple[str, Walk]] = field(default_factory=list)
    elsewhere: list[tuple[tuple[str, ...], list[Test]]] = field(default_factory=list)

    def __bool__(self) -> bool:
        parts = (self.texts, self.singles, self.severals, self.elements, self.cells)
        return any(parts) or any((self.descents, self.walks, self.elsewhere))


def late(cell: list[Visit]) -> Visit:
    """A visit built later: it calls what ``cell`` holds by then."""

    def late(value: dict[str, Any], base: Loc, found: list[Finding], texts: Texts) -> None:
        cell[0](value, base, found, texts)

    return late


def nothing(value: dict[str, Any], base: Loc, found: list[Finding], texts: Texts) -> None:
    """The visit of records with nothing to check."""


def plan_visit(plan: Plan) -> Visit:
    """One function visiting an object the way ``plan`` says; unset (None) values are skipped.

    Only objects the widget's model accepted are visited: every field is present.
    """
    singles, severals, descents = plan.singles, plan.severals, plan.descents
    texts_of = [(sink, *_getter(names)) for sink, names in plan.texts]
    arrays = [(sink, name) for name, sink, tests in plan.elements if sink is not None]
    others = _others(plan)

    def visit(value: dict[str, Any], base: Loc, found: list[Finding], texts: Texts) -> None:
        for sink, get, many in texts_of:  # unset ones too: the test of texts skips None
            if many:
                texts[sink].extend(get(value))
            else:
                texts[sink].append(get(value))
        for sink, name in arrays:
            texts[sink].extend(value.get(name) or ())
        for name, index, check in singles:  # most rules: located only when broken
            item = value.get(name)
            if item is not None and (problem := check(item, value)) is not None:
                found.append((index, (*base, name), problem))
        for name, index, violations in severals:
            item = value.get(name)
            if item is not None:
                _several(index, violations, item, value, (*base, name), found)
        for name, records in descents:
            for index, item in enumerate(value.get(name) or ()):
                record = records.get(item.get("kind"))
                if record is not None:
                    record(item, (*base, name, index), found, texts)
        if others is not None:
            others(value, base, found, texts)

    return visit


def _getter(names: list[str]) -> tuple[Callable[[dict[str, Any]], Any], bool]:
    """The values of fields in one call, and whether they come as a tuple (several)."""
    return itemgetter(*names), len(names) > 1


def _others(plan: Plan) -> Visit | None:
    """Visit the elements and cells of arrays, and what else ``plan`` names (fewer rules)."""
    elements = [(name, tests) for name, _, tests in plan.elements if tests]
    cells, walks, elsewhere = plan.cells, plan.walks, plan.elsewhere
    if not (elements or cells or walks or elsewhere):
        return None

    def visit(value: dict[str, Any], base: Loc, found: list[Finding], texts: Texts) -> None:
        for name, tests in elements:  # their texts are added with the fields' (``_visit``)
            items = value.get(name) or ()
            for index, item in enumerate(items):
                if item is not None:
                    _check(tests, item, items, (*base, name, index), found)
        for name, sink, tests in cells:
            for i, row in enumerate(value.get(name) or ()):
                if sink is not None:
                    texts[sink].extend(row)
                for j, cell in enumerate(row if tests else ()):
                    if cell is not None:
                        _check(tests, cell, row, (*base, name, i, j), found)
        for name, walk in walks:
            walk(value.get(name), (*base, name), found, texts)
        for path, tests in elsewhere:
            for loc, item, holder in _select(value, path, base, None):
                _check(tests, item, holder, loc, found)

    return visit


def _check(tests: list[Test], value: Any, holder: Any, where: Loc, found: list[Finding]) -> None:
    """Run the rules at one place on its value; add what they find."""
    for index, check, several in tests:
        if several:
            _several(index, check, value, holder, where, found)
        elif (problem := check(value, holder)) is not None:
            found.append((index, where, problem))


def _several(
    index: int,
    violations: Callable[[Any, Any], Any],
    value: Any,
    holder: Any,
    where: Loc,
    found: list[Finding],
) -> None:
    """A rule reporting several places of one value: (location inside it, why) for each."""
    for loc, problem in violations(value, holder):
        found.append((index, (*where, *loc), problem))


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
