"""The rule vocabulary that widgets.md spec blocks may use.

A spec block names rules by ``rule`` and gives their parameters; each name maps to one
model below (unknown names and parameters are refused when the catalog loads). A rule
checks one value of the full-form widget, located by its ``field`` path, and may look at
the object holding it (``parent``), e.g. a question's choices for its answer index.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from domain.catalog.js_regex import MAX_PATTERN_LENGTH, js_regex_problem
from domain.catalog.text import FieldText, is_plain, nested_text_problem, text_problem
from domain.limits import MAX_JSON_DEPTH, depth_exceeds

Loc = tuple[str | int, ...]
Violation = tuple[Loc, str]
Bind = Callable[[object, str], str]  # binds an object for generated source; returns its name

# Numbering a client adds itself: "1. Intro", "2) Setup", "1.2. Details" (list items).
MANUAL_NUMBERING = re.compile(r"^\s*\d+(?:\.\d+)*[.)]\s")

# DLE's own validator refuses a section title matching ^\s*\d+(\.\d+)*[).\-:]*\s+ (its
# pattern, JavaScript semantics; dle-widget-catalog.md sections 2 and 9): "1. Intro",
# "2) Setup", "1.2 Scope", "3 ways to save energy". In JavaScript \d is [0-9] and \s is
# WhiteSpace and LineTerminator (ECMA-262 22.2.2.9 CharacterClassEscape, 12.2, 12.3).
_JS_SPACE = "[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
SECTION_NUMBERING = re.compile(f"^{_JS_SPACE}*[0-9]+(?:\\.[0-9]+)*[).\\-:]*{_JS_SPACE}+")


class _Rule(BaseModel):
    """Common shape of every rule: which field it checks, and its stable error code."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    field: str
    code: ClassVar[str]
    several: ClassVar[bool] = False  # reports several places: use violations(), not message()

    def violations(self, value: Any, parent: Any) -> Iterator[Violation]:
        """Yield (location relative to the value, message) for each violation."""
        message = self.message(value, parent)
        if message is not None:
            yield (), message

    def message(self, value: Any, parent: Any) -> str | None:
        """Return why the value breaks the rule, or None when it holds."""
        raise NotImplementedError

    def checker(self) -> Callable[[Any, Any], str | None]:
        """``message`` as a plain function (validation calls it for every widget)."""
        return self.message

    def condition(self, value: str, parent: str, bind: Bind) -> str | None:
        """The rule as Python source: an expression, true when the rule reports anything.

        ``value`` and ``parent`` are the names of the checked value and its holder;
        ``bind`` names an object for the source to use. Generated readers inline the
        expression (see ``domain.validation.readers``); None means they call the rule
        instead. It must agree with ``violations``: a test holds them together.
        """
        return None


class NonEmpty(_Rule):
    """A string with visible text, or an array with at least one element."""

    rule: Literal["non_empty"]
    code: ClassVar[str] = "value.empty"

    def message(self, value: Any, parent: Any) -> str | None:
        """Empty or blank strings and empty arrays break the rule."""
        if isinstance(value, str) and not value.strip():
            return "must not be empty"
        if isinstance(value, list) and not value:
            return "must not be empty"
        return None

    def condition(self, value: str, parent: str, bind: Bind) -> str:
        """Blank strings and empty arrays."""
        # One isinstance for the common case, a string: this runs for most fields.
        empty = f"isinstance({value}, list) and not {value}"
        return f"(not {value}.strip()) if isinstance({value}, str) else ({empty})"


class MaxLength(_Rule):
    """A string of at most ``max`` characters."""

    rule: Literal["max_length"]
    max: int = Field(ge=1)
    code: ClassVar[str] = "value.too_long"

    def message(self, value: Any, parent: Any) -> str | None:
        """Strings longer than ``max`` break the rule."""
        if isinstance(value, str) and len(value) > self.max:
            return f"is {len(value)} characters long; at most {self.max} advised"
        return None

    def condition(self, value: str, parent: str, bind: Bind) -> str:
        """Strings longer than ``max``."""
        return f"isinstance({value}, str) and len({value}) > {self.max!r}"


class MinItems(_Rule):
    """An array with at least ``min`` elements."""

    rule: Literal["min_items"]
    min: int = Field(ge=1)
    code: ClassVar[str] = "value.too_few"

    def message(self, value: Any, parent: Any) -> str | None:
        """Arrays shorter than ``min`` break the rule."""
        if isinstance(value, list) and len(value) < self.min:
            return f"has {len(value)} element(s); at least {self.min} required"
        return None

    def condition(self, value: str, parent: str, bind: Bind) -> str:
        """Arrays shorter than ``min``."""
        return f"isinstance({value}, list) and len({value}) < {self.min!r}"


class ExactItems(_Rule):
    """An array with exactly ``count`` elements."""

    rule: Literal["exact_items"]
    count: int = Field(ge=1)
    code: ClassVar[str] = "value.wrong_count"

    def message(self, value: Any, parent: Any) -> str | None:
        """Arrays of any other length break the rule."""
        if isinstance(value, list) and len(value) != self.count:
            return f"has {len(value)} element(s); exactly {self.count} required"
        return None

    def condition(self, value: str, parent: str, bind: Bind) -> str:
        """Arrays of any other length."""
        return f"isinstance({value}, list) and len({value}) != {self.count!r}"


