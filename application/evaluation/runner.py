"""Run an evaluation: each planned generation through its configuration's pipeline.

Runs go ``concurrency`` at a time; each result is handed to the sink as soon as it ends
(so an interrupted evaluation keeps what it did). With a budget, a run starts only if
what was spent, what the runs in flight may still spend (their estimate's high bound)
and this run's high bound all fit: the evaluation stops before the budget would be
exceeded, as long as calls cost no more than their estimate's high bound (the report
says how often they did).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from application.errors import ApplicationError, InvalidLessonError
from application.evaluation.lesson_facts import ClientRuleCheck, served_lesson, widget_mix
from application.evaluation.outcome import RunEstimate, RunResult, run_key
from application.evaluation.topics import EvalTopic
from application.evaluation.tracing import Trace, tracing
from application.ports.generation import Progress
from application.use_cases.estimate_generation import Estimate
from application.use_cases.generate_lesson import GeneratedLesson, GenerateRequest


class Generate(Protocol):
    """The generation pipeline as the service runs it (``GenerateLesson``)."""

    async def __call__(
        self, request: GenerateRequest, progress: Progress | None = None
    ) -> GeneratedLesson:
        """Generate, validate and store one lesson."""
        ...


Estimator = Callable[[GenerateRequest], Awaitable[Estimate]]


@dataclass(frozen=True, slots=True)
class Pipeline:
    """One configuration: how it generates and how its lessons are checked."""

    name: str
    generate: Generate
    client_rules: ClientRuleCheck


@dataclass(frozen=True, slots=True)
class PlannedRun:
    """A run to do, with the estimate made before it."""

    config: str
    topic: EvalTopic
    run: int
    estimate: RunEstimate | None

    @property
    def key(self) -> str:
        """The run's key in the results file."""
        return run_key(self.config, self.topic.topic_id, self.run)


class ResultSink(Protocol):
    """Where finished runs go (the results file)."""

    def append(self, result: RunResult) -> None:
        """Keep one result."""
        ...


class RunListener(Protocol):
    """Told as runs start and end (the terminal's progress bar)."""

    def started(self, planned: PlannedRun) -> None:
        """A run started."""
        ...

    def finished(self, result: RunResult) -> None:
        """A run ended."""
        ...


@dataclass(frozen=True, slots=True)
class RunnerOutcome:
    """How an evaluation invocation ended."""

    done: int
    not_started: int
    stopped_by_budget: bool
    spent_usd: float


def run_estimate(estimate: Estimate) -> RunEstimate:
    """The figures of an estimate a run is compared with (tokens weighed by call odds)."""
    cost = estimate.cost_usd
    return RunEstimate(
        input_tokens=round(sum(s.input_tokens.expected * s.probability for s in estimate.steps)),
        output_tokens=round(sum(s.output_tokens.expected * s.probability for s in estimate.steps)),
        cost_low=cost.low if cost else None,
        cost_expected=cost.expected if cost else None,
        cost_high=cost.high if cost else None,
    )


async def plan_runs(
    topics: Sequence[EvalTopic],
    runs: int,
    estimators: Mapping[str, Estimator],
    done: Collection[str],
) -> list[PlannedRun]:
    """The runs still to do, topic by topic (configurations side by side), each estimated."""
    plan: list[PlannedRun] = []
    for topic in topics:
        estimates = {
            name: run_estimate(await estimate(topic.request))
            for name, estimate in estimators.items()
        }
        for run in range(1, runs + 1):
            for name in estimators:
                if run_key(name, topic.topic_id, run) not in done:
                    plan.append(PlannedRun(name, topic, run, estimates[name]))
    return plan


