"""The full-form lesson of catalog 1.0 (renamed keys, info/tip, the older freeText)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag
from typing_extensions import TypedDict

from domain.lesson.widgets import (
    AsciiDiagram,
    BlankFields,
    BulletList,
    Checklist,
    CodeViewer,
    Compare,
    Console,
    Err,
    Flip,
    OrderedList,
    Paragraph,
    QuizFields,
    StepFlow,
    Success,
    SwipeFields,
    Table,
    Translation,
    TreeView,
    Warn,
    strict,
)


@strict
class Info(TypedDict):
    """``info``: a key-insight callout."""

    type: Literal["info"]
    text: str


@strict
class Tip(TypedDict):
    """``tip``: a tactic callout."""

    type: Literal["tip"]
    text: str


@strict
class Blank(BlankFields):
    """``blank``: a fill-in-the-blank exercise."""

    type: Literal["blank"]


@strict
class Swipe(SwipeFields):
    """``swipe``: a swipe drill."""

    type: Literal["swipe"]


@strict
class FreeText(TypedDict):
    """``freeText`` of 1.0: with editable initial ``text`` and a ``mode``."""

    type: Literal["freeText"]
    prompt: str
    seedLocked: str | None
    text: str | None
    lang: str | None
    wordlistCsv: str | None
    mode: str | None


@strict
class Quiz(QuizFields):
    """``quiz``: multiple-choice questions."""

    type: Literal["quiz"]


Item = Annotated[
    Paragraph
    | Warn
    | Err
    | Success
    | Info
    | Tip
    | Flip
    | Translation
    | Blank
    | BulletList
    | OrderedList
    | Table
    | Compare
    | Swipe
    | FreeText
    | StepFlow
    | AsciiDiagram
    | Checklist
    | Console
    | CodeViewer
    | TreeView
    | Quiz,
    Field(discriminator="type"),
]


@strict
class Section(TypedDict):
    """A titled section of widgets, with optional subsections."""

    section: str
    items: list[Item]
    subsections: list[Section] | None


@strict
class QuizBlock(TypedDict):
    """A quiz standing as a block."""

    quiz: QuizFields


def _block_tag(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    return "section" if "section" in value else "quiz" if "quiz" in value else None


Block = Annotated[
    Annotated[Section, Tag("section")] | Annotated[QuizBlock, Tag("quiz")],
    Discriminator(_block_tag),
]


@strict
class Lesson(TypedDict):
    """A DLE lesson of catalog 1.0, in full form."""

    schema_version: Literal["1.0"]
    title: str
    blocks: list[Block]
