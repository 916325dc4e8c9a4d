"""The full-form lesson of catalog 1.0 (renamed keys, info/tip, the older freeText)."""

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


class Info(StrictModel):
    """``info``: a key-insight callout."""

    type: Literal["info"]
    text: str


class Tip(StrictModel):
    """``tip``: a tactic callout."""

    type: Literal["tip"]
    text: str


class Blank(BlankFields):
    """``blank``: a fill-in-the-blank exercise."""

    type: Literal["blank"]


class Swipe(SwipeFields):
    """``swipe``: a swipe drill."""

    type: Literal["swipe"]


class FreeText(StrictModel):
    """``freeText`` of 1.0: with editable initial ``text`` and a ``mode``."""

    type: Literal["freeText"]
    prompt: str
    seedLocked: str | None = None
    text: str | None = None
    lang: str | None = None
    wordlistCsv: str | None = None
    mode: str | None = None


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


class Section(StrictModel):
    """A titled section of widgets, with optional subsections."""

    section: str
    items: list[Item]
    subsections: list[Section] | None = None


class QuizBlock(StrictModel):
    """A quiz standing as a block."""

    quiz: QuizFields


def _block_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        return "section" if "section" in value else "quiz" if "quiz" in value else None
    return "section" if isinstance(value, Section) else "quiz"


Block = Annotated[
    Annotated[Section, Tag("section")] | Annotated[QuizBlock, Tag("quiz")],
    Discriminator(_block_tag),
]


class Lesson(StrictModel):
    """A DLE lesson of catalog 1.0, in full form."""

    schema_version: Literal["1.0"]
    title: str
    blocks: list[Block]
