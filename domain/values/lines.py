r"""A topic, a tag and a title: each one line of text, trimmed, of a bounded length.

One rule for all three, ``domain.catalog.text``'s ``line`` kind: no control or invisible
characters, no markup that runs script. ``LINE_PATTERN`` is the part of it a JSON Schema
pattern can say (some visible text, no C0 or C1 control character, Unicode category Cc):
the wire schemas refuse those at the edge, and ``LineValue.clean`` checks the whole rule
wherever a value is accepted (HTTP, CLI, evaluation topics).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from domain.catalog.text import CONTROL_CHARACTERS as _CC
from domain.catalog.text import text_problem

LINE_PATTERN: Final = rf"^[^{_CC}]*[^\s{_CC}][^{_CC}]*$"


@dataclass(frozen=True, slots=True)
class LineValue:
    """A kind of one-line text value and its longest length (after trimming)."""

    name: str
    max_length: int

    def clean(self, text: str) -> str:
        """``text`` trimmed; ValueError saying why when it is not a value of this kind."""
        trimmed = text.strip()
        if not trimmed:
            raise ValueError(f"the {self.name} is empty")
        if len(trimmed) > self.max_length:
            raise ValueError(f"the {self.name} is longer than {self.max_length} characters")
        problem = text_problem(trimmed, "line")
        if problem is not None:
            raise ValueError(f"the {self.name} {problem}")
        return trimmed

    def clean_optional(self, text: str | None) -> str | None:
        """``text`` cleaned as ``clean`` does; None when absent or blank (not given)."""
        if text is None or not text.strip():
            return None
        return self.clean(text)


# What a lesson is about; it reaches the prompts, the stored record and every listing.
TOPIC: Final = LineValue("topic", 200)
# Extra guidance for a lesson (optional); it reaches the Gatherer's prompt beside the topic.
PROMPT: Final = LineValue("prompt", 300)
# A label a user gives a lesson (``PATCH /v1/lessons/{id}``); a lesson has at most MAX_TAGS.
TAG: Final = LineValue("tag", 40)
MAX_TAGS: Final = 20
# A lesson's title as a user renames it (the document's title follows).
TITLE: Final = LineValue("title", 200)
