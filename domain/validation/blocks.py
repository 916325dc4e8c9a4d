"""The walk of one lesson: its blocks, sections and items, each widget read where it is.

Blocks and items are dispatched on their key; each widget is expanded to its canonical
full form (``expand``) and kept pending. The whole full form is then validated by the
lesson model in one pydantic call, and each widget's rules are checked (``rule_checks``).
When the model refuses the lesson, each pending widget is validated by its own model
instead, so that every error is reported at the place it was given (``widget``).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from domain.catalog.spec import Catalog
from domain.catalog.text import all_plain
from domain.lesson.models import JsonObject, LessonModels, keys_checked_validator, validator
from domain.validation.expand import Unread
from domain.validation.outline import (
    DOCUMENT_KEYS,
    NUMBERED,
    SECTION_KEYS,
    DocumentAdvice,
    numbered_by_hand,
    title_problem,
)
from domain.validation.result import SCHEMA_SOURCE, Path, Reporter
from domain.validation.rule_checks import Texts
from domain.validation.widget import (
    CompiledWidget,
    PendingWidget,
    compiled_widgets,
    model_accepts,
    report_findings,
    report_unread,
    report_unreadable,
)

_JSON_TYPES: dict[type, str] = {str: "a string", list: "an array", dict: "an object"}


class DocumentWalk:
    """One validation run over a document of a known catalog version."""

    def __init__(self, catalog: Catalog, models: LessonModels, report: Reporter) -> None:
        self.catalog = catalog
        self.models = models
        self.report = report
        self.widgets = compiled_widgets(catalog)
        self.paragraph = self.widgets["p"]
        self.quiz = self.widgets[catalog.block_widget.key]
        self.pending: list[PendingWidget] = []
        self.unread = Unread()
        self.advice = DocumentAdvice(report, catalog.file_name)
        self.document_source = self.advice.source

    def run(self, payload: dict[str, Any]) -> JsonObject | None:
        """The lesson's canonical full form if the models accept it; every finding reported."""
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
        if lesson is not None:
            self._check_valid_widgets()
        else:
            self._check_each_widget()
            if not self.report.error_count:  # pragma: no cover - model/spec drift
                self._error((), "document.invalid", "the lesson could not be constructed")
        return lesson

    def _construct(self, document: dict[str, Any]) -> JsonObject | None:
        """The lesson model of the whole document, or None if any widget's model refuses it.

        When every object was read key by key, none has an unknown key: the model need
        not look for one (``keys_checked_validator``); else it refuses any it finds.
        """
        model = self.models.lesson
        try:
            if self.unread.passed_on:
                return validator(model).validate_python(document)
            lesson: JsonObject = keys_checked_validator(model).validate_python(document)
            return lesson
        except ValidationError:
            return None  # each widget's own model then reports its errors where given

    def _check_valid_widgets(self) -> None:
        """The rules of every widget; their texts tested at once (one by one if that fails)."""
        texts: Texts = ([], [])
        found = [widget.checks.batched(full, texts) for widget, _, _, full in self.pending]
        if not all_plain(*texts):
            found = [widget.checks.exact(full) for widget, _, _, full in self.pending]
        for pending, findings in zip(self.pending, found, strict=True):
            if findings:
                report_findings(pending, findings, self.report)

    def _check_each_widget(self) -> None:
        """Each widget's own model, then its rules if the model accepts it."""
        for pending in self.pending:
            widget, _, _, full = pending
            if model_accepts(pending, self.models.widgets[widget.spec.key], self.report):
                report_findings(pending, widget.checks.exact(full), self.report)

    def _block(self, block: Any, path: Path) -> Any:
        quiz_key = self.models.quiz_key
        if isinstance(block, dict) and "section" in block:
            return self._section(block, path)
        if isinstance(block, dict) and list(block) == [quiz_key]:
            # The block carries the quiz widget's payload: same spec, same model, no ``type``.
            quiz = self._widget(self.quiz, block[quiz_key], (*path, quiz_key), full_form=False)
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
        items_path = (*path, "items")
        return {
            "section": title,
            "items": [self._item(item, (*items_path, i)) for i, item in enumerate(items)],
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
        given: Any
        if type(item) is str:  # a paragraph
            widget, given, full_form = self.paragraph, item, False
        elif not isinstance(item, dict):
            message = "an item is a string, a {widget: value} object or a full-form object"
            self._error(path, "item.wrong_type", message)
            return None
        elif "type" in item:
            key = item["type"]
            found = self.widgets.get(key) if isinstance(key, str) else None
            if found is None:
                self._error((*path, "type"), "widget.unknown_key", _unknown(key, self.catalog))
                return None
            widget, given, full_form = found, item, True
        elif len(item) != 1:
            message = f"an item has exactly one widget key, found {len(item)}"
            self._error(path, "item.multiple_keys", message)
            return None
        else:
            ((key, given),) = item.items()
            found = self.widgets.get(key)
            if found is None:
                self._error((*path, key), "widget.unknown_key", _unknown(key, self.catalog))
                return None
            widget, path, full_form = found, (*path, key), False
        return self._widget(widget, given, path, full_form=full_form)

    def _widget(self, widget: CompiledWidget, given: Any, path: Path, *, full_form: bool) -> Any:
        """Expand a widget given at ``path``; report what cannot be read (None then)."""
        unread = self.unread
        expanded = widget.expand(given, full_form, unread)
        if expanded is None:
            report_unreadable(widget.spec, path, self.report)
            return None
        if unread.too_many or unread.unselectable:
            report_unread(unread, widget.spec, given, path, self.report)
            return None
        self.pending.append((widget, given, path, expanded))
        return expanded

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
