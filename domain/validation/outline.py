"""The document's own rules (keys, titles, ending with a quiz), shared by both paths."""

from __future__ import annotations

import re
from typing import Any

DOCUMENT_KEYS = frozenset({"schema_version", "title", "blocks"})
SECTION_KEYS = frozenset({"section", "items", "subsections"})
TITLE_ADVISED_MAX = 40
MANUAL_NUMBERING = re.compile(r"^\s*\d+(?:\.\d+)*[.)]\s")


def ends_with_quiz(blocks: list[Any], quiz_key: str) -> bool:
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
