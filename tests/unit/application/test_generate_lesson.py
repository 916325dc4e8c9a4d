"""GenerateLesson with fakes of its ports: the orchestration rules."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from application.deadline import current_deadline
from application.errors import (
    InvalidLessonError,
    InvalidModelOutputError,
    InvalidRequestError,
    ProviderTimeoutError,
    StructuredOutputUnavailableError,
)
from application.ports.generation import UnreadableOutput
from application.use_cases.generate_lesson import STEPS, GenerateRequest
from domain.catalog.registry import get_registry
from tests.support.fakes import RecordingProgress
from tests.support.generation import BUDGET, INVALID, VALID, pipeline, slow_pipeline


async def test_a_valid_lesson_takes_two_calls_and_is_stored_with_its_meta() -> None:
    use_case, parts = pipeline([VALID])
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
    use_case, parts = pipeline([INVALID], [VALID])
    generated = await use_case(GenerateRequest("Tides"))
    ((_, errors),) = parts.repairer.calls
    assert [e.code for e in errors] == ["value.empty"]
    assert generated.record.meta.repaired is True
    assert [u.step for u in generated.record.meta.usage] == ["gatherer", "structurer", "repair"]
    assert [r.outcome for r in parts.repairs.records] == ["valid"]
    assert len(parts.lessons.saved) == 1


async def test_a_repair_record_belongs_to_the_requests_owner() -> None:
    use_case, parts = pipeline([INVALID], [VALID])
    generated = await use_case(GenerateRequest("Tides", owner="USER#alice"))
    (record,) = parts.repairs.records
    assert record.owner == generated.record.owner == "USER#alice"


async def test_still_invalid_after_repair_stores_nothing() -> None:
    use_case, parts = pipeline([INVALID], [INVALID])
    with pytest.raises(InvalidLessonError):
        await use_case(GenerateRequest("Tides"))
    assert parts.lessons.saved == []
    assert [r.outcome for r in parts.repairs.records] == ["invalid"]


async def test_repair_off_fails_without_a_third_call() -> None:
    use_case, parts = pipeline([INVALID], repair=False)
    with pytest.raises(InvalidLessonError):
        await use_case(GenerateRequest("Tides"))
    assert parts.repairer.calls == []
    assert parts.lessons.saved == []


@pytest.mark.parametrize("topic", ["", "   ", "x" * 201, "bad\x00topic", "tab\tinside"])
async def test_bad_topics_are_refused_before_any_call(topic: str) -> None:
    use_case, parts = pipeline([VALID])
    with pytest.raises(InvalidRequestError):
        await use_case(GenerateRequest(topic))
    assert parts.gatherer.calls == []


async def test_unknown_schema_versions_and_unusable_routes_fail_before_any_call() -> None:
    use_case, parts = pipeline([VALID])
    with pytest.raises(InvalidRequestError):
        await use_case(GenerateRequest("Tides", schema_version="2.0"))
    use_case, parts = pipeline([VALID], refuse=True)
    with pytest.raises(StructuredOutputUnavailableError):
        await use_case(GenerateRequest("Tides"))
    assert parts.gatherer.calls == []


# One deadline per generation ------------------------------------------------------------


async def test_every_step_runs_under_the_one_deadline_of_its_generation() -> None:
    use_case, parts, steps = slow_pipeline([INVALID], [VALID], seconds=10, budget=150)
    await use_case(GenerateRequest("Tides"))
    (gather,), (structure,), (repair,) = (step.deadlines for step in steps)
    assert gather is not None
    assert gather is structure is repair  # one budget, not one per step
    assert gather.budget == BUDGET
    assert gather.remaining() == 150 - 30
    assert current_deadline() is None  # it ends with the generation
    assert len(parts.lessons.saved) == 1


async def test_a_generation_that_ends_past_its_deadline_stores_nothing() -> None:
    use_case, parts, _ = slow_pipeline([INVALID], [VALID], seconds=60, budget=150)
    with pytest.raises(ProviderTimeoutError) as info:
        await use_case(GenerateRequest("Tides"))
    assert "deadline of 150 s" in str(info.value)
    assert parts.lessons.saved == []


# Output validation cannot judge ------------------------------------------------------------

NOT_JSON = UnreadableOutput('{"title": NaN}', "json.malformed", "not valid JSON: NaN")


async def test_unreadable_output_is_repaired_with_its_raw_text_and_why() -> None:
    use_case, parts = pipeline([NOT_JSON], [VALID])
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
    use_case, parts = pipeline([structured], [repaired])
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
    use_case, parts = pipeline([NOT_JSON], repair=False)
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
    use_case, parts = pipeline([with_pattern("a{4294967295}")], [VALID])
    generated = await use_case(GenerateRequest("Tides"))
    ((_, errors),) = parts.repairer.calls
    assert errors  # an error the repair call can act on
    assert generated.record.meta.repaired is True
    assert len(parts.lessons.saved) == 1


# Prepared once, then driven step by step --------------------------------------------------


async def test_a_request_is_prepared_once_with_every_route() -> None:
    use_case, parts = pipeline([VALID])
    prepared = use_case.prepare(GenerateRequest("  Tides  "))
    assert prepared.topic == "Tides"
    assert prepared.widgets_version == get_registry().catalog("1.1").widgets_version
    assert prepared.lesson_key.startswith("lesson:")
    assert prepared.idm_key.startswith("idm:")
    await use_case.produce(prepared)
    steps = (parts.gatherer, parts.structurer, parts.repairer)
    assert [step.route_lookups for step in steps] == [1, 1, 1]


async def test_the_steps_can_be_driven_one_by_one_with_progress() -> None:
    """What a job does: one step at a time, free to stop between two steps."""
    use_case, parts = pipeline([INVALID], [VALID])
    progress = RecordingProgress()
    draft = use_case.start(use_case.prepare(GenerateRequest("Tides")))
    draft = await use_case.step("gather", draft, progress)
    assert (len(parts.gatherer.calls), parts.structurer.calls) == (1, [])  # stopped here
    for name in STEPS[1:]:
        draft = await use_case.step(name, draft, progress)
    generated = await use_case.finish(draft)
    assert generated.lesson == VALID
    assert [u.step for u in generated.record.meta.usage] == ["gatherer", "structurer", "repair"]
    assert progress.events == [
        ("gather", "start"), ("gather", "done"), ("structure", "start"), ("structure", "done"),
        ("validate", "start"), ("validate", "failed"), ("repair", "start"), ("repair", "done"),
    ]  # fmt: skip
    assert parts.lessons.saved == []  # producing stores nothing


async def test_no_step_starts_once_the_deadline_has_passed() -> None:
    """Regression: the deadline was checked only at the end, after every call was made."""
    use_case, parts, _ = slow_pipeline([INVALID], [VALID], seconds=100, budget=150)
    with pytest.raises(ProviderTimeoutError):
        await use_case(GenerateRequest("Tides"))
    assert len(parts.structurer.calls) == 1  # ended at 200 s of 150
    assert parts.repairer.calls == []  # so no repair call was made
    assert parts.lessons.saved == []
    assert parts.repairs.records == []
