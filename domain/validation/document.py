"""``validate_lesson``: the one verdict on a lesson payload, shared by every entry point.

Accepts shorthand, full form or a mix, for any supported ``schema_version``. Two paths
give the same verdict:

- The fast path (``fast_path``) reads a lesson without errors with readers generated
  from each widget's spec, then validates the whole canonical full form with the lesson
  model in one pydantic call. Most lessons take it; warnings are located on the way.
- The exact path, for everything else: blocks and items are dispatched on their key;
  each widget is expanded, checked by its own model and by its spec's rules (see
  ``widget``), and every error is reported at the place it was given.

Any JSON value gets a verdict, however deep or large: before either path walks it, the
payload is measured without recursion, and one nesting deeper than ``MAX_JSON_DEPTH`` or
holding more than ``MAX_LESSON_NODES`` values gets a single error. So both paths only
ever meet shallow, bounded payloads, and the work per payload is bounded.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from domain.catalog.registry import SUPPORTED_VERSIONS, WidgetRegistry, get_registry
from domain.catalog.spec import Catalog, WidgetSpec
from domain.lesson.models import (
    MODELS,
    DocumentModel,
    JsonObject,
    LessonModels,
    keys_checked_validator,
    validator,
)
from domain.limits import MAX_JSON_DEPTH, MAX_LESSON_NODES, Oversize, oversize
from domain.validation.fast_path import read_without_errors
from domain.validation.outline import (
    DOCUMENT_KEYS,
    NUMBERED,
    SECTION_KEYS,
    DocumentAdvice,
    numbered_by_hand,
    title_problem,
)
from domain.validation.result import SCHEMA_SOURCE, Path, Reporter, ValidationResult
from domain.validation.widget import PendingWidget, apply_rules, model_accepts, read_widget

_JSON_TYPES: dict[type, str] = {str: "a string", list: "an array", dict: "an object"}
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
    problem = oversize(payload, MAX_JSON_DEPTH, MAX_LESSON_NODES)
    fast = None if problem else read_without_errors(payload, schema_version, registry)
    if fast is not None:
        try:
            # The readers checked every object's keys: the model need not look again.
            model = keys_checked_validator(MODELS[fast.version].lesson)
            lesson = model.validate_python(fast.document)
        except ValidationError:
            pass  # a type the readers pass on unchecked: the exact path reports it
        else:
            return ValidationResult(
                True, fast.version, (), fast.warnings, lesson, 0, fast.warning_count
            )
    return _exactly(payload, schema_version, registry, problem)


def validate_lesson_exactly(
    payload: object,
    schema_version: str | None = None,
    *,
    registry: WidgetRegistry | None = None,
) -> ValidationResult:
    """``validate_lesson`` without the fast path: every widget checked and located.

    Same contract and same results; kept public so that tests can hold the fast path to it.
    """
    registry = registry or get_registry()
    return _exactly(
        payload, schema_version, registry, oversize(payload, MAX_JSON_DEPTH, MAX_LESSON_NODES)
    )


def _exactly(
    payload: object, schema_version: str | None, registry: WidgetRegistry, problem: Oversize | None
) -> ValidationResult:
    """The exact path, given what measuring the payload found."""
    report = Reporter()
    if problem is not None:
        report.add((), f"document.{problem}", _OVERSIZE[problem], SCHEMA_SOURCE)
        return _result(False, None, report, None)
    if not isinstance(payload, dict):
        report.add((), "document.not_object", "a lesson must be a JSON object", SCHEMA_SOURCE)
        return _result(False, None, report, None)
    version = _resolve_version(payload, schema_version, registry, report)
    if version is None:
        return _result(False, None, report, None)
    lesson = _DocumentCheck(registry.catalog(version), MODELS[version], report).run(payload)
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


class _DocumentCheck:
    """One validation run over a document of a known catalog version."""

    def __init__(self, catalog: Catalog, models: LessonModels, report: Reporter) -> None:
        self.catalog = catalog
        self.models = models
        self.report = report
        self.pending: list[PendingWidget] = []
        self.advice = DocumentAdvice(report, catalog.file_name)
        self.document_source = self.advice.source

    def run(self, payload: dict[str, Any]) -> JsonObject | None:
        for key in payload:
            if key not in DOCUMENT_KEYS:
                self._error((key,), "field.unknown", f"unknown field {key!r}")
        title = self._text_field(payload, "title", ())
        if isinstance(title, str):
            self.advice.title(title)
        blocks = self._array_field(payload, "blocks", (), required=True)
        if blocks == []:
            self.report.add(("blocks",), "value.empty", "must not be empty", self.document_source)
        full_blocks = [self._block(b, ("blocks", i)) for i, b in enumerate(blocks or [])]
        if blocks:
            self.advice.ending(blocks, self.models.quiz_key)
        lesson = None
        if not self.report.error_count and title is not None and blocks is not None:
            document = {"schema_version": self.catalog.schema_version, "title": title}
            lesson = self._construct({**document, "blocks": full_blocks})
        for pending in self.pending:
            if lesson is not None or model_accepts(pending, self._model(pending), self.report):
                apply_rules(pending, self.report)
        if lesson is None and not self.report.error_count:  # pragma: no cover - model/spec drift
            self._error((), "document.invalid", "the lesson could not be constructed")
        return lesson

    def _construct(self, document: dict[str, Any]) -> JsonObject | None:
        """The lesson model of the whole document, or None if any widget's model refuses it."""
        try:
            return validator(self.models.lesson).validate_python(document)
        except ValidationError:
            return None  # the per-widget pass reports each error where it was given

    def _model(self, pending: PendingWidget) -> DocumentModel:
        return self.models.widgets[pending.widget.key]

    def _block(self, block: Any, path: Path) -> Any:
        quiz_key = self.models.quiz_key
        if isinstance(block, dict) and "section" in block:
            return self._section(block, path)
        if isinstance(block, dict) and list(block) == [quiz_key]:
            # The block carries the quiz widget's payload: same spec, same model, no ``type``.
            widget = self.catalog.block_widget
            quiz = self._widget(widget, block[quiz_key], (*path, quiz_key), full_form=False)
            return (
                None if quiz is None else {quiz_key: {k: v for k, v in quiz.items() if k != "type"}}
            )
        message = f"a block is a section or a {quiz_key!r} block"
        self._error(path, "block.unknown", message)
        return None

    def _section(self, section: dict[str, Any], path: Path) -> Any:
        for key in section:
            if key not in SECTION_KEYS:
                self._error((*path, key), "field.unknown", f"unknown field {key!r}")
        title = self._text_field(section, "section", path)
        if isinstance(title, str) and numbered_by_hand(title):
            where = (*path, "section")
            self.report.add(where, "value.manual_numbering", NUMBERED, self.document_source)
        items = self._array_field(section, "items", path, required=True) or []
        subsections = self._array_field(section, "subsections", path, required=False) or []
        self.advice.section_content(bool(items or subsections), path)
        return {
            "section": title,
            "items": [self._item(item, (*path, "items", i)) for i, item in enumerate(items)],
            "subsections": None
            if section.get("subsections") is None
            else [
                self._section_or_error(s, (*path, "subsections", i))
                for i, s in enumerate(subsections)
            ],
        }

    def _section_or_error(self, value: Any, path: Path) -> Any:
        if isinstance(value, dict):
            return self._section(value, path)
        self._error(path, "field.wrong_type", "a subsection must be an object")
        return None

    def _item(self, item: Any, path: Path) -> Any:
        widgets = self.catalog.widgets
        if isinstance(item, str):
            return self._widget(widgets["p"], item, path, full_form=False)
        if not isinstance(item, dict):
            message = "an item is a string, a {widget: value} object or a full-form object"
            self._error(path, "item.wrong_type", message)
            return None
        if "type" in item:
            key = item["type"]
            widget = widgets.get(key) if isinstance(key, str) else None
            if widget is None:
                self._error((*path, "type"), "widget.unknown_key", _unknown(key, self.catalog))
                return None
            return self._widget(widget, item, path, full_form=True)
        if len(item) != 1:
            message = f"an item has exactly one widget key, found {len(item)}"
            self._error(path, "item.multiple_keys", message)
            return None
        key, value = next(iter(item.items()))
        widget = widgets.get(key)
        if widget is None:
            self._error((*path, key), "widget.unknown_key", _unknown(key, self.catalog))
            return None
        return self._widget(widget, value, (*path, key), full_form=False)

    def _widget(self, widget: WidgetSpec, given: Any, path: Path, *, full_form: bool) -> Any:
        pending = read_widget(widget, given, path, self.report, full_form=full_form)
        if pending is None:
            return None
        self.pending.append(pending)
        return pending.expanded

    def _text_field(self, holder: dict[str, Any], key: str, path: Path) -> str | None:
        value = holder.get(key)
        if key not in holder:
            self._error((*path, key), "field.missing", f"required field {key!r} is missing")
        elif not isinstance(value, str):
            self._error((*path, key), "field.wrong_type", "must be a string")
        elif not value.strip():
            self.report.add((*path, key), "value.empty", "must not be empty", self.document_source)
        else:
            problem = title_problem(value)
            if problem is not None:
                self.report.add((*path, key), "value.unsafe_text", problem, self.document_source)
            return value
        return None

    def _array_field(
        self, holder: dict[str, Any], key: str, path: Path, *, required: bool
    ) -> list[Any] | None:
        value = holder.get(key)
        if isinstance(value, list):
            return value
        if key not in holder or (value is None and not required):
            if required:
                self._error((*path, key), "field.missing", f"required field {key!r} is missing")
            return None
        self._error((*path, key), "field.wrong_type", "must be an array")
        return None

    def _error(self, path: Path, code: str, message: str) -> None:
        self.report.add(path, code, message, SCHEMA_SOURCE)


def _unknown(key: Any, catalog: Catalog) -> str:
    kind = _JSON_TYPES.get(type(key), "a value")
    shown = repr(key) if isinstance(key, str) else kind
    return f"unknown widget {shown} in catalog {catalog.schema_version}"
