"""One widget: compiled once per catalog, read, judged by its model, its findings located."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import ValidationError

from domain.catalog.spec import Catalog, ListType, ScalarType, TypeNode, WidgetSpec
from domain.lesson.models import DocumentModel, validator
from domain.validation.expand import Expander, Unread, widget_expander
from domain.validation.locate import describe, locate
from domain.validation.result import SCHEMA_SOURCE, Path, Reporter
from domain.validation.rule_checks import Finding, RuleChecks, widget_checks


@dataclass(frozen=True, slots=True)
class CompiledWidget:
    """A widget of a catalog with what validating it takes, compiled from its spec once."""

    spec: WidgetSpec
    expand: Expander
    checks: RuleChecks


_COMPILED: dict[int, tuple[Catalog, dict[str, CompiledWidget]]] = {}


def compiled_widgets(catalog: Catalog) -> Mapping[str, CompiledWidget]:
    """The compiled widgets of a catalog, by key, built on first use."""
    known = _COMPILED.get(id(catalog))
    if known is None or known[0] is not catalog:  # the catalog is kept: its id stays its own
        table = {
            key: CompiledWidget(spec, widget_expander(spec), widget_checks(spec))
            for key, spec in catalog.widgets.items()
        }
        known = _COMPILED[id(catalog)] = (catalog, table)
    return known[1]


# A widget read from the payload, waiting for its model and rule checks: the widget, the
# value given, where it was given, and its canonical full form. A tuple: one per widget.
PendingWidget = tuple[CompiledWidget, Any, Path, dict[str, Any]]


def report_unreadable(widget: WidgetSpec, base: Path, report: Reporter) -> None:
    """A value whose JSON type does not fit the widget's shorthand."""
    expected = describe(widget.shape, widget)
    report.add(base, "shorthand.wrong_type", f"{widget.key} takes {expected}", widget.anchor)


def report_unread(
    unread: Unread, widget: WidgetSpec, given: Any, base: Path, report: Reporter
) -> None:
    """What a widget's value held that could not be read (then forgotten)."""
    for name in sorted(unread.unselectable):
        record = next(r for r in widget.records.values() if r.select_by == name)
        allowed = ", ".join(json.dumps(s.when) for s in record.shapes)
        where = locate(widget, given, (name,)).path
        message = f"must be one of {allowed}: it selects the shape of the {record.name} values"
        report.add((*base, *where), "value.not_allowed", message, widget.anchor)
    for path, count in unread.too_many:
        message = f"takes at most {count} positions"
        report.add((*base, *path, count), "position.too_many", message, widget.anchor)
    unread.clear()


def model_accepts(pending: PendingWidget, model: DocumentModel, report: Reporter) -> bool:
    """Validate one widget with its own model; report its errors where they were given.

    Used when the document as a whole failed: only this widget's model is tried, so a
    bad widget yields its own errors rather than one per member of the widget union.
    """
    try:
        validator(model).validate_python(pending[3])
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        if _has_scalar_unions(pending[0].spec):
            # A value fitting no member of a ``string|object`` union gets one model error
            # per member, all at one place: each place and code is said once.
            found: dict[tuple[Path, str], str] = {}
            for error in errors:
                path, code, message = _model_error(error["type"], tuple(error["loc"]), pending)
                found.setdefault((path, code), message)
            for (path, code), message in found.items():
                report.add(path, code, message, SCHEMA_SOURCE)
            return False
        for error in errors:  # one place each: past the reporter's cap, only counted
            if report.full():
                report.count()
                continue
            path, code, message = _model_error(error["type"], tuple(error["loc"]), pending)
            report.add(path, code, message, SCHEMA_SOURCE)
        return False
    return True


@cache
def _has_scalar_unions(widget: WidgetSpec) -> bool:
    """Whether a field of the widget or its records takes one of several scalar types."""
    shapes = [widget.shape, *(s for r in widget.records.values() for s in r.shapes)]
    return any(
        isinstance(node, ScalarType) and len(node.names) > 1
        for shape in shapes
        for field in shape.fields
        for node in _items_of(field.type)
    )


def _items_of(node: TypeNode) -> list[TypeNode]:
    """The type and, for arrays, the types of their elements."""
    return [node, *_items_of(node.item)] if isinstance(node, ListType) else [node]


def _model_error(
    kind: str, loc: tuple[str | int, ...], pending: PendingWidget
) -> tuple[Path, str, str]:
    """Where a model error lies in the payload as given, its code and its message."""
    compiled, given, base, _ = pending
    widget = compiled.spec
    found = locate(widget, given, loc)
    path = (*base, *found.path)
    if kind == "missing":
        code = "position.missing_required" if found.positional else "field.missing"
        what = "position" if found.positional else "field"
        return path, code, f"required {what} {loc[-1]!r} is missing"
    if kind == "extra_forbidden":
        return path, "field.unknown", f"unknown field {loc[-1]!r}"
    if kind.startswith("union_tag"):
        return path, "node.unknown_kind", "has a missing or unknown kind"
    code = "position.wrong_type" if found.positional else "field.wrong_type"
    return path, code, f"must be {describe(found.expected, widget)}"


def report_findings(pending: PendingWidget, findings: list[Finding], report: Reporter) -> None:
    """Report what the widget's rules found, each where it was given."""
    compiled, given, base, _ = pending
    widget = compiled.spec
    for index, loc, message in findings:
        rule = widget.rules[index]
        warning = rule.severity == "warning"
        if report.full(warning=warning):  # only counted: no need to locate it
            report.count(warning=warning)
            continue
        where = locate(widget, given, loc).path
        report.add((*base, *where), rule.code, message, rule.source, warning=warning)
