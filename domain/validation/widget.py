"""The checks of one widget: reading it, its model's errors, and its spec's rules."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import ValidationError

from domain.catalog.spec import ListType, ScalarType, TypeNode, WidgetSpec
from domain.lesson.models import DocumentModel, validator
from domain.validation.expand import Expansion, expand_widget
from domain.validation.locate import describe, locate
from domain.validation.result import SCHEMA_SOURCE, Path, Reporter
from domain.validation.rule_checks import compiled_rules


@dataclass(slots=True)
class PendingWidget:
    """A widget read from the payload, waiting for its model and rule checks."""

    widget: WidgetSpec
    given: Any
    base: Path
    expanded: dict[str, Any]


def read_widget(
    widget: WidgetSpec, given: Any, base: Path, report: Reporter, *, full_form: bool
) -> PendingWidget | None:
    """Expand a widget given at ``base``; report what cannot be read (None then)."""
    expansion = expand_widget(widget, given, full_form=full_form)
    if expansion.value is None:
        expected = describe(widget.shape, widget)
        report.add(base, "shorthand.wrong_type", f"{widget.key} takes {expected}", widget.anchor)
        return None
    _report_unread(expansion, widget, given, base, report)
    return PendingWidget(widget, given, base, expansion.value) if expansion.readable else None


def _report_unread(
    expansion: Expansion, widget: WidgetSpec, given: Any, base: Path, report: Reporter
) -> None:
    for name in sorted(expansion.unselectable):
        record = next(r for r in widget.records.values() if r.select_by == name)
        allowed = ", ".join(json.dumps(s.when) for s in record.shapes)
        where = locate(widget, given, (name,)).path
        message = f"must be one of {allowed}: it selects the shape of the {record.name} values"
        report.add((*base, *where), "value.not_allowed", message, widget.anchor)
    for path, count in expansion.too_many:
        message = f"takes at most {count} positions"
        report.add((*base, *path, count), "position.too_many", message, widget.anchor)


def model_accepts(pending: PendingWidget, model: DocumentModel, report: Reporter) -> bool:
    """Validate one widget with its own model; report its errors where they were given.

    Used when the document as a whole failed: only this widget's model is tried, so a
    bad widget yields its own errors rather than one per member of the widget union.
    """
    try:
        validator(model).validate_python(pending.expanded)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        if _has_scalar_unions(pending.widget):
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
    found = locate(pending.widget, pending.given, loc)
    path = (*pending.base, *found.path)
    if kind == "missing":
        code = "position.missing_required" if found.positional else "field.missing"
        what = "position" if found.positional else "field"
        return path, code, f"required {what} {loc[-1]!r} is missing"
    if kind == "extra_forbidden":
        return path, "field.unknown", f"unknown field {loc[-1]!r}"
    if kind.startswith("union_tag"):
        return path, "node.unknown_kind", "has a missing or unknown kind"
    code = "position.wrong_type" if found.positional else "field.wrong_type"
    return path, code, f"must be {describe(found.expected, pending.widget)}"


def apply_rules(pending: PendingWidget, report: Reporter) -> None:
    """Run the widget's hard and soft rules on its (model-valid) full form."""
    widget = pending.widget
    for rule, check in compiled_rules(widget):
        warning = rule.severity == "warning"
        for loc, message in check(pending.expanded):
            if report.full(warning=warning):  # only counted: no need to locate it
                report.count(warning=warning)
                continue
            where = locate(widget, pending.given, loc).path
            report.add((*pending.base, *where), rule.code, message, rule.source, warning=warning)
