"""EvalRunner over GenerateLesson with offline steps: the budget, failures, client-rule checks."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from adapters.llm.offline import OfflineGatherer, OfflineRepairer, OfflineStructurer
from adapters.system import RandomIds
from application.evaluation.lesson_facts import ClientRuleCheck, served_form_violations
from application.evaluation.outcome import RunEstimate, RunResult
from application.evaluation.runner import EvalRunner, Pipeline, PlannedRun
from application.evaluation.summary import summarize
from application.evaluation.topics import topic_from_body
from application.evaluation.tracing import TracedGatherer, TracedRepairer, TracedStructurer
from application.ports.generation import Gathered
from application.use_cases.generate_lesson import GenerateLesson
from domain.generation import LessonConstraints
from tests.support.fakes import FakeClock, MemoryLessons, MemoryRepairs


class PricedGatherer(OfflineGatherer):
    """Offline material, billed ``cost`` per call; a topic named "defect" raises."""

    def __init__(self, cost: float = 0.0, delay: float = 0.0) -> None:
        self.cost, self.delay = cost, delay

    async def gather(
        self, topic: str, constraints: LessonConstraints, prompt: str | None = None
    ) -> Gathered:
        if topic == "defect":
            raise RuntimeError("a bug in a step")
        await asyncio.sleep(self.delay)
        gathered = await super().gather(topic, constraints, prompt)
        return Gathered(gathered.idm, replace(gathered.usage, cost_usd=self.cost))


def pipeline(
    gatherer: OfflineGatherer, rules: ClientRuleCheck = served_form_violations
) -> Pipeline:
    generate = GenerateLesson(
        TracedGatherer(gatherer), TracedStructurer(OfflineStructurer()), TracedRepairer(OfflineRepairer()),
        MemoryLessons(), MemoryRepairs(), FakeClock(), RandomIds(),
        prompt_version="v-test", deadline=timedelta(seconds=10),
    )  # fmt: skip
    return Pipeline("default", generate, rules)


class Kept:
    def __init__(self) -> None:
        self.results: list[RunResult] = []

    def append(self, result: RunResult) -> None:
        self.results.append(result)


def plan(topics: Sequence[dict[str, Any]], high: float | None = None) -> list[PlannedRun]:
    estimate = RunEstimate(1000, 1000, 0.0, 0.0, high) if high is not None else None
    return [PlannedRun("default", topic_from_body(t), 1, estimate) for t in topics]


TOPICS = [{"topic": f"Topic {i}"} for i in range(6)]


@pytest.mark.parametrize("concurrency", [1, 3])
async def test_the_budget_stops_runs_before_it_would_be_exceeded(concurrency: int) -> None:
    kept = Kept()
    runner = EvalRunner(
        {"default": pipeline(PricedGatherer(cost=0.4, delay=0.01))}, kept,
        concurrency=concurrency, budget_usd=1.5,
    )  # fmt: skip
    outcome = await runner.run(plan(TOPICS, high=0.5))
    # 0.5 reserved per run: three fit (spent 1.2 after them); a fourth could reach 1.7.
    assert (outcome.done, outcome.not_started, outcome.stopped_by_budget) == (3, 3, True)
    assert outcome.spent_usd == pytest.approx(1.2)
    assert len(kept.results) == 3


async def test_runs_in_flight_free_their_reserve_when_they_cost_less() -> None:
    kept = Kept()
    runner = EvalRunner(
        {"default": pipeline(PricedGatherer(delay=0.01))}, kept, concurrency=3, budget_usd=1.5
    )
    outcome = await runner.run(plan(TOPICS, high=1.0))  # only one reserve fits at a time
    assert (outcome.done, outcome.stopped_by_budget) == (6, False)
    stopped = await EvalRunner({"default": pipeline(PricedGatherer())}, Kept(), budget_usd=0.5).run(
        plan(TOPICS, high=1.0)
    )
    assert (stopped.done, stopped.not_started, stopped.stopped_by_budget) == (0, 6, True)


async def test_a_defect_in_one_run_is_reported_and_the_others_go_on() -> None:
    kept = Kept()
    runner = EvalRunner({"default": pipeline(PricedGatherer())}, kept, concurrency=2)
    outcome = await runner.run(plan([{"topic": "Tides"}, {"topic": "defect"}, {"topic": "Moon"}]))
    assert outcome.done == 3
    failed = [r for r in kept.results if not r.valid]
    assert [(r.topic["topic"], r.code) for r in failed] == [("defect", "internal")]
    assert "a bug in a step" in (failed[0].message or "")
    assert failed[0].steps_ms.keys() == {"gather"}  # the step it failed in is timed to the end


async def test_client_rules_see_the_lesson_as_served_and_are_counted() -> None:
    seen: list[dict[str, Any]] = []

    def numbered_titles(served: dict[str, Any]) -> list[str]:
        seen.append(served)
        return ["section.numbered"] if served["schema_version"] == "1.0" else []

    kept = Kept()
    topics = [{"topic": "Tides", "schema_version": v} for v in ("1.0", "1.1")] * 2
    topics = [{**t, "id": str(i)} for i, t in enumerate(topics)]
    await EvalRunner({"default": pipeline(PricedGatherer(), numbered_titles)}, kept).run(
        plan(topics)
    )
    summary = summarize("default", kept.results).to_dict()
    assert summary["client_rule_violations"] == {
        "total": 2,
        "lessons": 2,
        "by_code": {"section.numbered": 2},
    }
    # Shorthand, as DLE receives it: items are strings or one-key objects, never "type".
    items = [
        item for lesson in seen for block in lesson["blocks"] for item in block.get("items", [])
    ]
    assert items
    assert all(isinstance(item, str) or "type" not in item for item in items)
    assert summarize("default", kept.results).figures["widget_mix"]["quiz"] == 2
