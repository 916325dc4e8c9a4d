"""GenerateLesson with fakes of its ports: the orchestration rules."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from adapters.llm.offline import sample_idm, sample_lesson
from application.deadline import Deadline, current_deadline
from application.errors import (
    InvalidLessonError,
    InvalidModelOutputError,
    InvalidRequestError,
    ProviderTimeoutError,
    StructuredOutputUnavailableError,
)
from application.ports.generation import (
    Gathered,
    ModelRoute,
    RepairRecord,
    Structured,
    UnreadableOutput,
)
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
        deadline=timedelta(seconds=150),
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


# One deadline per generation ------------------------------------------------------------


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


def build_slow(
    structured: list[Any], repaired: list[Any], seconds: float, budget: float
) -> tuple[GenerateLesson, Parts, list[Slow]]:
    clock = Monotonic()
    _, parts = build(structured, repaired)
    steps = [
        Slow(step, clock, seconds) for step in (parts.gatherer, parts.structurer, parts.repairer)
    ]
    use_case = GenerateLesson(
        steps[0], steps[1], steps[2], parts.lessons, parts.repairs,
        FakeClock(), Ids(), prompt_version="v1-test", deadline=timedelta(seconds=budget),
        monotonic=clock,
    )  # fmt: skip
    return use_case, parts, steps


async def test_every_step_runs_under_the_one_deadline_of_its_generation() -> None:
    use_case, parts, steps = build_slow([INVALID], [VALID], seconds=10, budget=150)
    await use_case(GenerateRequest("Tides"))
    (gather,), (structure,), (repair,) = (step.deadlines for step in steps)
    assert gather is not None
    assert gather is structure is repair  # one budget, not one per step
    assert gather.budget == timedelta(seconds=150)
    assert gather.remaining() == 150 - 30
    assert current_deadline() is None  # it ends with the generation
    assert len(parts.lessons.saved) == 1


async def test_a_generation_that_ends_past_its_deadline_stores_nothing() -> None:
    use_case, parts, _ = build_slow([INVALID], [VALID], seconds=60, budget=150)
    with pytest.raises(ProviderTimeoutError) as info:
        await use_case(GenerateRequest("Tides"))
    assert "deadline of 150 s" in str(info.value)
    assert parts.lessons.saved == []


# Output validation cannot judge ------------------------------------------------------------

NOT_JSON = UnreadableOutput('{"title": NaN}', "json.malformed", "not valid JSON: NaN")


async def test_unreadable_output_is_repaired_with_its_raw_text_and_why() -> None:
    use_case, parts = build([NOT_JSON], [VALID])
    generated = await use_case(GenerateRequest("Tides"))
    ((lesson, errors),) = parts.repairer.calls
    assert lesson == NOT_JSON
    assert [(e.path, e.code, e.message) for e in errors] == [
        ("", "json.malformed", "not valid JSON: NaN")
    ]
    assert generated.record.meta.repaired is True
    (record,) = parts.repairs.records
    assert (record.invalid_lesson, record.outcome) == (NOT_JSON.text, "valid")


@pytest.mark.parametrize(
    ("structured", "repaired", "code"),
    [
        (NOT_JSON, NOT_JSON, "invalid_model_output"),
        (INVALID, NOT_JSON, "invalid_model_output"),
        (NOT_JSON, INVALID, "invalid_after_repair"),  # what failed last is a readable lesson
    ],
)
async def test_the_code_says_how_the_last_output_failed(
    structured: Any, repaired: Any, code: str
) -> None:
    use_case, parts = build([structured], [repaired])
    with pytest.raises(InvalidLessonError) as info:
        await use_case(GenerateRequest("Tides"))
    assert info.value.code == code
    assert parts.lessons.saved == []
    (record,) = parts.repairs.records
    assert record.outcome == "invalid"
    assert all(
        isinstance(value, dict | str) for value in (record.invalid_lesson, record.repaired_lesson)
    )


async def test_unreadable_output_with_repair_off_is_invalid_model_output() -> None:
    use_case, parts = build([NOT_JSON], repair=False)
    with pytest.raises(InvalidModelOutputError):
        await use_case(GenerateRequest("Tides"))
    assert parts.repairer.calls == []
    assert parts.lessons.saved == []


def with_pattern(pattern: str) -> dict[str, Any]:
    lesson = copy.deepcopy(VALID)
    console = {"type": "console", "lead": "Try", "mode": 1, "guided": None,
               "entries": [{"kind": "interactive", "pattern": pattern, "level": "ok", "output": "x"}]}  # fmt: skip
    lesson["blocks"][0]["items"].append(console)
    return lesson


async def test_output_validation_cannot_evaluate_is_repaired_not_a_crash() -> None:
    use_case, parts = build([with_pattern("a{4294967295}")], [VALID])
    generated = await use_case(GenerateRequest("Tides"))
    ((_, errors),) = parts.repairer.calls
    assert errors  # an error the repair call can act on
    assert generated.record.meta.repaired is True
    assert len(parts.lessons.saved) == 1
