"""A widget's rules compiled into one walk of its full form, once per widget.

What a rule means is its own ``checker()`` or ``violations`` (``domain.catalog.rules``):
this module only compiles the way to the values each rule checks. Each object of the
widget (the widget itself, each record value) is visited once, by one function that
runs every rule on its fields, on the elements of its arrays, and then visits the
records it holds, in document order. Findings come out in the widget's rule order,
then in document order, as if each rule had been run on its own.

Texts may be batched: in ``batched``, the ``safe_text`` rules of fields holding only
strings add them to the lesson's prose and code lists instead of testing them one by
one, and the caller tests them all at once (``domain.catalog.text.all_plain``); when
that test fails, ``exact`` runs every rule on every value, to locate each finding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from typing import Any

from domain.catalog.rules import Loc, SafeText
from domain.catalog.spec import ListType, RecordType, RuleSpec, ScalarType, Shape, WidgetSpec

Finding = tuple[int, Loc, str]  # the rule's index in ``WidgetSpec.rules``, where, why
Texts = tuple[list[str | None], list[str | None]]  # a lesson's prose and code texts (None: unset)


@dataclass(frozen=True, slots=True)
class RuleChecks:
    """The checks of every rule of a widget on its (model-valid) full form.

    ``batched`` adds the strings of text fields to the lesson's ``texts``, tested at once
    by the caller; ``exact`` tests each string with its own rule.
    """

    batched: Callable[[dict[str, Any], Texts], list[Finding]]
    exact: Callable[[dict[str, Any]], list[Finding]]


@cache
def widget_checks(widget: WidgetSpec) -> RuleChecks:
    """Compile the checks of a widget's rules, once per widget."""
    exact = _Compiler(widget, batch_texts=False).checks()
    unused: Texts = ([], [])  # no string is added to them: each is tested on its own
    return RuleChecks(
        _Compiler(widget, batch_texts=True).checks(), lambda full: exact(full, unused)
    )


# A rule at one place: its index, its check (``checker()``, or ``violations`` when it
# reports several places: then True).
_Test = tuple[int, Callable[[Any, Any], Any], bool]
# Visits one object (the widget, or a record value) found at ``base``.
_Visit = Callable[[dict[str, Any], Loc, list[Finding], Texts], None]
_Walk = Callable[[Any, Loc, list[Finding], Texts], None]  # finds the records in a value
_FIRST = itemgetter(0)
_TEXT_KINDS = {"prose": 0, "code": 1}


# A rule where it applies: its index, its spec, and its path from the object visited.
_Placed = tuple[int, RuleSpec, tuple[str, ...]]


@dataclass
class _Plan:
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
    elements: list[tuple[str, int | None, list[_Test]]] = field(default_factory=list)
    cells: list[tuple[str, int | None, list[_Test]]] = field(default_factory=list)
    descents: list[tuple[str, dict[Any, _Visit]]] = field(default_factory=list)
    walks: list[tuple[str, _Walk]] = field(default_factory=list)
    elsewhere: list[tuple[tuple[str, ...], list[_Test]]] = field(default_factory=list)

    def __bool__(self) -> bool:
        parts = (self.texts, self.singles, self.severals, self.elements, self.cells)
        return any(parts) or any((self.descents, self.walks, self.elsewhere))


