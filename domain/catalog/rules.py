"""The rule vocabulary that widgets.md spec blocks may use.

A spec block names rules by ``rule`` and gives their parameters; each name maps to one
model (unknown names and parameters are refused when the catalog loads). A rule checks
one value of the full-form widget, located by its ``field`` path, and may look at the
object holding it (``parent``), e.g. a question's choices for its answer index. Each
rule's meaning is written once, in its class: ``value_rules`` (one value's length,
size, text or range) and ``content_rules`` (what a value holds, or how it relates to
others).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from domain.catalog.content_rules import (
    ConsoleMode,
    Distinct,
    IndexInto,
    LessonObject,
    MaxDepth,
    SafeText,
    ValidRegex,
    node_list_levels,
)
from domain.catalog.rule_base import BaseRule, Loc, Violation
from domain.catalog.value_rules import (
    Contains,
    EqualWidth,
    ExactItems,
    MaxLength,
    MaxValue,
    MinItems,
    MinValue,
    NonEmpty,
    NoNumbering,
    OneOf,
    Pattern,
)

__all__ = [
    "BaseRule",
    "ConsoleMode",
    "Contains",
    "Distinct",
    "EqualWidth",
    "ExactItems",
    "IndexInto",
    "LessonObject",
    "Loc",
    "MaxDepth",
    "MaxLength",
    "MaxValue",
    "MinItems",
    "MinValue",
    "NoNumbering",
    "NonEmpty",
    "OneOf",
    "Pattern",
    "Rule",
    "SafeText",
    "SpecRule",
    "ValidRegex",
    "Violation",
    "node_list_levels",
]

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
