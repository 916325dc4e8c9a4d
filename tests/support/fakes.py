"""Test doubles of our own ports (never mocks of libraries), shared by the use-case tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from application.deadline import Deadline, current_deadline
from application.errors import NotFoundError, StructuredOutputUnavailableError
from application.ports.generation import Gathered, ModelRoute, RepairRecord, Structured
from application.records import LessonChanges, LessonQuery, LessonRecord, Page, StepUsage
from domain.generation import IntermediateDataModel, LessonConstraints
from domain.validation.result import Issue

ROUTE = ModelRoute("fake", "fake-model")


class FakeClock:
    """A clock that moves only when told."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | float) -> None:
        self._now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)


class ScriptedStep:
    """A model step answering with ``outputs`` in turn; counts its calls and route lookups."""

    def __init__(self, outputs: list[Any] | None = None, refuse_route: bool = False) -> None:
        self.outputs = outputs or []
        self.calls: list[Any] = []
        self.route_lookups = 0
        self.refuse_route = refuse_route

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        self.route_lookups += 1
        if self.refuse_route:
            raise StructuredOutputUnavailableError("no structured output")
        return ROUTE

    def _next(self, step: str, *args: Any) -> Any:
        self.calls.append(args)
        return self.outputs.pop(0), StepUsage(step, "fake", "fake-model", 10, 20, 5, 0.001)


class FakeGatherer(ScriptedStep):
    async def gather(
        self, topic: str, constraints: LessonConstraints, prompt: str | None = None
    ) -> Gathered:
        return Gathered(*self._next("gatherer", topic, constraints, prompt))


class FakeStructurer(ScriptedStep):
    async def structure(
        self, idm: IntermediateDataModel, constraints: LessonConstraints, schema_version: str
    ) -> Structured:
        return Structured(*self._next("structurer", idm, schema_version))


class FakeRepairer(ScriptedStep):
    async def repair(
        self,
        lesson: Any,
        errors: tuple[Issue, ...],
        constraints: LessonConstraints,
        schema_version: str,
    ) -> Structured:
        return Structured(*self._next("repair", lesson, errors))


class MemoryLessons:
    """A LessonRepository that keeps what is saved, and finds it by id."""

    def __init__(self) -> None:
        self.saved: list[LessonRecord] = []

    async def save(self, record: LessonRecord) -> None:
        self.saved.append(record)

    async def get(self, owner: str, lesson_id: str) -> LessonRecord:
        for record in self.saved:
            if (record.owner, record.lesson_id) == (owner, lesson_id):
                return record
        raise NotFoundError(f"no lesson {lesson_id}")

    async def list_summaries(self, owner: str, query: LessonQuery) -> Page:
        raise NotImplementedError

    async def update(
        self, owner: str, lesson_id: str, expected_version: int, changes: LessonChanges
    ) -> LessonRecord:
        raise NotImplementedError

    async def delete(
        self, owner: str, lesson_id: str, expected_version: int | None, purge_after: datetime
    ) -> None:
        raise NotImplementedError

    async def erase(self, owner: str, lesson_id: str) -> None:
        raise NotImplementedError

    async def owned(self, owner: str, limit: int) -> tuple[str, ...]:
        raise NotImplementedError

    async def reassign(self, lesson_id: str, from_owner: str, to_owner: str) -> bool:
        raise NotImplementedError

    async def count(self, owner: str) -> int:
        raise NotImplementedError

    async def ping(self) -> None:
        return


class MemoryRepairs:
    """A RepairLog that keeps every record."""

    def __init__(self) -> None:
        self.records: list[RepairRecord] = []

    async def record(self, repair: RepairRecord) -> None:
        self.records.append(repair)


class FixedIds:
    """The same lesson id and token every time."""

    def lesson_id(self) -> str:
        return "11111111-1111-4111-8111-111111111111"

    def token(self) -> str:
        return "token"


class RecordingProgress:
    """A Progress that keeps every (step, state) it is told, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def step(self, name: str, state: str) -> None:
        self.events.append((name, state))


class Monotonic:
    """A monotonic clock the fake steps move forward, as slow model calls would."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Slow:
    """Wraps a fake step: each call takes ``seconds`` and notes the deadline it ran under."""

    def __init__(self, inner: Any, clock: Monotonic, seconds: float) -> None:
        self.inner, self.clock, self.seconds = inner, clock, seconds
        self.deadlines: list[Deadline | None] = []

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        return ROUTE

    def __getattr__(self, name: str) -> Any:
        call = getattr(self.inner, name)

        async def timed(*args: Any) -> Any:
            self.deadlines.append(current_deadline())
            self.clock.now += self.seconds
            return await call(*args)

        return timed
