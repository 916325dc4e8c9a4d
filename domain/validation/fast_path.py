"""The fast path: read a lesson without errors straight into its canonical full form.

Most lessons DGS validates have no errors (the structurer's output, stored lessons,
conversions), so ``validate_lesson`` tries this first. It walks the document once,
handing each widget to its generated reader (see ``readers``). A widget whose soft rules
have advice is checked again by the exact per-widget code, which locates the warnings;
the document's own advice is reported as it is met. Anything that may be an error ends
the attempt, and the exact path then validates the payload from scratch.

``validate_lesson`` only calls it on payloads within ``MAX_JSON_DEPTH`` and
``MAX_LESSON_NODES`` (measured first, without recursion), so its walk stays shallow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.catalog.registry import WidgetRegistry
from domain.catalog.spec import Catalog, WidgetSpec
from domain.catalog.text import all_plain
from domain.limits import MAX_REPORTED_ISSUES
from domain.validation.outline import (
    DOCUMENT_KEYS,
    SECTION_KEYS,
    DocumentAdvice,
    numbered_by_hand,
    title_problem,
)
from domain.validation.readers import Advised, Unclean, widget_readers
from domain.validation.result import Issue, Path, Reporter
from domain.validation.widget import apply_rules, read_widget


@dataclass(frozen=True, slots=True)
class FastRead:
    """A lesson read without errors: its version, full form, and warnings in report order.

    ``warnings`` are the first ``MAX_REPORTED_ISSUES``; ``warning_count`` counts them all.
    """

    version: str
    document: dict[str, Any]
    warnings: tuple[Issue, ...]
    warning_count: int


def read_without_errors(
    payload: object, requested: str | None, registry: WidgetRegistry
) -> FastRead | None:
    """Read a lesson that has no errors; None if not sure it has none.

    None says nothing about validity: it only sends the payload to the exact path.
    """
    try:
        return _read_document(payload, requested, registry)
    except Exception:  # an odd value met on the way (KeyError, TypeError...): judged exactly
        return None


def _read_document(payload: object, requested: str | None, registry: WidgetRegistry) -> FastRead:
    if type(payload) is not dict or not payload.keys() <= DOCUMENT_KEYS:
        raise Unclean
    if requested is not None and requested not in registry.catalogs:
        raise Unclean
    version = payload.get("schema_version")
    if version is None:
        version = requested or registry.default_version
    elif version not in registry.catalogs or (requested is not None and version != requested):
        raise Unclean
    title = payload["title"]
    if type(title) is not str or not title.strip() or title_problem(title):
        raise Unclean
    blocks = payload["blocks"]
    if type(blocks) is not list or not blocks:
        raise Unclean
    walk = _Walk(_readers_of(registry.catalog(version)))
    walk.advice.title(title)
    read_blocks = [walk.block(block, ("blocks", index)) for index, block in enumerate(blocks)]
    if not all_plain(walk.prose, walk.code):  # every text of every widget, at once
        raise Unclean
    walk.advice.ending(blocks, walk.readers.quiz_key)
    document = {"schema_version": version, "title": title, "blocks": read_blocks}
    # The exact path reports the document's advice first, then the widgets'.
    warnings = (*walk.report.warnings, *walk.widget_report.warnings)[:MAX_REPORTED_ISSUES]
    count = walk.report.warning_count + walk.widget_report.warning_count
    return FastRead(version, document, warnings, count)


class _Readers:
    """The readers of every widget of a catalog, generated once and shared."""

    def __init__(self, catalog: Catalog) -> None:
        readers = {key: widget_readers(spec) for key, spec in catalog.widgets.items()}
        self.catalog = catalog
        self.shorthand = {key: r.shorthand for key, r in readers.items()}
        self.full = {key: r.full for key, r in readers.items()}
        self.quiz_key = catalog.block_widget.key
        self.paragraph = self.shorthand["p"]


class _Walk:
    """One reading of a document's blocks; advice is collected as the exact path does."""

    def __init__(self, readers: _Readers) -> None:
        self.readers = readers
        self.report = Reporter()
        self.advice = DocumentAdvice(self.report, readers.catalog.file_name)
        self.widget_report = Reporter()
        # The widgets' texts, added by the readers, tested at once at the end.
        self.prose: list[str] = []
        self.code: list[str] = []

    def block(self, block: Any, path: Path) -> dict[str, Any]:
        if type(block) is not dict:
            raise Unclean
        if "section" in block:
            return self.section(block, path)
        quiz_key = self.readers.quiz_key
        if len(block) != 1 or quiz_key not in block:
            raise Unclean
        given = block[quiz_key]
        try:
            quiz = self.readers.shorthand[quiz_key](given, self.prose, self.code)
        except Advised:
            quiz = self.explain(quiz_key, given, (*path, quiz_key), full_form=False)
        del quiz["type"]  # the block carries the quiz's payload, untyped
        return {quiz_key: quiz}

    def section(self, section: Any, path: Path) -> dict[str, Any]:
        if type(section) is not dict or not section.keys() <= SECTION_KEYS:
            raise Unclean
        title = section["section"]
        if type(title) is not str or not title.strip() or title_problem(title):
            raise Unclean
        if numbered_by_hand(title):
            raise Unclean
        items = section["items"]
        subsections = section.get("subsections")
        if type(items) is not list or (subsections is not None and type(subsections) is not list):
            raise Unclean
        self.advice.section_content(bool(items or subsections), path)
        read_items = self.items(items, (*path, "items"))
        if subsections is not None:
            nested = (*path, "subsections")
            subsections = [self.section(s, (*nested, i)) for i, s in enumerate(subsections)]
        return {"section": title, "items": read_items, "subsections": subsections}

    def items(self, items: list[Any], path: Path) -> list[dict[str, Any]]:
        # One loop, no call per item but the reader's: this runs for every widget.
        paragraph, shorthand, full = (
            self.readers.paragraph,
            self.readers.shorthand,
            self.readers.full,
        )
        prose, code = self.prose, self.code
        read = []
        for item in items:
            try:
                if type(item) is str:
                    read.append(paragraph(item, prose, code))
                elif type(item) is not dict:
                    raise Unclean
                elif "type" in item:
                    read.append(full[item["type"]](item, prose, code))
                elif len(item) == 1:
                    for key, value in item.items():
                        read.append(shorthand[key](value, prose, code))
                else:
                    raise Unclean
            except Advised:  # the item's index is the count of items read before it
                read.append(self.advised(item, (*path, len(read))))
        return read

    def advised(self, item: Any, path: Path) -> dict[str, Any]:
        """Read an item whose widget has advice with the exact per-widget code."""
        if type(item) is str:
            return self.explain("p", item, path, full_form=False)
        if "type" in item:
            return self.explain(item["type"], item, path, full_form=True)
        ((key, value),) = item.items()
        return self.explain(key, value, (*path, key), full_form=False)

    def explain(self, key: str, given: Any, path: Path, *, full_form: bool) -> dict[str, Any]:
        """The widget's full form, with its warnings located in ``widget_report``."""
        widget: WidgetSpec = self.readers.catalog.widgets[key]
        errors = Reporter()
        pending = read_widget(widget, given, path, errors, full_form=full_form)
        if pending is None or errors.error_count:  # pragma: no cover - the reader read it
            raise Unclean
        apply_rules(pending, self.widget_report)
        if self.widget_report.error_count:  # pragma: no cover - the reader checked hard rules
            raise Unclean
        return pending.expanded


_READERS: dict[int, tuple[Catalog, _Readers]] = {}


def _readers_of(catalog: Catalog) -> _Readers:
    """The readers of a catalog, generated on first use."""
    known = _READERS.get(id(catalog))
    if known is None or known[0] is not catalog:  # the catalog is kept: its id stays its own
        known = _READERS[id(catalog)] = (catalog, _Readers(catalog))
    return known[1]
