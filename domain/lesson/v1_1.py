"""The full-form lesson of catalog 1.1."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag

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
    StrictModel,
    Success,
    SwipeFields,
    Table,
    Translation,
    TreeView,
    Warn,
)


class FillBlank(BlankFields):
    """``fillblank``: a fill-in-the-blank exercise."""

    type: Literal["fillblank"]


class SwipeCards(SwipeFields):
    """``swipecards``: a swipe drill."""

    type: Literal["swipecards"]


class FreeText(StrictModel):
    """``freeText``: a free-text answer box."""

    type: Literal["freeText"]
    prompt: str
    seedLocked: str | None = None
    lang: str | None = None
    wordlistCsv: str | None = None


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


class Section(StrictModel):
    """A titled section of widgets, with optional subsections."""

    section: str
    items: list[Item]
    subsections: list[Section] | None = None


class QuizBlock(StrictModel):
    """A quiz standing as a block."""

    mcqs: QuizFields


def _block_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        return "section" if "section" in value else "mcqs" if "mcqs" in value else None
    return "section" if isinstance(value, Section) else "mcqs"


Block = Annotated[
    Annotated[Section, Tag("section")] | Annotated[QuizBlock, Tag("mcqs")],
    Discriminator(_block_tag),
]


class Lesson(StrictModel):
    """A DLE lesson of catalog 1.1, in full form."""

    schema_version: Literal["1.1"]
    title: str
    blocks: list[Block]
