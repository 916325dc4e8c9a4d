"""The model steps of the pipeline, and where repair records go."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
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

    async def gather(
        self, topic: str, constraints: LessonConstraints, prompt: str | None = None
    ) -> Gathered:
        """Gather the material for a lesson (``prompt``: the requester's extra guidance)."""
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
    """One repair: the dataset for later fine-tuning.

    ``constraints`` are the request's (the Structurer's prompt is filled from them, not
    from the material's own metadata, which a reused IDM may not share); records made
    before they were kept have ``None``. ``owner`` is the owner of the generation it
    repaired (``application.principal``): the record is that owner's data, read back,
    erased and handed over with its lessons. Stores keep it beside the record, not in it.
    """

    idm: IntermediateDataModel
    invalid_lesson: Any  # JSON, or the raw text of an unreadable output
    errors: tuple[Issue, ...]
    repaired_lesson: Any  # likewise
    outcome: str  # "valid" | "invalid"
    schema_version: str
    prompt_version: str
    constraints: LessonConstraints | None = None
    owner: str = field(kw_only=True)

    def invalid_output(self) -> Any:
        """The invalid output as the Repairer was given it: JSON, or ``UnreadableOutput``.

        An unreadable output is kept as its raw text; the error that made it unreadable
        (a ``json.*`` code, the first error of its verdict) says so and why.
        """
        unreadable = next((e for e in self.errors if e.code.startswith("json.")), None)
        if unreadable is not None and isinstance(self.invalid_lesson, str):
            return UnreadableOutput(self.invalid_lesson, unreadable.code, unreadable.message)
        return self.invalid_lesson


@runtime_checkable
class RepairLog(Protocol):
    """Keeps repair records."""

    async def record(self, repair: RepairRecord) -> None:
        """Store one repair record, as ``repair.owner``'s."""
        ...


@dataclass(frozen=True, slots=True)
class LoggedRepair:
    """A repair record read back from the log.

    ``record`` is ``None`` when the record cannot be used whole: ``problem`` is then
    ``"truncated"`` (a part was cut to keep it under the size cap) or ``"unreadable"``
    (not a repair record this version can read). ``outcome`` is known either way.
    """

    repair_id: str
    created_at: datetime
    outcome: str
    record: RepairRecord | None
    problem: str | None = None


@runtime_checkable
class RepairLogReader(Protocol):
    """Reads the repair log back (the fine-tuning export), oldest first, page by page.

    The operator's view: every owner's records (an owner's own are read through
    ``application.ports.account.OwnedRepairs``).
    """

    def read(self, since: datetime | None = None) -> AsyncIterator[LoggedRepair]:
        """Every record kept and not expired, made at or after ``since`` (all when ``None``)."""
        ...


@runtime_checkable
class Progress(Protocol):
    """Told as each step starts and ends (the CLI shows it; the API ignores it)."""

    def step(self, name: str, state: str) -> None:
        """``state`` is "start", "done", "skipped" or "failed"."""
        ...
