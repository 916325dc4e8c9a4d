"""The full-form lesson of catalog 1.1."""

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
    InputLine,
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
class FillBlank(BlankFields):
    """``fillblank``: a fill-in-the-blank exercise."""

    type: Literal["fillblank"]


@strict
class SwipeCards(SwipeFields):
    """``swipecards``: a swipe drill."""

    type: Literal["swipecards"]


@strict
class FreeText(TypedDict):
    """``freeText``: a free-text answer box."""

    type: Literal["freeText"]
    prompt: str
    seedLocked: str | None
    lang: str | None
    wordlistCsv: str | None


@strict
class Mcqs(QuizFields):
    """``mcqs``: multiple-choice questions."""

    type: Literal["mcqs"]


Item = Annotated[
    Paragraph
    | Warn
    | Err
    | Success
    | Flip
    | Translation
    | FillBlank
    | BulletList
    | OrderedList
    | Table
    | Compare
    | SwipeCards
    | FreeText
    | InputLine
    | StepFlow
    | AsciiDiagram
    | Checklist
    | Console
    | CodeViewer
    | TreeView
    | Mcqs,
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

    mcqs: QuizFields


def _block_tag(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    return "section" if "section" in value else "mcqs" if "mcqs" in value else None


Block = Annotated[
    Annotated[Section, Tag("section")] | Annotated[QuizBlock, Tag("mcqs")],
    Discriminator(_block_tag),
]


@strict
class Lesson(TypedDict):
    """A DLE lesson of catalog 1.1, in full form."""

    schema_version: Literal["1.1"]
    title: str
    blocks: list[Block]
