"""The checks of one widget: reading it, its model's errors, and its spec's rules."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from domain.catalog.spec import WidgetSpec
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
        for error in exc.errors(include_url=False, include_context=False, include_input=False):
            _report_model_error(error["type"], tuple(error["loc"]), pending, report)
        return False
    return True


def _report_model_error(
    kind: str, loc: tuple[str | int, ...], pending: PendingWidget, report: Reporter
) -> None:
    found = locate(pending.widget, pending.given, loc)
    path = (*pending.base, *found.path)
    if kind == "missing":
        code = "position.missing_required" if found.positional else "field.missing"
        what = "position" if found.positional else "field"
        report.add(path, code, f"required {what} {loc[-1]!r} is missing", SCHEMA_SOURCE)
    elif kind == "extra_forbidden":
        report.add(path, "field.unknown", f"unknown field {loc[-1]!r}", SCHEMA_SOURCE)
    elif kind.startswith("union_tag"):
        report.add(path, "node.unknown_kind", "has a missing or unknown kind", SCHEMA_SOURCE)
    else:
        code = "position.wrong_type" if found.positional else "field.wrong_type"
        report.add(path, code, f"must be {describe(found.expected, pending.widget)}", SCHEMA_SOURCE)


def apply_rules(pending: PendingWidget, report: Reporter) -> None:
    """Run the widget's hard and soft rules on its (model-valid) full form."""
    widget = pending.widget
    for rule, check in compiled_rules(widget):
        for loc, message in check(pending.expanded):
            where = locate(widget, pending.given, loc).path
            warning = rule.severity == "warning"
            report.add((*pending.base, *where), rule.code, message, rule.source, warning=warning)
