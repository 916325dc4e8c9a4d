"""Rules on what a value holds, or on how it relates to other values.

Repeats, indexes, nesting depth, a console's mode, an embedded lesson, a regular
expression, safe text. Each rule checks one value of the full-form widget (see
``rule_base``); the spec names it by ``rule`` (``domain.catalog.rules`` lists them all).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

from pydantic import Field

from domain.catalog.js_regex import MAX_PATTERN_LENGTH, js_regex_problem
from domain.catalog.rule_base import BaseRule, Violation
from domain.catalog.text import FieldText, is_plain, nested_text_problem, text_problem
from domain.limits import MAX_JSON_DEPTH, depth_exceeds


class Distinct(BaseRule):
    """An array of strings with no repeated element."""

    rule: Literal["distinct"]
    code: ClassVar[str] = "value.duplicate"
    several: ClassVar[bool] = True

    def violations(self, value: Any, parent: Any) -> list[Violation]:
        """Each string that repeats an earlier one (case and outer spaces aside)."""
        if not isinstance(value, list):
            return []
        try:  # the common case, strings only and none repeated, tested in C
            if len(set(map(str.casefold, map(str.strip, value)))) == len(value):
                return []
        except TypeError:  # not only strings: the loop below looks at the strings
            pass
        seen: set[str] = set()
        repeats: list[Violation] = []
        for index, element in enumerate(value):
            if isinstance(element, str):
                folded = element.strip().casefold()
                if folded in seen:
                    repeats.append(((index,), "repeats an earlier choice"))
                seen.add(folded)
        return repeats


class IndexInto(BaseRule):
    """An integer that is a valid 0-based index into the sibling array ``list``."""

    rule: Literal["index_into"]
    list: str
    code: ClassVar[str] = "value.index_out_of_range"

    def message(self, value: Any, parent: Any) -> str | None:
        """Indexes outside ``0 <= value < len(list)`` break the rule."""
        target = parent.get(self.list) if isinstance(parent, dict) else None
        if not isinstance(value, int) or not isinstance(target, list):
            return None
        if 0 <= value < len(target):
            return None
        return f"must be between 0 and {len(target) - 1} (an index into {self.list!r})"


class MaxDepth(BaseRule):
    """Nested node lists (records with a ``kind``) at most ``max`` levels deep."""

    rule: Literal["max_depth"]
    max: int = Field(ge=1)
    count_root: bool
    code: ClassVar[str] = "value.too_deep"

    def message(self, value: Any, parent: Any) -> str | None:
        """Deeper nesting breaks the rule."""
        depth = node_list_levels(value) - (0 if self.count_root else 1)
        if depth > self.max:
            return f"nests {depth} levels deep; at most {self.max} allowed"
        return None


class ConsoleMode(BaseRule):
    """Console entries of the kind the mode asks for; guided tasks only when interactive.

    It checks the whole widget (``field`` is ``.``), as it relates several fields.
    """

    rule: Literal["console_mode"]
    code: ClassVar[str] = "console.mode_mismatch"
    several: ClassVar[bool] = True
    _KINDS: ClassVar[dict[int, str]] = {0: "scripted", 1: "interactive"}

    def violations(self, value: Any, parent: Any) -> list[Violation]:
        """Each entry of the wrong kind, and guided tasks on a scripted console."""
        mode = value.get("mode") if isinstance(value, dict) else None
        expected = self._KINDS.get(mode) if type(mode) is int else None
        entries = value.get("entries") if isinstance(value, dict) else None
        if expected is None or not isinstance(entries, list):
            return []
        found: list[Violation] = [
            (("entries", index), f"mode {mode} takes {expected} entries")
            for index, entry in enumerate(entries)
            if isinstance(entry, dict) and entry.get("kind") != expected
        ]
        if expected == "scripted" and value.get("guided") is not None:
            found.append((("guided",), "guided tasks need the interactive mode (1)"))
        return found


class LessonObject(BaseRule):
    """An object with ``blocks``, or a JSON string of one."""

    rule: Literal["lesson_object"]
    code: ClassVar[str] = "value.not_a_lesson"

    def message(self, value: Any, parent: Any) -> str | None:
        """Anything else breaks the rule."""
        if isinstance(value, str):
            try:
                # The client reads it with JSON.parse: strict JSON (no NaN or Infinity,
                # RFC 8259 section 6), no deeper than any JSON DGS reads.
                value = json.loads(value, parse_constant=_not_json)
            except (ValueError, RecursionError):
                return "is neither a lesson object nor a JSON string of one"
            if depth_exceeds(value, MAX_JSON_DEPTH):
                return f"is a JSON string nesting deeper than {MAX_JSON_DEPTH} levels"
        if isinstance(value, dict) and isinstance(value.get("blocks"), list):
            return None
        return "must be a lesson object with 'blocks', or a JSON string of one"


class ValidRegex(BaseRule):
    """A JavaScript regular expression the client can run safely (``domain.catalog.js_regex``).

    Valid ECMAScript syntax, at most ``max_length`` characters, bounded repetition and
    no repeated group that repeats (``(a+)+``). Never raises, whatever the pattern.
    """

    rule: Literal["valid_regex"]
    max_length: int = Field(default=MAX_PATTERN_LENGTH, ge=1)
    code: ClassVar[str] = "value.invalid_regex"

    def message(self, value: Any, parent: Any) -> str | None:
        """Strings that are no such pattern break the rule."""
        if not isinstance(value, str):
            return None
        return js_regex_problem(value, self.max_length)


class SafeText(BaseRule):
    """A text holding no control characters and, unless it is code, no script markup.

    Not written in spec blocks: the loader gives every field that holds strings one,
    of the field's text kind (``"text": "code"`` or prose), see ``domain.catalog.text``.
    Validation may collect a lesson's texts and test them at once (``all_plain``, which
    implies this rule holds), testing them one by one only when that test fails.
    """

    rule: Literal["safe_text"]
    kind: FieldText
    code: ClassVar[str] = "value.unsafe_text"

    def message(self, value: Any, parent: Any) -> str | None:
        """Texts (or, for fields taking any object, texts inside) that break the rule."""
        if isinstance(value, str):
            return None if is_plain(value, self.kind) else text_problem(value, self.kind)
        if isinstance(value, dict | list):
            return nested_text_problem(value, self.kind)
        return None


def _not_json(name: str) -> Any:
    """``json.loads`` hook for ``NaN``, ``Infinity`` and ``-Infinity``: they are not JSON."""
    raise ValueError(f"{name} is not JSON")


def node_list_levels(value: Any) -> int:
    """Count nested levels of node lists: arrays holding records tagged with ``kind``."""
    if type(value) is list:
        return _list_levels(value)
    return _dict_levels(value) if type(value) is dict else 0


# Every step flow and checklist is measured: plain loops, and the objects in an array
# are looked into in place rather than with a call each.
def _list_levels(items: list[Any]) -> int:
    deepest = 0
    is_node_list = False
    for item in items:
        if type(item) is list:
            depth = _list_levels(item)
            if depth > deepest:
                deepest = depth
        elif type(item) is dict:
            if "kind" in item:
                is_node_list = True
            for value in item.values():  # _dict_levels(item), inlined
                if type(value) is list:
                    depth = _list_levels(value)
                elif type(value) is dict:
                    depth = _dict_levels(value)
                else:
                    continue
                if depth > deepest:
                    deepest = depth
    return deepest + 1 if is_node_list else deepest


def _dict_levels(fields: dict[str, Any]) -> int:
    deepest = 0
    for value in fields.values():
        if type(value) is list:
            depth = _list_levels(value)
        elif type(value) is dict:
            depth = _dict_levels(value)
        else:
            continue
        if depth > deepest:
            deepest = depth
    return deepest
