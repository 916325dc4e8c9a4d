"""The model steps of the pipeline, and where repair records go."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from application.records import StepUsage
from domain.generation import IntermediateDataModel, LessonConstraints
from domain.validation.result import Issue


@dataclass(frozen=True, slots=True)
class Gathered:
    """The IDM a Gatherer produced, and what the call used."""

    idm: IntermediateDataModel
    usage: StepUsage


@dataclass(frozen=True, slots=True)
class UnreadableOutput:
    """Lesson output that could not be read as strict JSON: it cannot be validated, only repaired.

    ``text`` is the model's raw output (truncated, safe to store and send back), ``code``
    a stable ``json.*`` word and ``problem`` what is wrong, for the repair call.
    """

    text: str
    code: str
    problem: str


@dataclass(frozen=True, slots=True)
class Structured:
    """A lesson payload (full form, unvalidated) or ``UnreadableOutput``, and what the call used."""

    lesson: Any
    usage: StepUsage


@dataclass(frozen=True, slots=True)
class ModelRoute:
    """Which provider and model serve a step."""

    provider: str
    model: str


@runtime_checkable
class Gatherer(Protocol):
    """Topic and constraints in, IDM out (one model call).

    The model steps run inside the generation's deadline (``application.deadline``): no
    call or retry of theirs may outlast ``current_deadline()``.
    """

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        """The provider and model this step will use (raises if it cannot do the step)."""
        ...

    async def gather(self, topic: str, constraints: LessonConstraints) -> Gathered:
        """Gather the material for a lesson."""
        ...


@runtime_checkable
class Structurer(Protocol):
    """IDM in, full-form lesson of a catalog version out (one structured-output call)."""

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        """The provider and model this step will use (raises if it cannot do the step)."""
        ...

    async def structure(
        self, idm: IntermediateDataModel, constraints: LessonConstraints, schema_version: str
    ) -> Structured:
        """Write the lesson."""
        ...


@runtime_checkable
class Repairer(Protocol):
    """An invalid lesson and all its errors in, a corrected lesson out (one call)."""

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        """The provider and model this step will use (raises if it cannot do the step)."""
        ...

    async def repair(
        self,
        lesson: Any,
        errors: tuple[Issue, ...],
        constraints: LessonConstraints,
        schema_version: str,
    ) -> Structured:
        """Fix the lesson (JSON, or the ``UnreadableOutput`` of the step before)."""
        ...


@dataclass(frozen=True, slots=True)
class RepairRecord:
    """One repair: the dataset for later fine-tuning."""

    idm: IntermediateDataModel
    invalid_lesson: Any  # JSON, or the raw text of an unreadable output
    errors: tuple[Issue, ...]
    repaired_lesson: Any  # likewise
    outcome: str  # "valid" | "invalid"
    schema_version: str
    prompt_version: str


@runtime_checkable
class RepairLog(Protocol):
    """Keeps repair records."""

    async def record(self, repair: RepairRecord) -> None:
        """Store one repair record."""
        ...


@runtime_checkable
class Progress(Protocol):
    """Told as each step starts and ends (the CLI shows it; the API ignores it)."""

    def step(self, name: str, state: str) -> None:
        """``state`` is "start", "done", "skipped" or "failed"."""
        ...
