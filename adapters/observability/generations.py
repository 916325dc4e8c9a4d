"""Generations and model calls as log lines and metrics.

``LoggedGenerations`` serves the application's ``GenerationEvents`` port: one
``generation`` line per generation (lesson id, outcome code, duration, repaired, cache,
cost, and each completed call's step, provider, model and tokens; never the topic or the
lesson) and the generation metrics. ``ObservedGatherer`` / ``ObservedStructurer`` /
``ObservedRepairer`` wrap the model-step ports and count each call by step, provider,
model and outcome, with its tokens and cost.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any, TypeVar

from adapters.observability.logs import fields
from adapters.observability.metrics import Metrics, Point
from application.ports.generation import (
    Gathered,
    Gatherer,
    ModelRoute,
    Repairer,
    Structured,
    Structurer,
)
from application.ports.telemetry import OK, GenerationReport, outcome_of
from application.records import StepUsage
from domain.generation import IntermediateDataModel, LessonConstraints
from domain.validation.result import Issue

log = logging.getLogger("dgs.generation")
_Result = TypeVar("_Result", Gathered, Structured)


class LoggedGenerations:
    """The ``GenerationEvents`` port as log lines and metrics."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def generation_finished(self, report: GenerationReport) -> None:
        """One ``generation`` line and the generation metrics."""
        log.info(
            "generation",
            extra=fields(
                event="generation",
                lesson_id=report.lesson_id,
                outcome=report.outcome,
                duration_ms=report.duration_ms,
                repaired=report.repaired,
                cache=report.cache,
                cost_usd=report.cost_usd,
                steps=[asdict(step) for step in report.usage],
            ),
        )
        labels = {"outcome": report.outcome, "cache": report.cache or "none"}
        self._metrics.record(
            [
                Point("dgs_generations", 1, labels),
                Point("dgs_generation_duration_seconds", report.duration_ms / 1000, labels),
            ]
        )


class _ObservedStep:
    step = ""

    def __init__(self, inner: Any, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        """The wrapped step's route."""
        route: ModelRoute = self._inner.route_for(constraints)
        return route

    async def _observe(
        self, constraints: LessonConstraints, call: Callable[[], Awaitable[_Result]]
    ) -> _Result:
        route = self.route_for(constraints)
        try:
            result: _Result = await call()
        except BaseException as exc:
            self._metrics.record([_calls(self.step, route, outcome_of(exc))])
            raise
        self._metrics.record([_calls(self.step, route, OK), *_usage(self.step, result.usage)])
        return result


class ObservedGatherer(_ObservedStep):
    """A Gatherer whose calls are counted."""

    step = "gatherer"

    def __init__(self, inner: Gatherer, metrics: Metrics) -> None:
        super().__init__(inner, metrics)

    async def gather(
        self, topic: str, constraints: LessonConstraints, prompt: str | None = None
    ) -> Gathered:
        """The wrapped gather call."""
        return await self._observe(
            constraints, lambda: self._inner.gather(topic, constraints, prompt)
        )


class ObservedStructurer(_ObservedStep):
    """A Structurer whose calls are counted."""

    step = "structurer"

    def __init__(self, inner: Structurer, metrics: Metrics) -> None:
        super().__init__(inner, metrics)

    async def structure(
        self, idm: IntermediateDataModel, constraints: LessonConstraints, schema_version: str
    ) -> Structured:
        """The wrapped structure call."""
        return await self._observe(
            constraints, lambda: self._inner.structure(idm, constraints, schema_version)
        )


class ObservedRepairer(_ObservedStep):
    """A Repairer whose calls are counted."""

    step = "repair"

    def __init__(self, inner: Repairer, metrics: Metrics) -> None:
        super().__init__(inner, metrics)

    async def repair(
        self,
        lesson: Any,
        errors: tuple[Issue, ...],
        constraints: LessonConstraints,
        schema_version: str,
    ) -> Structured:
        """The wrapped repair call."""
        return await self._observe(
            constraints,
            lambda: self._inner.repair(lesson, errors, constraints, schema_version),
        )


def _calls(step: str, route: ModelRoute, outcome: str) -> Point:
    labels = {"step": step, "provider": route.provider, "model": route.model, "outcome": outcome}
    return Point("dgs_model_calls", 1, labels)


def _usage(step: str, usage: StepUsage) -> list[Point]:
    labels = {"step": step, "provider": usage.provider, "model": usage.model}
    return [
        Point("dgs_model_input_tokens", usage.input_tokens, labels),
        Point("dgs_model_output_tokens", usage.output_tokens, labels),
        Point("dgs_model_reasoning_tokens", usage.reasoning_tokens, labels),
        Point("dgs_model_cost_usd", usage.cost_usd, labels),
    ]
