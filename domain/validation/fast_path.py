"""The fast path: read a clean lesson straight into its canonical full form.

A clean lesson is one with nothing to report: no error and no warning. Most lessons
DGS validates are clean (the structurer's output, stored lessons, conversions), so
``validate_lesson`` tries this first. It walks the document once, handing each widget to
its generated reader (see ``readers``). Anything it cannot vouch for ends the attempt,
and the exact path then validates the payload from scratch to report what it finds.
"""

from __future__ import annotations

from typing import Any

from domain.catalog.registry import WidgetRegistry
from domain.catalog.spec import Catalog
from domain.validation.outline import (
    DOCUMENT_KEYS,
    MANUAL_NUMBERING,
    SECTION_KEYS,
    TITLE_ADVISED_MAX,
    ends_with_quiz,
)
from domain.validation.readers import Unclean, widget_readers

_match_numbering = MANUAL_NUMBERING.match


def read_clean_lesson(
    payload: object, requested: str | None, registry: WidgetRegistry
) -> tuple[str, dict[str, Any]] | None:
    """The version and canonical full form of a clean lesson; None if not sure it is one.

    None says nothing about validity: it only sends the payload to the exact path.
    """
    try:
        return _read_document(payload, requested, registry)
    except (
        Exception
    ):  # an odd value met on the way (KeyError, TypeError...): the exact path judges it
        return None


def _read_document(
    payload: object, requested: str | None, registry: WidgetRegistry
) -> tuple[str, dict[str, Any]]:
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
    if type(title) is not str or not title.strip() or len(title) > TITLE_ADVISED_MAX:
        raise Unclean
    blocks = payload["blocks"]
    if type(blocks) is not list or not blocks:
        raise Unclean
    walk = _walk_of(registry.catalog(version))
    document = {"schema_version": version, "title": title, "blocks": list(map(walk.block, blocks))}
    if not ends_with_quiz(blocks, walk.quiz_key):
        raise Unclean
    return version, document


class _Walk:
    """Reads the blocks of documents of one catalog with its readers (no state: shared)."""

    def __init__(self, catalog: Catalog) -> None:
        readers = {key: widget_readers(spec) for key, spec in catalog.widgets.items()}
        self.shorthand = {key: r.shorthand for key, r in readers.items()}
        self.full = {key: r.full for key, r in readers.items()}
        self.quiz_key = catalog.block_widget.key
        self.paragraph = self.shorthand["p"]

    def block(self, block: Any) -> dict[str, Any]:
        if type(block) is not dict:
            raise Unclean
        if "section" in block:
            return self.section(block)
        if len(block) != 1 or self.quiz_key not in block:
            raise Unclean
        quiz = self.shorthand[self.quiz_key](block[self.quiz_key])
        del quiz["type"]  # the block carries the quiz's payload, untyped
        return {self.quiz_key: quiz}

    def section(self, section: Any) -> dict[str, Any]:
        if type(section) is not dict or not section.keys() <= SECTION_KEYS:
            raise Unclean
        title = section["section"]
        if type(title) is not str or not title.strip() or _match_numbering(title):
            raise Unclean
        items = section["items"]
        subsections = section.get("subsections")
        if type(items) is not list or not (items or subsections):
            raise Unclean
        if subsections is not None and type(subsections) is not list:
            raise Unclean
        return {
            "section": title,
            "items": self.items(items),
            "subsections": None if subsections is None else list(map(self.section, subsections)),
        }

    def items(self, items: list[Any]) -> list[dict[str, Any]]:
        # One loop, no call per item but the reader's: this runs for every widget.
        paragraph, shorthand, full = self.paragraph, self.shorthand, self.full
        read = []
        for item in items:
            if type(item) is str:
                read.append(paragraph(item))
            elif type(item) is not dict:
                raise Unclean
            elif "type" in item:
                read.append(full[item["type"]](item))
            elif len(item) == 1:
                for key, value in item.items():
                    read.append(shorthand[key](value))
            else:
                raise Unclean
        return read


_WALKS: dict[int, tuple[Catalog, _Walk]] = {}


def _walk_of(catalog: Catalog) -> _Walk:
    """The walk of a catalog, with each widget's readers generated once."""
    known = _WALKS.get(id(catalog))
    if known is None or known[0] is not catalog:  # the catalog is kept: its id stays its own
        known = _WALKS[id(catalog)] = (catalog, _Walk(catalog))
    return known[1]