class _Compiler:
    def __init__(self, widget: WidgetSpec, *, batch_texts: bool) -> None:
        self.widget = widget
        self.batch_texts = batch_texts
        self.by_record: dict[str, list[_Placed]] = {}
        for index, spec in enumerate(widget.rules):
            if spec.record is not None:
                self.by_record.setdefault(spec.record, []).append((index, spec, spec.path))
        self.visits: dict[tuple[str, str | None], _Visit | None] = {}

    def checks(self) -> Callable[[dict[str, Any], Texts], list[Finding]]:
        rules = [(i, r, r.path) for i, r in enumerate(self.widget.rules) if r.record is None]
        visit = self.visit(self.widget.shape, rules)

        def check(full: dict[str, Any], texts: Texts) -> list[Finding]:
            found: list[Finding] = []
            if visit is not None:
                visit(full, (), found, texts)
                if len(found) > 1:
                    found.sort(key=_FIRST)  # stable: document order within each rule
            return found

        return check

    def visit(self, shape: Shape, rules: list[_Placed]) -> _Visit | None:
        """The visit of objects of ``shape`` under ``rules`` (None: nothing to check).

        A rule on the members of an array of records (``a/*/b``) is checked where each
        record is visited, with the record's own rules.
        """
        plan = _Plan()
        paths: dict[tuple[str, ...], tuple[int | None, list[_Test]]] = {}
        inside: dict[str, list[_Placed]] = {}  # by field: rules inside its records
        arrays = {f.name for f in shape.record_fields if _records_in(f.type) is not None}
        for index, spec, path in rules:
            if len(path) > 2 and path[0] in arrays and path[1] == "*":
                inside.setdefault(path[0], []).append((index, spec, path[2:]))
                continue
            sink, tests = paths.get(path, (None, []))
            if (text_sink := self.sink(spec)) is not None:
                sink = text_sink  # a batched text rule: its strings join the lesson's
            else:
                rule = spec.rule
                check = rule.violations if rule.several else rule.checker()
                tests.append((index, check, rule.several))
            paths[path] = (sink, tests)
        texts: dict[int, list[str]] = {}
        for path, (sink, tests) in paths.items():
            if len(path) == 1:
                if sink is not None:
                    texts.setdefault(sink, []).append(path[0])
                for index, check, several in tests:
                    (plan.severals if several else plan.singles).append((path[0], index, check))
            elif path[1:] == ("*",):
                plan.elements.append((path[0], sink, tests))
            elif path[1:] == ("*", "*"):
                plan.cells.append((path[0], sink, tests))
            else:
                plan.elsewhere.append((path, tests))
        plan.texts = sorted(texts.items())
        for holding in shape.record_fields:
            record = _records_in(holding.type)
            if record is not None:
                visits = self.records(record, inside.get(holding.name, []))
                if visits:
                    plan.descents.append((holding.name, visits))
            elif (walk := self.walk(holding.type)) is not None:  # not an array of records
                plan.walks.append((holding.name, walk))
        return _visit(plan) if plan else None

    def records(self, name: str, extra: list[_Placed]) -> dict[Any, _Visit]:
        """How to visit the values of a record, by ``kind`` (under None if not a variant).

        ``extra``: rules of the object holding them on the records of one of its arrays.
        """
        visits = {}
        for shape in self.widget.records[name].shapes:
            own = [r for r in self.by_record.get(name, []) if r[2][0] in shape.names]
            here = [r for r in extra if r[2][0] in shape.names]
            key = (name, shape.kind)
            if here:  # this array's own visit: its values are nowhere else
                visit = self.visit(shape, sorted(own + here, key=_FIRST))
            else:
                if key not in self.visits:  # a record met again while compiled: called late
                    cell: list[_Visit] = []
                    self.visits[key] = _late(cell)
                    self.visits[key] = built = self.visit(shape, own)
                    cell.append(built or _nothing)
                visit = self.visits[key]
            if visit is not None:
                visits[shape.kind] = visit
        return visits

    def walk(self, node: Any) -> _Walk | None:
        """Find the records in a value of any type holding them (a record, nested arrays)."""
        if isinstance(node, ListType):
            inner = self.walk(node.item)
            if inner is None:
                return None

            def elements(value: Any, base: Loc, found: list[Finding], texts: Texts) -> None:
                for index, item in enumerate(value or ()):
                    inner(item, (*base, index), found, texts)

            return elements
        if not isinstance(node, RecordType):
            return None
        records = self.records(node.name, [])

        def record(value: Any, base: Loc, found: list[Finding], texts: Texts) -> None:
            visit = records.get(value.get("kind")) if value is not None else None
            if visit is not None:
                visit(value, base, found, texts)

        return record if records else None

    def sink(self, spec: RuleSpec) -> int | None:
        """Which of the lesson's texts a text rule adds its strings to, when they are batched.

        Only fields holding strings and nothing else: a field that may hold an object
        (a code listing given as JSON) has its text rule run on each value.
        """
        if not self.batch_texts or not isinstance(spec.rule, SafeText):
            return None
        shapes = self.widget.records[spec.record].shapes if spec.record else (self.widget.shape,)
        node = next(f.type for s in shapes if (f := s.field(spec.path[0])) is not None)
        while isinstance(node, ListType):
            node = node.item
        only_strings = isinstance(node, ScalarType) and node.names == {"string"}
        return _TEXT_KINDS[spec.rule.kind] if only_strings else None


def _records_in(node: Any) -> str | None:
    """The record an array field holds, if it holds records (``a: record[]``)."""
    if isinstance(node, ListType) and isinstance(node.item, RecordType):
        return node.item.name
    return None


def _late(cell: list[_Visit]) -> _Visit:
    """A visit built later: it calls what ``cell`` holds by then."""

    def late(value: dict[str, Any], base: Loc, found: list[Finding], texts: Texts) -> None:
        cell[0](value, base, found, texts)

    return late


def _nothing(value: dict[str, Any], base: Loc, found: list[Finding], texts: Texts) -> None:
    """The visit of records with nothing to check."""


def _visit(plan: _Plan) -> _Visit:
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


def _others(plan: _Plan) -> _Visit | None:
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


def _check(tests: list[_Test], value: Any, holder: Any, where: Loc, found: list[Finding]) -> None:
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
