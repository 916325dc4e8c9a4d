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

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any

from domain.catalog.rules import Loc, SafeText
from domain.catalog.spec import ListType, RecordType, RuleSpec, ScalarType, Shape, WidgetSpec
from domain.validation.rule_visits import (
    Finding,
    Plan,
    Test,
    Texts,
    Visit,
    Walk,
    late,
    nothing,
    plan_visit,
)

__all__ = ["Finding", "RuleChecks", "Texts", "widget_checks"]
# A rule where it applies: its index, its spec, and its path from the object visited.
_Placed = tuple[int, RuleSpec, tuple[str, ...]]
_FIRST = itemgetter(0)
_TEXT_KINDS = {"prose": 0, "code": 1}


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


class _Compiler:
    def __init__(self, widget: WidgetSpec, *, batch_texts: bool) -> None:
        self.widget = widget
        self.batch_texts = batch_texts
        self.by_record: dict[str, list[_Placed]] = {}
        for index, spec in enumerate(widget.rules):
            if spec.record is not None:
                self.by_record.setdefault(spec.record, []).append((index, spec, spec.path))
        self.visits: dict[tuple[str, str | None], Visit | None] = {}

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

    def visit(self, shape: Shape, rules: list[_Placed]) -> Visit | None:
        """The visit of objects of ``shape`` under ``rules`` (None: nothing to check).

        A rule on the members of an array of records (``a/*/b``) is checked where each
        record is visited, with the record's own rules.
        """
        plan = Plan()
        paths: dict[tuple[str, ...], tuple[int | None, list[Test]]] = {}
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
        return plan_visit(plan) if plan else None

    def records(self, name: str, extra: list[_Placed]) -> dict[Any, Visit]:
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
                    cell: list[Visit] = []
                    self.visits[key] = late(cell)
                    self.visits[key] = built = self.visit(shape, own)
                    cell.append(built or nothing)
                visit = self.visits[key]
            if visit is not None:
                visits[shape.kind] = visit
        return visits

    def walk(self, node: Any) -> Walk | None:
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