class Contains(_Rule):
    """A string that contains ``text``."""

    rule: Literal["contains"]
    text: str = Field(min_length=1)
    code: ClassVar[str] = "value.missing_text"

    def message(self, value: Any, parent: Any) -> str | None:
        """Strings without ``text`` break the rule."""
        if isinstance(value, str) and self.text not in value:
            return f"must contain {self.text!r}"
        return None

    def condition(self, value: str, parent: str, bind: Bind) -> str:
        """Strings without ``text``."""
        return f"isinstance({value}, str) and {self.text!r} not in {value}"


class Pattern(_Rule):
    """A string that matches ``regex`` from its start."""

    rule: Literal["pattern"]
    regex: str
    code: ClassVar[str] = "value.pattern_mismatch"
    _compiled: re.Pattern[str] = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        """Compile the regex once."""
        self._compiled = re.compile(self.regex)

    @field_validator("regex")
    @classmethod
    def _compiles(cls, regex: str) -> str:
        try:
            re.compile(regex)
        except re.error as exc:  # not a ValueError: pydantic would let it escape
            raise ValueError(f"invalid regex: {exc}") from exc
        return regex

    def message(self, value: Any, parent: Any) -> str | None:
        """Strings that do not match break the rule."""
        return self.checker()(value, parent)

    def checker(self) -> Callable[[Any, Any], str | None]:
        """The compiled regex bound in a closure (no attribute lookups per call)."""
        match, problem = self._compiled.match, f"must match {self.regex}"

        def check(value: Any, parent: Any) -> str | None:
            return problem if isinstance(value, str) and not match(value) else None

        return check

    def condition(self, value: str, parent: str, bind: Bind) -> str:
        """Strings that do not match."""
        return f"isinstance({value}, str) and not {bind(self._compiled.match, 'match')}({value})"


class OneOf(_Rule):
    """A value equal to one of ``values`` (same JSON type, so 0 is not false)."""

    rule: Literal["one_of"]
    values: list[str | int] = Field(min_length=1)
    code: ClassVar[str] = "value.not_allowed"
    _allowed: frozenset[tuple[type, Any]] = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        """Key the allowed values by JSON type too, so that 0 is not false."""
        self._allowed = frozenset((type(v), v) for v in self.values)

    def message(self, value: Any, parent: Any) -> str | None:
        """Any other value breaks the rule."""
        return self.checker()(value, parent)

    def checker(self) -> Callable[[Any, Any], str | None]:
        """The allowed set bound in a closure (no attribute lookups per call)."""
        allowed = self._allowed
        problem = "must be one of " + ", ".join(json.dumps(v) for v in self.values)

        def check(value: Any, parent: Any) -> str | None:
            hashable = value is None or isinstance(value, str | int | float)
            return problem if not hashable or (type(value), value) not in allowed else None

        return check

    def condition(self, value: str, parent: str, bind: Bind) -> str:
        """Values outside the allowed set, compared with their JSON type."""
        allowed, scalar = bind(self._allowed, "allowed"), "(str, int, float)"  # a tuple: faster
        hashable = f"({value} is None or isinstance({value}, {scalar}))"
        return f"not ({hashable} and (type({value}), {value}) in {allowed})"


class MinValue(_Rule):
    """An integer of at least ``min``."""

    rule: Literal["min_value"]
    min: int
    code: ClassVar[str] = "value.too_small"

    def message(self, value: Any, parent: Any) -> str | None:
        """Integers below ``min`` break the rule."""
        if isinstance(value, int) and value < self.min:
            return f"must be at least {self.min}"
        return None

    def condition(self, value: str, parent: str, bind: Bind) -> str:
        """Integers below ``min``."""
        return f"isinstance({value}, int) and {value} < {self.min!r}"


class ValidRegex(_Rule):
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


class MaxValue(_Rule):
    """An integer of at most ``max``."""

    rule: Literal["max_value"]
    max: int
    code: ClassVar[str] = "value.too_large"

    def message(self, value: Any, parent: Any) -> str | None:
        """Integers above ``max`` break the rule."""
        if isinstance(value, int) and value > self.max:
            return f"must be at most {self.max}"
        return None

    def condition(self, value: str, parent: str, bind: Bind) -> str:
        """Integers above ``max``."""
        return f"isinstance({value}, int) and {value} > {self.max!r}"


class EqualWidth(_Rule):
    """Rows of an array with equal lengths, or lines of a text of equal length."""

    rule: Literal["equal_width"]
    code: ClassVar[str] = "value.ragged"

    def message(self, value: Any, parent: Any) -> str | None:
        """Rows or lines of different widths break the rule."""
        if isinstance(value, str):
            widths = {len(line) for line in value.splitlines()}
        elif isinstance(value, list):
            widths = {len(row) for row in value if isinstance(row, list)}
        else:
            return None
        return "rows have different widths" if len(widths) > 1 else None


