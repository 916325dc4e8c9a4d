"""Rules on one value: its length, its size, its text, its range.

Each rule checks one value of the full-form widget (see ``rule_base``); the spec names it
by ``rule`` (``domain.catalog.rules`` lists them all).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, ClassVar, Literal

from pydantic import Field, PrivateAttr, field_validator

from domain.catalog.numbering import MANUAL_NUMBERING
from domain.catalog.rule_base import BaseRule


class NonEmpty(BaseRule):
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


class MaxLength(BaseRule):
    """A string of at most ``max`` characters."""

    rule: Literal["max_length"]
    max: int = Field(ge=1)
    code: ClassVar[str] = "value.too_long"

    def message(self, value: Any, parent: Any) -> str | None:
        """Strings longer than ``max`` break the rule."""
        if isinstance(value, str) and len(value) > self.max:
            return f"is {len(value)} characters long; at most {self.max} advised"
        return None


class MinItems(BaseRule):
    """An array with at least ``min`` elements."""

    rule: Literal["min_items"]
    min: int = Field(ge=1)
    code: ClassVar[str] = "value.too_few"

    def message(self, value: Any, parent: Any) -> str | None:
        """Arrays shorter than ``min`` break the rule."""
        if isinstance(value, list) and len(value) < self.min:
            return f"has {len(value)} element(s); at least {self.min} required"
        return None


class ExactItems(BaseRule):
    """An array with exactly ``count`` elements."""

    rule: Literal["exact_items"]
    count: int = Field(ge=1)
    code: ClassVar[str] = "value.wrong_count"

    def message(self, value: Any, parent: Any) -> str | None:
        """Arrays of any other length break the rule."""
        if isinstance(value, list) and len(value) != self.count:
            return f"has {len(value)} element(s); exactly {self.count} required"
        return None


class Contains(BaseRule):
    """A string that contains ``text``."""

    rule: Literal["contains"]
    text: str = Field(min_length=1)
    code: ClassVar[str] = "value.missing_text"

    def message(self, value: Any, parent: Any) -> str | None:
        """Strings without ``text`` break the rule."""
        if isinstance(value, str) and self.text not in value:
            return f"must contain {self.text!r}"
        return None


class Pattern(BaseRule):
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


class OneOf(BaseRule):
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


class MinValue(BaseRule):
    """An integer of at least ``min``."""

    rule: Literal["min_value"]
    min: int
    code: ClassVar[str] = "value.too_small"

    def message(self, value: Any, parent: Any) -> str | None:
        """Integers below ``min`` break the rule."""
        if isinstance(value, int) and value < self.min:
            return f"must be at least {self.min}"
        return None


class MaxValue(BaseRule):
    """An integer of at most ``max``."""

    rule: Literal["max_value"]
    max: int
    code: ClassVar[str] = "value.too_large"

    def message(self, value: Any, parent: Any) -> str | None:
        """Integers above ``max`` break the rule."""
        if isinstance(value, int) and value > self.max:
            return f"must be at most {self.max}"
        return None


class NoNumbering(BaseRule):
    """A string that does not start with manual numbering (the client numbers)."""

    rule: Literal["no_numbering"]
    code: ClassVar[str] = "value.manual_numbering"

    def message(self, value: Any, parent: Any) -> str | None:
        """Strings such as ``1. Intro`` break the rule."""
        if isinstance(value, str) and MANUAL_NUMBERING.match(value):
            return "starts with manual numbering; the client numbers for you"
        return None


class EqualWidth(BaseRule):
    """Rows of an array with equal lengths, or lines of a text of equal length."""

    rule: Literal["equal_width"]
    code: ClassVar[str] = "value.ragged"

    def message(self, value: Any, parent: Any) -> str | None:
        """Rows or lines of different widths break the rule."""
        if isinstance(value, str):
            widths = set(map(len, value.splitlines()))
        elif isinstance(value, list):
            widths = {len(row) for row in value if isinstance(row, list)}
        else:
            return None
        return "rows have different widths" if len(widths) > 1 else None
