"""``validate_lesson``: the one verdict on a lesson payload, shared by every entry point.

Accepts shorthand, full form or a mix, for any supported ``schema_version``. There is one
path: the document is walked once (``blocks``), each widget expanded to its canonical
full form and the whole validated by the lesson model in one pydantic call; then every
widget's rules are checked, each rule defined once in the catalog (``rule_checks``).
When the model refuses the lesson, each widget's own model says where (``widget``).

Any JSON value gets a verdict, however deep or large: before the walk, the payload is
measured without recursion, and one nesting deeper than ``MAX_JSON_DEPTH`` or holding
more than ``MAX_LESSON_NODES`` values gets a single error. So the walk only ever meets
shallow, bounded payloads, and the work per payload is bounded.
"""

from __future__ import annotations

from typing import Any

from domain.catalog.registry import SUPPORTED_VERSIONS, WidgetRegistry, get_registry
from domain.lesson.models import MODELS, JsonObject
from domain.limits import MAX_JSON_DEPTH, MAX_LESSON_NODES, oversize
from domain.validation.blocks import DocumentWalk
from domain.validation.result import SCHEMA_SOURCE, Reporter, ValidationResult

_OVERSIZE = {
    "too_deep": f"the lesson nests arrays and objects deeper than {MAX_JSON_DEPTH} levels",
    "too_large": f"the lesson holds more than {MAX_LESSON_NODES} JSON values",
}


def validate_lesson(
    payload: object,
    schema_version: str | None = None,
    *,
    registry: WidgetRegistry | None = None,
) -> ValidationResult:
    """Validate any JSON value as a lesson; never raises on JSON input.

    ``schema_version`` is the version to validate against when the payload names none
    (default: the registry's default); a payload naming another version is an error.
    """
    registry = registry or get_registry()
    report = Reporter()
    problem = oversize(payload, MAX_JSON_DEPTH, MAX_LESSON_NODES)
    if problem is not None:
        report.add((), f"document.{problem}", _OVERSIZE[problem], SCHEMA_SOURCE)
        return _result(False, None, report, None)
    if not isinstance(payload, dict):
        report.add((), "document.not_object", "a lesson must be a JSON object", SCHEMA_SOURCE)
        return _result(False, None, report, None)
    version = _resolve_version(payload, schema_version, registry, report)
    if version is None:
        return _result(False, None, report, None)
    lesson = DocumentWalk(registry.catalog(version), MODELS[version], report).run(payload)
    return _result(lesson is not None and not report.error_count, version, report, lesson)


def _result(
    ok: bool, version: str | None, report: Reporter, lesson: JsonObject | None
) -> ValidationResult:
    return ValidationResult(
        ok,
        version,
        tuple(report.errors),
        tuple(report.warnings),
        lesson if ok else None,
        report.error_count,
        report.warning_count,
    )


def _resolve_version(
    payload: dict[str, Any], requested: str | None, registry: WidgetRegistry, report: Reporter
) -> str | None:
    declared = payload.get("schema_version")
    supported = ", ".join(SUPPORTED_VERSIONS)
    if requested is not None and requested not in registry.catalogs:
        message = f"unsupported schema_version {requested!r}; supported: {supported}"
        report.add((), "schema_version.unsupported", message, SCHEMA_SOURCE)
        return None
    if declared is None:
        return requested or registry.default_version
    if not isinstance(declared, str) or declared not in registry.catalogs:
        message = f"unsupported schema_version; supported: {supported}"
        report.add(("schema_version",), "schema_version.unsupported", message, SCHEMA_SOURCE)
        return None
    if requested is not None and declared != requested:
        message = f"the lesson declares {declared}, but {requested} was requested"
        report.add(("schema_version",), "schema_version.mismatch", message, SCHEMA_SOURCE)
        return None
    return declared
