"""The document's own rules (keys, titles, ending with a quiz), shared by both paths."""

from __future__ import annotations

from typing import Any

from domain.catalog.numbering import SECTION_NUMBERING
from domain.catalog.text import is_plain, text_problem
from domain.validation.result import Path, Reporter

DOCUMENT_KEYS = frozenset({"schema_version", "title", "blocks"})
SECTION_KEYS = frozenset({"section", "items", "subsections"})
_TITLE_ADVISED_MAX = 40


def title_problem(title: str) -> str | None:
    """Why a lesson's or a section's title may not be one: a title is one line of text."""
    return None if is_plain(title, "line") else text_problem(title, "line")


def numbered_by_hand(section_title: str) -> bool:
    """Whether a section title starts with numbering, which the DLE client refuses."""
    first = section_title[:1]
    if first.isalpha():  # most titles: no need to run the pattern
        return False
    return SECTION_NUMBERING.match(section_title) is not None


NUMBERED = "starts with numbering; the client numbers sections (and refuses this title)"


def _ends_with_quiz(blocks: list[Any], quiz_key: str) -> bool:
    """Whether the last widget of the lesson, however deeply nested, is a quiz."""
    last = blocks[-1]
    while isinstance(last, dict) and "section" in last:
        nested = last.get("subsections") or last.get("items")
        if not isinstance(nested, list) or not nested:
            return False
        last = nested[-1]
    if not isinstance(last, dict):
        return False
    return quiz_key in last or last.get("type") == quiz_key


class DocumentAdvice:
    """The document's soft rules: each reports a warning, sourced to the catalog's text."""

    def __init__(self, report: Reporter, catalog_file: str) -> None:
        self.report = report
        self.source = f"{catalog_file}#document"

    def title(self, title: str) -> None:
        """Long titles are cut by the client."""
        if len(title) > _TITLE_ADVISED_MAX:
            message = f"is {len(title)} characters long; at most {_TITLE_ADVISED_MAX} advised"
            self._warn(("title",), "value.too_long", message)

    def section_content(self, has_content: bool, path: Path) -> None:
        """A section shows something."""
        if not has_content:
            self._warn(path, "section.empty", "a section should hold items or subsections")

    def ending(self, blocks: list[Any], quiz_key: str) -> None:
        """A lesson ends with a quiz."""
        if not _ends_with_quiz(blocks, quiz_key):
            self._warn(("blocks",), "document.no_final_quiz", "end the lesson with a quiz")

    def _warn(self, path: Path, code: str, message: str) -> None:
        self.report.add(path, code, message, self.source, warning=True)