class EvalRunner:
    """Runs planned generations, concurrently and within a budget."""

    def __init__(
        self,
        pipelines: Mapping[str, Pipeline],
        sink: ResultSink,
        *,
        concurrency: int = 1,
        budget_usd: float | None = None,
        spent_usd: float = 0.0,
        listener: RunListener | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._pipelines = pipelines
        self._sink = sink
        self._concurrency = max(1, concurrency)
        self._budget = budget_usd
        self._spent = spent_usd
        self._reserved = 0.0
        self._listener = listener
        self._clock = clock

    async def run(self, plan: Sequence[PlannedRun]) -> RunnerOutcome:
        """Run ``plan``; stop starting runs once the next cannot fit the budget."""
        pending = iter(plan)
        started = 0
        stopped = False
        in_flight = 0
        changed = asyncio.Condition()  # a run ended: what was reserved is spent or free

        def fits(reserve: float) -> bool:
            budget = self._budget
            return budget is None or self._spent + self._reserved + reserve <= budget

        async def worker() -> None:
            nonlocal started, stopped, in_flight
            while not stopped:
                planned = next(pending, None)
                if planned is None:
                    return
                reserve = (planned.estimate.cost_high if planned.estimate else None) or 0.0
                async with changed:
                    # Runs in flight may cost less than their reserve: wait for them first.
                    while not fits(reserve) and in_flight and not stopped:
                        await changed.wait()
                    if stopped or not fits(reserve):
                        stopped = True
                        changed.notify_all()
                        return
                    started += 1
                    in_flight += 1
                    self._reserved += reserve
                if self._listener:
                    self._listener.started(planned)
                result = await self.run_one(planned)
                async with changed:
                    in_flight -= 1
                    self._reserved -= reserve
                    self._spent += result.cost_usd
                    changed.notify_all()
                self._sink.append(result)
                if self._listener:
                    self._listener.finished(result)

        await asyncio.gather(*(worker() for _ in range(min(self._concurrency, len(plan)))))
        return RunnerOutcome(started, len(plan) - started, stopped, round(self._spent, 8))

    async def run_one(self, planned: PlannedRun) -> RunResult:
        """One generation, observed; a failure is a result, never an exception."""
        pipeline = self._pipelines[planned.config]
        trace = Trace(clock=self._clock)
        began = self._clock()
        common: dict[str, Any] = {
            "config": planned.config,
            "topic_id": planned.topic.topic_id,
            "run": planned.run,
            "topic": planned.topic.describe(),
            "estimate": planned.estimate,
        }
        try:
            with tracing(trace):
                generated = await pipeline.generate(planned.topic.request, trace)
        except ApplicationError as exc:  # typed: a generation error, or the store failing
            return self._failure(common, trace, began, exc.code, str(exc), exc)
        except Exception as exc:  # a defect must not end a long evaluation: it is reported
            return self._failure(common, trace, began, "internal", repr(exc), exc)
        meta = generated.record.meta
        return RunResult(
            **common,
            outcome="valid_after_repair" if meta.repaired else "valid_first_pass",
            repaired=meta.repaired,
            latency_ms=(self._clock() - began) * 1000,
            steps_ms=dict(trace.steps_ms),
            usage=meta.usage,
            cost_usd=round(sum(call.cost_usd for call in meta.usage), 8),
            first_pass_errors=tuple(issue.to_dict() for issue in trace.repair_errors),
            warnings=tuple(issue.code for issue in generated.warnings),
            client_violations=tuple(pipeline.client_rules(served_lesson(generated.lesson))),
            widgets=widget_mix(generated.lesson),
            cache=meta.cache,
            lesson_id=generated.record.lesson_id,
        )

    def _failure(
        self,
        common: dict[str, Any],
        trace: Trace,
        began: float,
        code: str,
        message: str,
        exc: Exception,
    ) -> RunResult:
        errors = exc.errors if isinstance(exc, InvalidLessonError) else ()
        return RunResult(
            **common,
            outcome="failed",
            repaired=trace.repair_called,
            latency_ms=(self._clock() - began) * 1000,
            steps_ms=dict(trace.steps_ms),
            usage=tuple(trace.usage),
            cost_usd=round(sum(call.cost_usd for call in trace.usage), 8),
            code=code,
            message=message,
            errors=tuple(errors),
            first_pass_errors=tuple(issue.to_dict() for issue in trace.repair_errors),
            raw_output=trace.raw_output(),
        )
