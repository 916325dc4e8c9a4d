"""EstimateGeneration with fakes of its ports: the arithmetic of an estimate."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from application.errors import InvalidRequestError, StructuredOutputUnavailableError
from application.evaluation.history import RecentGenerations
from application.evaluation.token_model import (
    DEFAULT_REPAIR_RATE,
    HIGH_FACTOR,
    LOW_FACTOR,
    OUTPUT_BASE,
    OUTPUT_PER_SECTION,
    REPAIR_ERRORS,
)
from application.ports.estimation import PastGeneration, StepName
from application.ports.generation import ModelRoute
from application.records import LessonQuery, LessonRecord, Page, StepUsage
from application.use_cases.estimate_generation import EstimateGeneration
from application.use_cases.generate_lesson import GenerateRequest
from domain.generation import LessonConstraints
from tests.support.fakes import FakeClock
from tests.support.records import make_record

FIXED_CHARS: dict[StepName, int] = {"gatherer": 4000, "structurer": 40000, "repair": 36000}
UNPRICED = "no-price-model"


class Routes:
    def __init__(self, structurer: str = "s-model", refuse: bool = False) -> None:
        self.structurer, self.refuse = structurer, refuse

    def route(self, step: StepName, constraints: LessonConstraints) -> ModelRoute:
        if self.refuse:
            raise StructuredOutputUnavailableError("no structured output")
        model = "g-model" if step == "gatherer" else self.structurer
        return ModelRoute(
            "p", f"{model}:{constraints.mode}" if constraints.mode != "balanced" else model
        )


class Sizes:
    def fixed_chars(
        self, step: StepName, topic: str, constraints: LessonConstraints, schema_version: str
    ) -> int:
        return FIXED_CHARS[step]


class Prices:
    """$1 per million input tokens, $2 per million output (reasoning billed as output)."""

    def cost_usd(
        self, route: ModelRoute, input_tokens: int, output_tokens: int, reasoning_tokens: int
    ) -> float | None:
        if route.model == UNPRICED:
            return None
        return (input_tokens * 1 + (output_tokens + reasoning_tokens) * 2) / 1_000_000


class History:
    def __init__(self, past: Sequence[PastGeneration] = ()) -> None:
        self.past = past

    async def recent(self) -> Sequence[PastGeneration]:
        return self.past


def estimator(history: Sequence[PastGeneration] = (), **routes: object) -> EstimateGeneration:
    return EstimateGeneration(Routes(**routes), Sizes(), Prices(), History(history))  # type: ignore[arg-type]


def rule_of_thumb(step: StepName, sections: int) -> tuple[int, int, int]:
    expected = OUTPUT_BASE[step] + OUTPUT_PER_SECTION[step] * sections
    return round(expected * LOW_FACTOR), expected, round(expected * HIGH_FACTOR)


async def test_without_history_output_follows_the_length_and_input_the_request_size() -> None:
    estimate = await estimator()(GenerateRequest("Tides", LessonConstraints(length="Training")))
    gather, structure, repair = estimate.steps
    sections = 10
    assert [s.step for s in estimate.steps] == ["gatherer", "structurer", "repair"]
    assert (gather.input_tokens.low, gather.input_tokens.high) == (1000, 1000)  # 4,000 chars / 4
    g_out = rule_of_thumb("gatherer", sections)
    s_out = rule_of_thumb("structurer", sections)
    assert (
        gather.output_tokens.low,
        gather.output_tokens.expected,
        gather.output_tokens.high,
    ) == g_out
    # The Structurer reads the material the Gatherer wrote; the Repairer the lesson and errors.
    assert structure.input_tokens.expected == 10_000 + g_out[1]
    assert (structure.input_tokens.low, structure.input_tokens.high) == (
        10_000 + g_out[0],
        10_000 + g_out[2],
    )
    assert repair.input_tokens.expected == 9_000 + s_out[1] + REPAIR_ERRORS[0]
    assert all(s.basis == "length" and s.reasoning_tokens.high == 0 for s in estimate.steps)
    assert (gather.probability, structure.probability, repair.probability) == (
        1.0,
        1.0,
        DEFAULT_REPAIR_RATE,
    )
    assert (estimate.calls_min, estimate.calls_expected, estimate.calls_max) == (2, 2.2, 3)
    assert estimate.repair_rate_basis == "default"


async def test_costs_are_the_price_of_each_figure_and_the_total_weighs_the_repair() -> None:
    estimate = await estimator()(GenerateRequest("Tides"))
    for step in estimate.steps:
        assert step.cost_usd is not None
        for which in ("low", "expected", "high"):
            tokens_in = getattr(step.input_tokens, which)
            tokens_out = getattr(step.output_tokens, which)
            assert getattr(step.cost_usd, which) == pytest.approx(
                (tokens_in + 2 * tokens_out) / 1e6
            )
    gather, structure, repair = (s.cost_usd for s in estimate.steps)
    assert gather
    assert structure
    assert repair
    assert estimate.cost_usd
    assert estimate.cost_usd.low == pytest.approx(gather.low + structure.low)
    assert estimate.cost_usd.expected == pytest.approx(
        gather.expected + structure.expected + DEFAULT_REPAIR_RATE * repair.expected
    )
    assert estimate.cost_usd.high == pytest.approx(gather.high + structure.high + repair.high)
    body = estimate.to_dict()
    assert body["model_calls"] == {"min": 2, "expected": 2.2, "max": 3}
    assert [s["calls"] for s in body["steps"]] == [
        {"min": 1, "max": 1},
        {"min": 1, "max": 1},
        {"min": 0, "max": 1},
    ]
    assert body["cost_usd"]["high"] == pytest.approx(estimate.cost_usd.high)


def past(
    sections: int, structurer_per_section: int, repaired: bool, model: str = "s-model"
) -> PastGeneration:
    return PastGeneration(
        usage=(
            StepUsage("gatherer", "p", "g-model", 900, 100 * sections, 10 * sections),
            StepUsage("structurer", "p", model, 9000, structurer_per_section * sections, 0),
        ),
        sections=sections,
        repaired=repaired,
    )


async def test_with_three_past_runs_of_the_same_model_output_comes_from_them() -> None:
    history = [past(3, 500, False), past(6, 600, True), past(10, 700, False)]
    estimate = await estimator(history)(
        GenerateRequest("Tides", LessonConstraints(length="Detailed"))
    )
    gather, structure, repair = estimate.steps
    assert (
        structure.output_tokens.low,
        structure.output_tokens.expected,
        structure.output_tokens.high,
    ) == (3000, 3600, 4200)
    assert (structure.basis, structure.samples) == ("history", 3)
    assert (gather.output_tokens.expected, gather.reasoning_tokens.expected) == (600, 60)
    assert repair.probability == pytest.approx(1 / 3)  # one of the three was repaired
    assert estimate.repair_rate_basis == "history"
    assert repair.basis == "length"  # no past repair calls: the rule of thumb


async def test_past_runs_of_another_model_or_too_few_do_not_count() -> None:
    other_model = [past(6, 600, True, model="other") for _ in range(5)]
    estimate = await estimator(other_model)(GenerateRequest("Tides"))
    assert estimate.steps[1].basis == "length"
    assert estimate.repair_rate_basis == "default"
    two = [past(6, 600, True), past(6, 600, True)]
    estimate = await estimator(two)(GenerateRequest("Tides"))
    assert estimate.steps[1].basis == "length"


async def test_an_unpriced_model_has_no_cost_and_is_named() -> None:
    estimate = await estimator(structurer=UNPRICED)(GenerateRequest("Tides"))
    assert estimate.cost_usd is None
    assert estimate.steps[0].cost_usd is not None
    assert estimate.unpriced == (ModelRoute("p", UNPRICED), ModelRoute("p", UNPRICED))
    assert estimate.to_dict()["unpriced"] == [f"p/{UNPRICED}", f"p/{UNPRICED}"]


async def test_repair_off_means_two_calls_and_the_mode_picks_the_routes() -> None:
    off = EstimateGeneration(Routes(), Sizes(), Prices(), History(), repair_enabled=False)
    estimate = await off(GenerateRequest("Tides", LessonConstraints(mode="fast")))
    assert [s.step for s in estimate.steps] == ["gatherer", "structurer"]
    assert (estimate.calls_expected, estimate.calls_max, estimate.repair_rate_basis) == (
        2,
        2,
        "off",
    )
    assert estimate.steps[1].route == ModelRoute("p", "s-model:fast")


@pytest.mark.parametrize(
    "request_",
    [
        GenerateRequest(" "),
        GenerateRequest("a\x07b"),
        GenerateRequest("Tides", schema_version="2.0"),
    ],
)
async def test_a_bad_request_is_refused_like_generate_refuses_it(request_: GenerateRequest) -> None:
    with pytest.raises(InvalidRequestError):
        await estimator()(request_)


async def test_a_model_that_cannot_serve_a_step_is_refused_before_anything() -> None:
    with pytest.raises(StructuredOutputUnavailableError):
        await estimator(refuse=True)(GenerateRequest("Tides"))


class Lessons:
    """A lesson repository holding records, counting reads."""

    def __init__(self, records: Sequence[LessonRecord]) -> None:
        self.records = {r.lesson_id: r for r in records}
        self.listings = 0
        self.gets = 0

    async def list_summaries(self, owner: str, query: LessonQuery) -> Page:
        self.listings += 1
        return Page(tuple(r.summary() for r in list(self.records.values())[: query.limit]))

    async def get(self, owner: str, lesson_id: str) -> LessonRecord:
        self.gets += 1
        return self.records[lesson_id]


async def test_recent_generations_reads_a_bounded_sample_once_per_ttl() -> None:
    clock = FakeClock()
    records = [make_record(clock.now()) for _ in range(5)]
    lessons = Lessons(records)
    ticks = iter([0.0, 10.0, 61.0])
    history = RecentGenerations(lessons, limit=3, ttl=60.0, monotonic=lambda: next(ticks))  # type: ignore[arg-type]
    first = await history.recent()
    assert (lessons.listings, lessons.gets, len(first)) == (1, 3, 3)
    assert first[0].sections == 1
    assert first[0].usage == records[0].meta.usage
    assert await history.recent() == first  # within the ttl: no read
    assert (lessons.listings, lessons.gets) == (1, 3)
    await history.recent()  # past it: one listing and three reads again
    assert (lessons.listings, lessons.gets) == (2, 6)
