"""Full-form widget models shared by the catalog versions (field names are the catalog's).

The document models are TypedDicts that pydantic validates: strict types (no coercion:
1 is not True, "1" is not 1) and no unknown fields, every one marked with ``strict``.
They validate into plain JSON data, which is what every user of a lesson wants (the
store, the API, the converters), and about 40% faster than into model instances.

Every field is present; optional fields are ``None`` when not set. That is the canonical
full form, and it keeps the structured-output schema valid for providers' strict mode
(nullable, no defaults).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

strict = with_config(ConfigDict(strict=True, extra="forbid"))


@strict
class Paragraph(TypedDict):
    """``p``: a paragraph."""

    type: Literal["p"]
    text: str


@strict
class Warn(TypedDict):
    """``warn``: a pitfall callout."""

    type: Literal["warn"]
    text: str


@strict
class Err(TypedDict):
    """``err``: an anti-pattern callout."""

    type: Literal["err"]
    text: str


@strict
class Success(TypedDict):
    """``success``: a checkpoint callout."""

    type: Literal["success"]
    text: str


@strict
class Flip(TypedDict):
    """``flip``: a flash card."""

    type: Literal["flip"]
    front: str
    back: str
    frontHint: str | None
    backHint: str | None


@strict
class Translation(TypedDict):
    """``tr``: a translation pair."""

    type: Literal["tr"]
    source: str
    target: str


@strict
class BulletList(TypedDict):
    """``ul``: a bulleted list."""

    type: Literal["ul"]
    items: list[str]


@strict
class OrderedList(TypedDict):
    """``ol``: a numbered list."""

    type: Literal["ol"]
    items: list[str]


@strict
class Table(TypedDict):
    """``table``: rows of cells, the first row the header."""

    type: Literal["table"]
    rows: list[list[str]]


@strict
class Compare(TypedDict):
    """``compare``: two-column rows, the first row the header."""

    type: Literal["compare"]
    rows: list[list[str]]


@strict
class BlankFields(TypedDict):
    """The fields of a fill-in-the-blank exercise."""

    prompt: str
    answer: str
    hint: str
    explanation: str


@strict
class Card(TypedDict):
    """A swipe card and the index of its bucket."""

    text: str
    correct: int
    feedback: str


@strict
class SwipeFields(TypedDict):
    """The fields of a swipe drill."""

    title: str
    buckets: list[str]
    cards: list[Card]


@strict
class InputLine(TypedDict):
    """``inputLine``: a one-line answer box."""

    type: Literal["inputLine"]
    prompt: str
    lang: str | None
    wordlistCsv: str | None


@strict
class FlowStep(TypedDict):
    """A step of a flow."""

    kind: Literal["step"]
    text: str


@strict
class FlowChoice(TypedDict):
    """One labelled way out of a branch."""

    label: str
    flow: list[FlowNode]


@strict
class FlowBranch(TypedDict):
    """A branch of a flow: labelled choices, each leading to its own flow."""

    kind: Literal["branch"]
    choices: list[FlowChoice]


FlowNode = Annotated[FlowStep | FlowBranch, Field(discriminator="kind")]


@strict
class StepFlow(TypedDict):
    """``stepFlow``: a procedure with branches."""

    type: Literal["stepFlow"]
    lead: str
    flow: list[FlowNode]


@strict
class AsciiDiagram(TypedDict):
    """``asciiDiagram``: a diagram drawn in text."""

    type: Literal["asciiDiagram"]
    lead: str
    diagram: str


@strict
class CheckItem(TypedDict):
    """An item of a checklist."""

    kind: Literal["item"]
    text: str


@strict
class CheckGroup(TypedDict):
    """A titled group of checklist nodes."""

    kind: Literal["group"]
    title: str
    children: list[CheckNode]


CheckNode = Annotated[CheckItem | CheckGroup, Field(discriminator="kind")]


@strict
class Checklist(TypedDict):
    """``checklist``: a tree of items."""

    type: Literal["checklist"]
    lead: str
    tree: list[CheckNode]


@strict
class ScriptedEntry(TypedDict):
    """A command of a scripted console demo."""

    kind: Literal["scripted"]
    command: str
    delayMs: int
    output: str


@strict
class InteractiveEntry(TypedDict):
    """A reply of an interactive console to input matching ``pattern``."""

    kind: Literal["interactive"]
    pattern: str
    level: str
    output: str


ConsoleEntry = Annotated[ScriptedEntry | InteractiveEntry, Field(discriminator="kind")]


@strict
class GuidedTask(TypedDict):
    """A task of an interactive console and the command that solves it."""

    task: str
    solutionCommand: str


@strict
class Console(TypedDict):
    """``console``: a terminal, scripted (mode 0) or interactive (mode 1)."""

    type: Literal["console"]
    lead: str
    mode: int
    entries: list[ConsoleEntry]
    guided: list[GuidedTask] | None


@strict
class CodeViewer(TypedDict):
    """``codeviewer``: a code listing; an object is shown as JSON."""

    type: Literal["codeviewer"]
    code: str | dict[str, Any]
    language: str
    editable: bool | None
    textareaId: str | None


@strict
class TreeView(TypedDict):
    """``treeview``: a lesson shown as a tree."""

    type: Literal["treeview"]
    lesson: str | dict[str, Any]
    title: str | None
    textareaId: str | None
    editorId: str | None


@strict
class Question(TypedDict):
    """A multiple-choice question; ``a`` is the 0-based index of the right choice."""

    q: str
    c: list[str]
    a: int
    e: str


@strict
class QuizFields(TypedDict):
    """The payload of a quiz, as a widget and as a block."""

    title: str
    questions: list[Question]
