"""What a generation request asks for, and the Intermediate Data Model (IDM) it gathers.

The IDM is what the Gatherer model produces and the Structurer turns into a lesson; it
is what gets cached and reused for variants (another length, level or version).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from domain.values.constraints import (
    DEFAULT_LANGUAGE,
    DEFAULT_LEARNER_LEVEL,
    DEFAULT_LESSON_LENGTH,
    DEFAULT_MODE,
    LANGUAGE_MAX_LENGTH,
    LANGUAGE_MIN_LENGTH,
    LearnerLevel,
    LessonLength,
    Mode,
)

# How many sections each length asks for (documented in the README and the prompts).
SECTIONS_BY_LENGTH: dict[str, int] = {"Highlights": 3, "Detailed": 6, "Training": 10}


class LessonConstraints(BaseModel):
    """The learner and the shape of lesson asked for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    learner_level: LearnerLevel = DEFAULT_LEARNER_LEVEL
    # Stored requests (repair records) are read back with it: the pattern is checked
    # where a request is accepted (``domain.values.constraints.language``), not here.
    language: str = Field(
        default=DEFAULT_LANGUAGE, min_length=LANGUAGE_MIN_LENGTH, max_length=LANGUAGE_MAX_LENGTH
    )
    length: LessonLength = DEFAULT_LESSON_LENGTH
    mode: Mode = DEFAULT_MODE

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
