"""Check one widget: expand it, construct its pydantic model, then apply its spec's rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from domain.catalog.spec import RuleSpec, WidgetSpec
from domain.validation.expand import Expander
from domain.validation.locate import describe, locate
from domain.validation.result import SCHEMA_SOURCE, Path, Reporter


def check_widget(
    widget: WidgetSpec,
    model: type[BaseModel],
    given: Any,
    base: Path,
    report: Reporter,
    *,
    full_form: bool,
) -> BaseModel | None:
    """Validate one widget given at ``base``; return its model, or None if it is invalid.

    Only this widget's model is tried (the caller dispatched on its key), so a bad
    widget yields its own errors rather than one per member of the widget union.
    """
    expander = Expander(widget)
    expanded = expander.widget_value(given, full_form=full_form)
    if expanded is None:
        expected = describe(widget.shape, widget)
        report.add(base, "shorthand.wrong_type", f"{widget.key} takes {expected}", widget.anchor)
        return None
    for name in sorted(expander.unselectable):
        record = next(r for r in widget.records.values() if r.select_by == name)
        allowed = ", ".join(json.dumps(s.when) for s in record.shapes)
        where = locate(widget, given, (name,)).path
        message = f"must be one of {allowed}: it selects the shape of the {record.name} values"
        report.add((*base, *where), "value.not_allowed", message, widget.anchor)
    if expander.unselectable:
        return None  # the values it selects cannot be read; their errors would be noise
    for path, count in expander.too_many:
        report.add(
            (*base, *path, count),
            "position.too_many",
            f"takes at most {count} positions",
            widget.anchor,
        )
    try:
        instance = model.model_validate(expanded)
    except ValidationError as exc:
        _report_model_errors(exc, widget, given, base, report)
        return None
    clean = True
    for rule in widget.rules:
        for loc, message in _violations(rule, expanded):
            where = locate(widget, given, loc).path
            warning = rule.severity == "warning"
            report.add((*base, *where), rule.code, message, rule.source, warning=warning)
            clean = clean and warning
    return instance if clean and not expander.too_many else None


def _report_model_errors(
    exc: ValidationError, widget: WidgetSpec, given: Any, base: Path, report: Reporter
) -> None:
    for error in exc.errors(include_url=False, include_context=False, include_input=False):
        kind = error["type"]
        loc = tuple(error["loc"])
        found = locate(widget, given, loc)
        path = (*base, *found.path)
        prefix = "position" if found.positional else "field"
        if kind == "missing":
            code = "position.missing_required" if found.positional else "field.missing"
            report.add(path, code, f"required {prefix} {loc[-1]!r} is missing", SCHEMA_SOURCE)
        elif kind == "extra_forbidden":
            report.add(path, "field.unknown", f"unknown field {loc[-1]!r}", SCHEMA_SOURCE)
        elif kind.startswith("union_tag"):
            report.add(path, "node.unknown_kind", "has a missing or unknown kind", SCHEMA_SOURCE)
        else:
            message = f"must be {describe(found.expected, widget)}"
            report.add(path, f"{prefix}.wrong_type", message, SCHEMA_SOURCE)


def _violations(rule: RuleSpec, expanded: dict[str, Any]) -> Iterator[tuple[Path, str]]:
    for loc, value, parent in _select(expanded, rule.path, (), None):
        for relative, message in rule.rule.violations(value, parent):
            yield (*loc, *relative), message


def _select(
    value: Any, path: tuple[str, ...], loc: Path, parent: Any
) -> Iterator[tuple[Path, Any, Any]]:
    """Every (location, value, holder) a rule path reaches; unset optional fields are skipped."""
    if not path:
        yield loc, value, parent
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from _select(item, rest, (*loc, index), value)
    elif isinstance(value, dict) and value.get(head) is not None:
        yield from _select(value[head], rest, (*loc, head), value)
