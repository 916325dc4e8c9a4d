"""What a generation request asks for, and the Intermediate Data Model (IDM) it gathers.

The IDM is what the Gatherer model produces and the Structurer turns into a lesson; it
is what gets cached and reused for variants (another length, level or version).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.catalog.text import text_problem

LearnerLevel = Literal["Newbie", "Beginner", "Intermediate", "Expert"]
LessonLength = Literal["Highlights", "Detailed", "Training"]
Mode = Literal["fast", "balanced", "best"]

# How many sections each length asks for (documented in the README and the prompts).
SECTIONS_BY_LENGTH: dict[str, int] = {"Highlights": 3, "Detailed": 6, "Training": 10}
TOPIC_MAX_LENGTH = 200
PROMPT_MAX_LENGTH = 300


def normalize_topic(topic: str) -> str:
    """The topic trimmed; ValueError if empty, longer than 200 or not one line of text.

    A topic follows the rule of a lesson's title (``domain.catalog.text``, kind
    ``line``): no control characters, bidi overrides or script markup. It reaches the
    prompts, the stored record and every listing.
    """
    trimmed = topic.strip()
    if not trimmed:
        raise ValueError("the topic is empty")
    return _one_line(trimmed, "topic", TOPIC_MAX_LENGTH)


def normalize_prompt(prompt: str | None) -> str | None:
    """Extra guidance for a lesson, trimmed; None when absent or blank.

    ValueError if longer than 300 characters or not one line of text: the topic's rule,
    as the guidance reaches the Gatherer's prompt beside it.
    """
    trimmed = (prompt or "").strip()
    return _one_line(trimmed, "prompt", PROMPT_MAX_LENGTH) if trimmed else None


def _one_line(trimmed: str, name: str, max_length: int) -> str:
    if len(trimmed) > max_length:
        raise ValueError(f"the {name} is longer than {max_length} characters")
    problem = text_problem(trimmed, "line")
    if problem is not None:
        raise ValueError(f"the {name} {problem}")
    return trimmed


class LessonConstraints(BaseModel):
    """The learner and the shape of lesson asked for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    learner_level: LearnerLevel = "Beginner"
    language: str = Field(default="en", min_length=2, max_length=35)
    length: LessonLength = "Detailed"
    mode: Mode = "balanced"

    @property
    def section_count(self) -> int:
        """How many sections the lesson should have."""
        return SECTIONS_BY_LENGTH[self.length]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class Concept(_Strict):
    """A key concept and its definition."""

    name: str
    definition: str


class VocabularyItem(_Strict):
    """A term the learner should know."""

    term: str
    meaning: str


class WorkedExample(_Strict):
    """A problem solved step by step."""

    title: str
    problem: str
    steps: list[str]
    answer: str


class Misconception(_Strict):
    """A common mistake and its correction."""

    misconception: str
    correction: str


class Exercise(_Strict):
    """Practice with its answer and why."""

    prompt: str
    answer: str
    explanation: str
    choices: list[str] | None  # for multiple choice; the answer is one of them


class OutlineSection(_Strict):
    """One planned section of the lesson."""

    title: str
    points: list[str]


class Source(_Strict):
    """A reference the material relies on."""

    title: str
    url: str | None


class IdmMetadata(_Strict):
    """What the material was gathered for."""

    topic: str
    level: LearnerLevel
    language: str
    length: LessonLength


class IntermediateDataModel(_Strict):
    """Everything the Structurer needs to write the lesson, and nothing about widgets."""

    metadata: IdmMetadata
    learning_objectives: list[str]
    key_concepts: list[Concept]
    vocabulary: list[VocabularyItem]
    worked_examples: list[WorkedExample]
    misconceptions: list[Misconception]
    exercises: list[Exercise]
    outline: list[OutlineSection]
    sources: list[Source] | None
