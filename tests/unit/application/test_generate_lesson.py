"""GenerateLesson with fakes of its ports: the orchestration rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from adapters.llm.offline import sample_idm, sample_lesson
from application.errors import (
    InvalidLessonError,
    InvalidRequestError,
    StructuredOutputUnavailableError,
)
from application.ports.generation import Gathered, ModelRoute, RepairRecord, Structured
from application.records import LessonChanges, LessonQuery, LessonRecord, Page, StepUsage
from application.use_cases.generate_lesson import GenerateLesson, GenerateRequest
from domain.conversion.forms import expand
from domain.generation import IntermediateDataModel, LessonConstraints
from domain.validation.result import Issue
from tests.support.fakes import FakeClock

ROUTE = ModelRoute("fake", "fake-model")


class Counting:
    def __init__(self, outputs: list[Any] | None = None, refuse_route: bool = False) -> None:
        self.outputs = outputs or []
        self.calls: list[Any] = []
        self.refuse_route = refuse_route

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        if self.refuse_route:
            raise StructuredOutputUnavailableError("no structured output")
        return ROUTE

    def _next(self, step: str, *args: Any) -> Any:
        self.calls.append(args)
        return self.outputs.pop(0), StepUsage(step, "fake", "fake-model", 10, 20, 5, 0.001)


class FakeGatherer(Counting):
    async def gather(self, topic: str, constraints: LessonConstraints) -> Gathered:
        return Gathered(*self._next("gatherer", topic, constraints))


class FakeStructurer(Counting):
    async def structure(
        self, idm: IntermediateDataModel, constraints: LessonConstraints, schema_version: str
    ) -> Structured:
        return Structured(*self._next("structurer", idm, schema_version))


class FakeRepairer(Counting):
    async def repair(
        self,
        lesson: Any,
        errors: tuple[Issue, ...],
        constraints: LessonConstraints,
        schema_version: str,
    ) -> Structured:
        return Structured(*self._next("repair", lesson, errors))


class MemoryLessons:
    def __init__(self) -> None:
        self.saved: list[LessonRecord] = []

    async def save(self, record: LessonRecord) -> None:
        self.saved.append(record)

    async def get(self, lesson_id: str) -> LessonRecord:
        raise NotImplementedError

    async def list_summaries(self, query: LessonQuery) -> Page:
        raise NotImplementedError

    async def update(
        self, lesson_id: str, expected_version: int, changes: LessonChanges
    ) -> LessonRecord:
        raise NotImplementedError

    async def ping(self) -> None:
        return


class MemoryRepairs:
    def __init__(self) -> None:
        self.records: list[RepairRecord] = []

    async def record(self, repair: RepairRecord) -> None:
        self.records.append(repair)


class Ids:
    def lesson_id(self) -> str:
        return "11111111-1111-4111-8111-111111111111"

    def token(self) -> str:
        return "token"


IDM = sample_idm("Tides", LessonConstraints())
VALID = expand(sample_lesson(IDM, "1.1"))
INVALID = {**VALID, "title": ""}


@dataclass
class Parts:
    gatherer: FakeGatherer
    structurer: FakeStructurer
    repairer: FakeRepairer
    lessons: MemoryLessons
    repairs: MemoryRepairs


def build(
    structured: list[Any],
    repaired: list[Any] | None = None,
    *,
    repair: bool = True,
    refuse: bool = False,
) -> tuple[GenerateLesson, Parts]:
    parts = Parts(
        FakeGatherer([IDM]),
        FakeStructurer(structured, refuse_route=refuse),
        FakeRepairer(repaired or []),
        MemoryLessons(),
        MemoryRepairs(),
    )
    use_case = GenerateLesson(
        parts.gatherer, parts.structurer, parts.repairer, parts.lessons, parts.repairs,
        FakeClock(), Ids(), repair_enabled=repair, prompt_version="v1-test",
    )  # fmt: skip
    return use_case, parts


async def test_a_valid_lesson_takes_two_calls_and_is_stored_with_its_meta() -> None:
    use_case, parts = build([VALID])
    generated = await use_case(GenerateRequest("  Tides  "))
    assert len(parts.gatherer.calls) == len(parts.structurer.calls) == 1
    assert parts.repairer.calls == []
    (record,) = parts.lessons.saved
    assert record.topic == "Tides"  # trimmed
    assert record.status == "ok"
    assert record.meta.cost_usd == pytest.approx(0.002)
    assert record.prompt_version == "v1-test"
    assert generated.lesson == VALID


async def test_one_repair_with_every_error_then_stored() -> None:
    use_case, parts = build([INVALID], [VALID])
    generated = await use_case(GenerateRequest("Tides"))
    ((_, errors),) = parts.repairer.calls
    assert [e.code for e in errors] == ["value.empty"]
    assert generated.record.meta.repaired is True
    assert [u.step for u in generated.record.meta.usage] == ["gatherer", "structurer", "repair"]
    assert [r.outcome for r in parts.repairs.records] == ["valid"]
    assert len(parts.lessons.saved) == 1


async def test_still_invalid_after_repair_stores_nothing() -> None:
    use_case, parts = build([INVALID], [INVALID])
    with pytest.raises(InvalidLessonError):
        await use_case(GenerateRequest("Tides"))
    assert parts.lessons.saved == []
    assert [r.outcome for r in parts.repairs.records] == ["invalid"]


async def test_repair_off_fails_without_a_third_call() -> None:
    use_case, parts = build([INVALID], repair=False)
    with pytest.raises(InvalidLessonError):
        await use_case(GenerateRequest("Tides"))
    assert parts.repairer.calls == []
    assert parts.lessons.saved == []


@pytest.mark.parametrize("topic", ["", "   ", "x" * 201, "bad\x00topic", "tab\tinside"])
async def test_bad_topics_are_refused_before_any_call(topic: str) -> None:
    use_case, parts = build([VALID])
    with pytest.raises(InvalidRequestError):
        await use_case(GenerateRequest(topic))
    assert parts.gatherer.calls == []


async def test_unknown_schema_versions_and_unusable_routes_fail_before_any_call() -> None:
    use_case, parts = build([VALID])
    with pytest.raises(InvalidRequestError):
        await use_case(GenerateRequest("Tides", schema_version="2.0"))
    use_case, parts = build([VALID], refuse=True)
    with pytest.raises(StructuredOutputUnavailableError):
        await use_case(GenerateRequest("Tides"))
    assert parts.gatherer.calls == []
