"""Full-form widget models shared by the catalog versions (field names are the catalog's).

Optional fields are ``None`` when not set: that is the canonical full form, and it keeps
the structured-output schema valid for providers' strict mode (nullable, no defaults).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class StrictModel(BaseModel):
    """Strict types (no coercion: 1 is not True, "1" is not 1) and no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Paragraph(StrictModel):
    """``p``: a paragraph."""

    type: Literal["p"]
    text: str


class Warn(StrictModel):
    """``warn``: a pitfall callout."""

    type: Literal["warn"]
    text: str


class Err(StrictModel):
    """``err``: an anti-pattern callout."""

    type: Literal["err"]
    text: str


class Success(StrictModel):
    """``success``: a checkpoint callout."""

    type: Literal["success"]
    text: str


class Flip(StrictModel):
    """``flip``: a flash card."""

    type: Literal["flip"]
    front: str
    back: str
    frontHint: str | None = None
    backHint: str | None = None


class Translation(StrictModel):
    """``tr``: a translation pair."""

    type: Literal["tr"]
    source: str
    target: str


class BulletList(StrictModel):
    """``ul``: a bulleted list."""

    type: Literal["ul"]
    items: list[str]


class OrderedList(StrictModel):
    """``ol``: a numbered list."""

    type: Literal["ol"]
    items: list[str]


class Table(StrictModel):
    """``table``: rows of cells, the first row the header."""

    type: Literal["table"]
    rows: list[list[str]]


class Compare(StrictModel):
    """``compare``: two-column rows, the first row the header."""

    type: Literal["compare"]
    rows: list[list[str]]


class BlankFields(StrictModel):
    """The fields of a fill-in-the-blank exercise."""

    prompt: str
    answer: str
    hint: str
    explanation: str


class Card(StrictModel):
    """A swipe card and the index of its bucket."""

    text: str
    correct: int
    feedback: str


class SwipeFields(StrictModel):
    """The fields of a swipe drill."""

    title: str
    buckets: list[str]
    cards: list[Card]


class InputLine(StrictModel):
    """``inputLine``: a one-line answer box."""

    type: Literal["inputLine"]
    prompt: str
    lang: str | None = None
    wordlistCsv: str | None = None


class FlowStep(StrictModel):
    """A step of a flow."""

    kind: Literal["step"]
    text: str


class FlowChoice(StrictModel):
    """One labelled way out of a branch."""

    label: str
    flow: list[FlowNode]


class FlowBranch(StrictModel):
    """A branch of a flow: labelled choices, each leading to its own flow."""

    kind: Literal["branch"]
    choices: list[FlowChoice]


FlowNode = Annotated[FlowStep | FlowBranch, Field(discriminator="kind")]


class StepFlow(StrictModel):
    """``stepFlow``: a procedure with branches."""

    type: Literal["stepFlow"]
    lead: str
    flow: list[FlowNode]


class AsciiDiagram(StrictModel):
    """``asciiDiagram``: a diagram drawn in text."""

    type: Literal["asciiDiagram"]
    lead: str
    diagram: str


class CheckItem(StrictModel):
    """An item of a checklist."""

    kind: Literal["item"]
    text: str


class CheckGroup(StrictModel):
    """A titled group of checklist nodes."""

    kind: Literal["group"]
    title: str
    children: list[CheckNode]


CheckNode = Annotated[CheckItem | CheckGroup, Field(discriminator="kind")]


class Checklist(StrictModel):
    """``checklist``: a tree of items."""

    type: Literal["checklist"]
    lead: str
    tree: list[CheckNode]


class ScriptedEntry(StrictModel):
    """A command of a scripted console demo."""

    kind: Literal["scripted"]
    command: str
    delayMs: int
    output: str


class InteractiveEntry(StrictModel):
    """A reply of an interactive console to input matching ``pattern``."""

    kind: Literal["interactive"]
    pattern: str
    level: str
    output: str


ConsoleEntry = Annotated[ScriptedEntry | InteractiveEntry, Field(discriminator="kind")]


class GuidedTask(StrictModel):
    """A task of an interactive console and the command that solves it."""

    task: str
    solutionCommand: str


class Console(StrictModel):
    """``console``: a terminal, scripted (mode 0) or interactive (mode 1)."""

    type: Literal["console"]
    lead: str
    mode: int
    entries: list[ConsoleEntry]
    guided: list[GuidedTask] | None = None


class CodeViewer(StrictModel):
    """``codeviewer``: a code listing; an object is shown as JSON."""

    type: Literal["codeviewer"]
    code: str | dict[str, Any]
    language: str
    editable: bool | None = None
    textareaId: str | None = None


class TreeView(StrictModel):
    """``treeview``: a lesson shown as a tree."""

    type: Literal["treeview"]
    lesson: str | dict[str, Any]
    title: str | None = None
    textareaId: str | None = None
    editorId: str | None = None


class Question(StrictModel):
    """A multiple-choice question; ``a`` is the 0-based index of the right choice."""

    q: str
    c: list[str]
    a: int
    e: str


class QuizFields(StrictModel):
    """The payload of a quiz, as a widget and as a block."""

    title: str
    questions: list[Question]
