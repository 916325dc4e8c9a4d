"""GenerateLesson: topic in, valid lesson out, in at most two model calls plus one repair.

prepare -> gather -> structure -> validate -> (if invalid and repair is on) repair once
with every error -> validate again -> record -> store. Nothing invalid is ever stored:
every failure raises a typed ``GenerationError`` before the store is touched.

Each step has one owner. ``prepare`` checks the request and resolves it once (topic,
routes, deadline, cache keys: ``PreparedRequest``). The model steps run one at a time
through ``step``, each taking the ``Draft`` the steps before it made and returning the
next, so a caller can drive them one by one (a job reporting progress, or stopping at a
step boundary) or all at once (``produce``). ``record`` makes the one record of a lesson,
serialising it once; ``store`` saves it (a caller with an idempotency key stores it with
the key instead: ``GuardedGeneration``).

One deadline covers the whole generation: every model call and retry runs inside it
(``application.deadline``), and a generation that passes it fails with
``ProviderTimeoutError`` (504) before anything is stored. Output that cannot be read as
strict JSON, or that validation cannot evaluate, is an invalid lesson like any other:
repaired once with an error that says why, then ``InvalidModelOutputError`` (502).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Literal

from application.deadline import Deadline, within
from application.errors import NotFoundError
from application.ports.clock import Clock, IdGenerator
from application.ports.generation import Gatherer, Progress, Repairer, RepairLog, Structurer
from application.ports.lessons import LessonRepository
from application.ports.telemetry import (
    GenerationEvents,
    GenerationReport,
    NoGenerationEvents,
    outcome_of,
)
from application.records import GenerationMeta, LessonRecord
from application.use_cases.generation_request import GenerateRequest, PreparedRequest, Routes
from application.use_cases.lesson_draft import Draft, off_loop, verdict
from application.use_cases.repair_records import repair_once
from domain.catalog.registry import get_registry
from domain.generation import IntermediateDataModel, LessonConstraints
from domain.validation.result import Issue

__all__ = ["STEPS", "Draft", "GenerateLesson", "GenerateRequest", "GeneratedLesson", "Step"]

Step = Literal["gather", "structure", "validate", "repair"]
STEPS: tuple[Step, ...] = ("gather", "structure", "validate", "repair")  # in this order


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


QUIET: Progress = _Quiet()


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
        self._budget = deadline
        self._monotonic = monotonic
        self._events = events or NoGenerationEvents()

    async def __call__(
        self, request: GenerateRequest, progress: Progress | None = None
    ) -> GeneratedLesson:
        """Generate, validate and store a lesson (within one deadline)."""
        generated = await self.produce(self.prepare(request), progress)
        await self.store(generated.record, progress)
        return generated

    def prepare(self, request: GenerateRequest, spent: timedelta = timedelta(0)) -> PreparedRequest:
        """Check and resolve a request once, before anything is spent; its deadline starts.

        ``spent``: how much of the deadline a resumed job used before (it keeps its own).

        ``InvalidRequestError`` for a bad topic or catalog version; a model that cannot do
        its step fails here too (``StructuredOutputUnavailableError``), before any call.
        """
        topic, prompt = request.checked_topic(), request.checked_prompt()
        catalog = get_registry().catalog(request.schema_version)
        return PreparedRequest.of(
            request,
            topic,
            self.routes(request.constraints),
            catalog.widgets_version,
            self._prompt_version,
            Deadline.start(self._budget, self._monotonic, spent),
            prompt,
        )

    def routes(self, constraints: LessonConstraints) -> Routes:
        """Every step's route (the repairer's too, used or not): refused before any call."""
        return Routes(
            self._gatherer.route_for(constraints),
            self._structurer.route_for(constraints),
            self._repairer.route_for(constraints),
        )

    async def produce(
        self,
        request: PreparedRequest | GenerateRequest,
        progress: Progress | None = None,
        idm: IntermediateDataModel | None = None,
    ) -> GeneratedLesson:
        """Generate and validate a lesson, without storing it.

        Given a cached ``idm`` (a variant of a topic already gathered), the gather call
        is skipped and ``meta.cache`` says so. Every call draws from the request's
        deadline; past it, ``ProviderTimeoutError`` and nothing to store.
        """
        prepared = request if isinstance(request, PreparedRequest) else self.prepare(request)
        draft = self.start(prepared, idm)
        try:
            for name in STEPS:
                draft = await self.step(name, draft, progress)
            generated = await self.finish(draft)
        except BaseException as exc:
            # The calls that completed before the failure are reported with it.
            elapsed = round((self._monotonic() - draft.started) * 1000)
            self.report(GenerationReport(outcome_of(exc), elapsed, draft.usage))
            raise
        self.report(GenerationReport.made(generated.record))
        return generated

    def report(self, report: GenerationReport) -> None:
        """Tell the observers how a generation ended (a lesson served from the cache too)."""
        self._events.generation_finished(report)

    def start(self, prepared: PreparedRequest, idm: IntermediateDataModel | None = None) -> Draft:
        """The draft before the first step (with the cached material, if any)."""
        return Draft(prepared, self._monotonic(), idm=idm, idm_cached=idm is not None)

    async def step(self, name: Step, draft: Draft, progress: Progress | None = None) -> Draft:
        """Run one step under the generation's deadline; the next draft.

        Past the deadline, ``ProviderTimeoutError``: what ends late is not stored (its
        idempotency lease may be gone).
        """
        report = progress or QUIET
        deadline = draft.prepared.deadline
        with within(deadline):
            if name == "gather":
                draft = await self._gather(draft, report)
            elif name == "structure":
                draft = await self._structure(draft, report)
            elif name == "validate":
                draft = await self._validate(draft, report)
            else:
                draft = await repair_once(
                    draft, self._repairer, self._repairs, report, enabled=self._repair_enabled
                )
        deadline.check()
        return draft

    async def finish(self, draft: Draft) -> GeneratedLesson:
        """The lesson of a draft that passed validation, with its record."""
        result = draft.verdict
        assert result is not None
        assert result.lesson is not None
        return await off_loop(result.lesson, self._finish, draft)

    def _finish(self, draft: Draft) -> GeneratedLesson:
        result = draft.verdict
        assert result is not None
        assert result.lesson is not None
        assert draft.idm is not None
        usage = draft.usage
        meta = GenerationMeta(
            latency_ms=round((self._monotonic() - draft.started) * 1000),
            usage=usage,
            cost_usd=round(sum(step.cost_usd for step in usage), 8),
            repaired=draft.repaired,
            cache="idm" if draft.idm_cached else None,
        )
        record = self.record(draft.prepared, result.lesson, meta)
        return GeneratedLesson(record, result.lesson, result.warnings, draft.idm)

    def record(
        self,
        prepared: PreparedRequest,
        lesson: dict[str, Any],
        meta: GenerationMeta,
        lesson_json: str | None = None,
    ) -> LessonRecord:
        """The record of a new, valid lesson (full form): the one place it is serialised.

        ``lesson_json`` is the lesson's text when the caller has it already (a cache hit).
        """
        routes = prepared.routes
        now = self._clock.now()
        return LessonRecord(
            lesson_id=self._ids.lesson_id(),
            owner=prepared.request.owner,
            topic=prepared.topic,
            title=lesson["title"],
            tags=(),
            created_at=now,
            updated_at=now,
            version=1,
            schema_version=prepared.schema_version,
            prompt_version=prepared.prompt_version,
            widgets_version=prepared.widgets_version,
            idempotency_key=prepared.request.idempotency_key,
            provider_a=routes.gatherer.provider,
            model_a=routes.gatherer.model,
            provider_b=routes.structurer.provider,
            model_b=routes.structurer.model,
            meta=meta,
            status="ok",
            lesson_json=(
                json.dumps(lesson, ensure_ascii=False, separators=(",", ":"))
                if lesson_json is None
                else lesson_json
            ),
        )

    async def stored(self, owner: str, lesson_id: str) -> bool:
        """Whether the owner has a lesson with this id stored (a resumed job's may be)."""
        try:
            await self._lessons.get(owner, lesson_id)
        except NotFoundError:
            return False
        return True

    async def store(
        self,
        record: LessonRecord,
        progress: Progress | None = None,
        *,
        save: Callable[[LessonRecord], Awaitable[None]] | None = None,
    ) -> None:
        """Store a new lesson: the one store step of every generation.

        In the repository, or by ``save``: an idempotency key's store keeps the lesson and
        the key's response in one step.
        """
        report = progress or QUIET
        report.step("store", "start")
        await (save or self._lessons.save)(record)
        report.step("store", "done")

    async def _gather(self, draft: Draft, report: Progress) -> Draft:
        if draft.idm is not None:
            report.step("gather", "skipped")
            return draft
        report.step("gather", "start")
        prepared = draft.prepared
        gathered = await self._gatherer.gather(
            prepared.topic, prepared.constraints, prepared.prompt
        )
        report.step("gather", "done")
        return replace(draft, idm=gathered.idm, usage=(*draft.usage, gathered.usage))

    async def _structure(self, draft: Draft, report: Progress) -> Draft:
        assert draft.idm is not None
        report.step("structure", "start")
        prepared = draft.prepared
        structured = await self._structurer.structure(
            draft.idm, prepared.constraints, prepared.schema_version
        )
        report.step("structure", "done")
        return replace(draft, output=structured.lesson, usage=(*draft.usage, structured.usage))

    async def _validate(self, draft: Draft, report: Progress) -> Draft:
        report.step("validate", "start")
        result = await verdict(draft.output, draft.prepared.schema_version)
        report.step("validate", "done" if result.ok else "failed")
        return replace(draft, verdict=result)