class NoNumbering(_Rule):
    """A string that does not start with manual numbering (the client numbers)."""

    rule: Literal["no_numbering"]
    code: ClassVar[str] = "value.manual_numbering"

    def message(self, value: Any, parent: Any) -> str | None:
        """Strings such as ``1. Intro`` break the rule."""
        if isinstance(value, str) and MANUAL_NUMBERING.match(value):
            return "starts with manual numbering; the client numbers for you"
        return None

    def condition(self, value: str, parent: str, bind: Bind) -> str:
        """Strings that start with numbering."""
        numbered = bind(MANUAL_NUMBERING.match, "numbered")
        return f"isinstance({value}, str) and {numbered}({value}) is not None"


class Distinct(_Rule):
    """An array of strings with no repeated element."""

    rule: Literal["distinct"]
    code: ClassVar[str] = "value.duplicate"
    several: ClassVar[bool] = True

    def violations(self, value: Any, parent: Any) -> Iterator[Violation]:
        """Yield each element that repeats an earlier one."""
        if not isinstance(value, list):
            return
        seen: set[str] = set()
        for index, element in enumerate(value):
            if isinstance(element, str):
                folded = element.strip().casefold()
                if folded in seen:
                    yield (index,), "repeats an earlier choice"
                seen.add(folded)

    def condition(self, value: str, parent: str, bind: Bind) -> str:
        """Arrays holding a repeated string."""
        return f"isinstance({value}, list) and {bind(_repeats, 'repeats')}({value})"


class IndexInto(_Rule):
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

    def condition(self, value: str, parent: str, bind: Bind) -> str:
        """Integers outside the sibling array, when there is one."""
        target = f"{parent}.get({self.list!r})"
        inside = f"0 <= {value} < len({target})"
        has_target = f"isinstance({parent}, dict) and isinstance({target}, list)"
        return f"isinstance({value}, int) and {has_target} and not {inside}"


class MaxDepth(_Rule):
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

    def condition(self, value: str, parent: str, bind: Bind) -> str:
        """Deeper nesting."""
        levels = bind(node_list_levels, "levels")
        return f"{levels}({value}) - {0 if self.count_root else 1} > {self.max!r}"


class ConsoleMode(_Rule):
    """Console entries of the kind the mode asks for; guided tasks only when interactive.

    It checks the whole widget (``field`` is ``.``), as it relates several fields.
    """

    rule: Literal["console_mode"]
    code: ClassVar[str] = "console.mode_mismatch"
    several: ClassVar[bool] = True
    _KINDS: ClassVar[dict[int, str]] = {0: "scripted", 1: "interactive"}

    def violations(self, value: Any, parent: Any) -> Iterator[Violation]:
        """Yield each entry of the wrong kind, and guided tasks on a scripted console."""
        mode = value.get("mode") if isinstance(value, dict) else None
        expected = self._KINDS.get(mode) if type(mode) is int else None
        entries = value.get("entries") if isinstance(value, dict) else None
        if expected is None or not isinstance(entries, list):
            return
        for index, entry in enumerate(entries):
            if isinstance(entry, dict) and entry.get("kind") != expected:
                yield ("entries", index), f"mode {mode} takes {expected} entries"
        if expected == "scripted" and value.get("guided") is not None:
            yield ("guided",), "guided tasks need the interactive mode (1)"


class LessonObject(_Rule):
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


def _not_json(name: str) -> Any:
    """``json.loads`` hook for ``NaN``, ``Infinity`` and ``-Infinity``: they are not JSON."""
    raise ValueError(f"{name} is not JSON")


class SafeText(_Rule):
    """A text holding no control characters and, unless it is code, no script markup.

    Not written in spec blocks: the loader gives every field that holds strings one,
    of the field's text kind (``"text": "code"`` or prose), see ``domain.catalog.text``.
    Validation's fast path does not check it text by text but collects a lesson's texts
    and tests them at once (``all_plain``), so it has no inline ``condition``.
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


def _repeats(values: list[Any]) -> bool:
    """Whether a string repeats an earlier one (``Distinct``'s test, without locations)."""
    try:  # the common case, strings only, in one set comprehension
        return len({v.strip().casefold() for v in values}) != len(values)
    except AttributeError:  # not only strings: compare the strings among them
        folded = [v.strip().casefold() for v in values if isinstance(v, str)]
        return len(set(folded)) != len(folded)


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


SpecRule = Annotated[
    NonEmpty
    | MaxLength
    | MinItems
    | ExactItems
    | Contains
    | Pattern
    | OneOf
    | MinValue
    | MaxValue
    | ValidRegex
    | EqualWidth
    | NoNumbering
    | Distinct
    | IndexInto
    | MaxDepth
    | ConsoleMode
    | LessonObject,
    Field(discriminator="rule"),
]
"""The rules a spec block may name."""

Rule = SpecRule | SafeText
"""Every rule a widget has: those of its spec block, and those its fields imply."""
