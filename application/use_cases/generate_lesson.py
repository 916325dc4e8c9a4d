"""GenerateLesson: topic in, valid lesson out, in at most two model calls plus one repair.

gather -> structure -> validate -> (if invalid and repair is on) repair once with every
error -> validate again -> store. Nothing invalid is ever stored: every failure raises a
typed ``GenerationError`` before the store is touched.

One deadline covers the whole generation: every model call and retry runs inside it
(``application.deadline``), and a generation that passes it fails with
``ProviderTimeoutError`` (504) before anything is stored. Output that cannot be read as
strict JSON, or that validation cannot evaluate, is an invalid lesson like any other:
repaired once with an error that says why, then ``InvalidModelOutputError`` (502).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from application.deadline import Deadline, within
from application.errors import InvalidRequestError
from application.ports.clock import Clock, IdGenerator
from application.ports.generation import (
    Gatherer,
    ModelRoute,
    Progress,
    Repairer,
    RepairLog,
    RepairRecord,
    Structured,
    Structurer,
)
from application.ports.lessons import LessonRepository
from application.ports.telemetry import (
    GenerationEvents,
    GenerationReport,
    NoGenerationEvents,
    outcome_of,
)
from application.records import GenerationMeta, LessonRecord, StepUsage
from application.use_cases.lesson_verdict import as_recorded, failure, judge
from application.use_cases.repair_records import keep_repair
from domain.catalog.registry import get_registry
from domain.generation import IntermediateDataModel, LessonConstraints, normalize_topic
from domain.validation.result import Issue, ValidationResult


@dataclass(frozen=True, slots=True)
class GenerateRequest:
    """What to generate."""

    topic: str
    constraints: LessonConstraints = field(default_factory=LessonConstraints)
    schema_version: str = "1.1"
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class GeneratedLesson:
    """A validated lesson ready to store (``record``), with its soft-rule warnings."""

    record: LessonRecord
    lesson: dict[str, Any]  # canonical full form
    warnings: tuple[Issue, ...]
    idm: IntermediateDataModel


class _Quiet:
    def step(self, name: str, state: str) -> None:
        return


class GenerateLesson:
    """The generation pipeline over the Gatherer, Structurer and Repairer ports."""

    def __init__(
        self,
        gatherer: Gatherer,
        structurer: Structurer,
        repairer: Repairer,
        lessons: LessonRepository,
        repairs: RepairLog,
        clock: Clock,
        ids: IdGenerator,
        *,
        repair_enabled: bool = True,
        prompt_version: str,
        deadline: timedelta,
        monotonic: Callable[[], float] = time.perf_counter,
        events: GenerationEvents | None = None,
    ) -> None:
        self._gatherer = gatherer
        self._structurer = structurer
        self._repairer = repairer
        self._lessons = lessons
        self._repairs = repairs
        self._clock = clock
        self._ids = ids
        self._repair_enabled = repair_enabled
        self._prompt_version = prompt_version
        self._deadline = deadline
        self._monotonic = monotonic
        self._events = events or NoGenerationEvents()

    async def __call__(
        self, request: GenerateRequest, progress: Progress | None = None
    ) -> GeneratedLesson:
        """Generate, validate and store a lesson (within one deadline)."""
        generated = await self.produce(request, progress)
        report = progress or _Quiet()
        report.step("store", "start")
        await self._lessons.save(generated.record)
        report.step("store", "done")
        return generated

    async def produce(
        self,
        request: GenerateRequest,
        progress: Progress | None = None,
        idm: IntermediateDataModel | None = None,
        deadline: Deadline | None = None,
    ) -> GeneratedLesson:
        """Generate and validate a lesson, without storing it (idempotent callers store it).

        Given a cached ``idm`` (a variant of a topic already gathered), the gather call
        is skipped and ``meta.cache`` says so. Every call draws from ``deadline`` (a new
        one when none is given); past it, ``ProviderTimeoutError`` and nothing to store.
        """
        self.check(request)
        self.routes(request.constraints)  # fails before any call if a model cannot do the step
        deadline = deadline or self.start_deadline()
        started = self._monotonic()
        usage: list[StepUsage] = []  # filled as calls complete: a failure reports them too
        try:
            with within(deadline):
                generated = await self._produce(request, progress or _Quiet(), idm, usage)
            deadline.check()  # what ends past the deadline is not stored: its lease may be gone
        except BaseException as exc:
            elapsed = round((self._monotonic() - started) * 1000)
            self.report(GenerationReport(outcome_of(exc), elapsed, tuple(usage)))
            raise
        self.report(GenerationReport.made(generated.record))
        return generated

    def report(self, report: GenerationReport) -> None:
        """Tell the observers how a generation ended (a lesson served from the cache too)."""
        self._events.generation_finished(report)

    @property
    def deadline(self) -> timedelta:
        """The time one generation may take, every call and retry included."""
        return self._deadline

    def start_deadline(self) -> Deadline:
        """A deadline for one generation, starting now."""
        return Deadline.start(self._deadline, self._monotonic)

    async def _produce(
        self,
        request: GenerateRequest,
        report: Progress,
        idm: IntermediateDataModel | None,
        usage: list[StepUsage],
    ) -> GeneratedLesson:
        started = self._monotonic()
        idm_from_cache = idm is not None
        if idm is None:
            report.step("gather", "start")
            gathered = await self._gatherer.gather(
                normalize_topic(request.topic), request.constraints
            )
            report.step("gather", "done")
            idm = gathered.idm
            usage.append(gathered.usage)
        else:
            report.step("gather", "skipped")
        report.step("structure", "start")
        structured = await self._structurer.structure(
            idm, request.constraints, request.schema_version
        )
        report.step("structure", "done")
        usage.append(structured.usage)

        report.step("validate", "start")
        result = judge(structured.lesson, request.schema_version)
        report.step("validate", "done" if result.ok else "failed")
        repaired = False
        if not result.ok:
            result, repair_usage = await self._repair(idm, structured, result, request, report)
            usage.append(repair_usage)
            repaired = True
        else:
            report.step("repair", "skipped")
        assert result.lesson is not None
        lesson = result.lesson
        meta = GenerationMeta(
            latency_ms=round((self._monotonic() - started) * 1000),
            usage=tuple(usage),
            cost_usd=round(sum(step.cost_usd for step in usage), 8),
            repaired=repaired,
            cache="idm" if idm_from_cache else None,
        )
        return GeneratedLesson(self.record_for(request, lesson, meta), lesson, result.warnings, idm)

    @property
    def prompt_version(self) -> str:
        """The prompt version recorded with the lessons this makes."""
        return self._prompt_version

    def check(self, request: GenerateRequest) -> None:
        """Refuse a bad request before anything is spent (``InvalidRequestError``)."""
        try:
            normalize_topic(request.topic)
        except ValueError as exc:
            raise InvalidRequestError(str(exc)) from None
        if request.schema_version not in get_registry().catalogs:
            raise InvalidRequestError(f"unsupported schema_version {request.schema_version!r}")

    def routes(self, constraints: LessonConstraints) -> tuple[ModelRoute, ModelRoute]:
        """The gatherer's and structurer's routes.

        Every route is resolved (the repairer's too), so a model that cannot do
        structured output fails the request here, before any call.
        """
        gatherer = self._gatherer.route_for(constraints)
        structurer = self._structurer.route_for(constraints)
        self._repairer.route_for(constraints)
        return gatherer, structurer

    def record_for(
        self, request: GenerateRequest, lesson: dict[str, Any], meta: GenerationMeta
    ) -> LessonRecord:
        """The record of a new, valid lesson (full form) made for ``request``."""
        gatherer, structurer = self.routes(request.constraints)
        now = self._clock.now()
        return LessonRecord(
            lesson_id=self._ids.lesson_id(),
            topic=normalize_topic(request.topic),
            title=lesson["title"],
            tags=(),
            created_at=now,
            updated_at=now,
            version=1,
            schema_version=request.schema_version,
            prompt_version=self._prompt_version,
            widgets_version=get_registry().catalog(request.schema_version).widgets_version,
            idempotency_key=request.idempotency_key,
            provider_a=gatherer.provider,
            model_a=gatherer.model,
            provider_b=structurer.provider,
            model_b=structurer.model,
            meta=meta,
            status="ok",
            lesson_json=json.dumps(lesson, ensure_ascii=False, separators=(",", ":")),
        )

    async def _repair(
        self,
        idm: Any,
        structured: Structured,
        invalid: ValidationResult,
        request: GenerateRequest,
        report: Progress,
    ) -> tuple[ValidationResult, StepUsage]:
        if not self._repair_enabled:
            report.step("repair", "skipped")
            raise failure(structured.lesson, invalid, after_repair=False)
        report.step("repair", "start")
        fixed = await self._repairer.repair(
            structured.lesson, invalid.errors, request.constraints, request.schema_version
        )
        result = judge(fixed.lesson, request.schema_version)
        await keep_repair(
            self._repairs,
            RepairRecord(
                idm=idm,
                invalid_lesson=as_recorded(structured.lesson),
                errors=invalid.errors,
                repaired_lesson=as_recorded(fixed.lesson),
                outcome="valid" if result.ok else "invalid",
                schema_version=request.schema_version,
                prompt_version=self._prompt_version,
                constraints=request.constraints,
            ),
        )
        report.step("repair", "done" if result.ok else "failed")
        if not result.ok:
            raise failure(fixed.lesson, result, after_repair=True)
        return result, fixed.usage
