"""RunJob: a worker runs one job through the stepwise GenerateLesson, reporting as it goes.

claim (exactly once) -> prepare (the job's one deadline starts) -> for each step
(gather, structure, validate, repair): record the phase, then run the step while a
watcher renews the lease and looks for a cancel -> record the store phase (from then on
a cancel is refused) -> store the lesson (its id is the job's) -> done. A job resumed
after its worker died keeps its deadline, and finds the lesson if it was stored already.
With a cache, the same request's lesson is served from it (no model call) and a variant
reuses the cached material, as the synchronous route does (the keys include the
request's ``prompt``).

A cancel is obeyed at the next step boundary; a model call in flight when it comes is
abandoned (its task is cancelled) and nothing is stored: the job ends ``canceled``. Past
the deadline the job fails with ``model_timeout``. A job whose lease this worker lost
(another took it over) is left to its new holder.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from application.errors import ApplicationError
from application.jobs.problems import problem_of
from application.jobs.records import (
    PHASES,
    JobCall,
    JobProblem,
    JobProgress,
    JobRecord,
    Phase,
)
from application.jobs.transitions import CancelRequestedError, LeaseLostError
from application.ports.cache import Cache
from application.ports.jobs import JobEvents, JobStore, NoJobEvents
from application.ports.telemetry import GenerationReport, outcome_of
from application.records import GenerationMeta
from application.use_cases.generate_lesson import GeneratedLesson, GenerateLesson, Step
from application.use_cases.lesson_draft import Draft
from application.use_cases.rate_limits import GenerationQuotas, MonthlyQuota
from domain.generation import IntermediateDataModel

log = logging.getLogger("dgs.jobs")
PHASE_OF: dict[Step, Phase] = {
    "gather": "collect",
    "structure": "transform",
    "validate": "validate",
    "repair": "repair",
}
_MODEL_STEPS: frozenset[Step] = frozenset({"gather", "structure", "repair"})


@dataclass(frozen=True, slots=True)
class JobTiming:
    """How long a claim holds, and how often a running job renews it (and looks for a cancel)."""

    lease: timedelta = timedelta(seconds=30)
    heartbeat: timedelta = timedelta(seconds=5)


@dataclass(slots=True)
class _Attempt:
    """What one run of a job got to: whether a model step started."""

    model_called: bool = False


class RunJob:
    """Runs a job by id for a worker; returns the record it ended with (None: not ours)."""

    def __init__(
        self,
        jobs: JobStore,
        generate: GenerateLesson,
        timing: JobTiming | None = None,
        *,
        cache: Cache | None = None,
        cache_ttl: timedelta = timedelta(hours=24),
        describe: Callable[[BaseException], JobProblem] = problem_of,
        monotonic: Callable[[], float] = time.perf_counter,
        quotas: GenerationQuotas | None = None,
        monthly: MonthlyQuota | None = None,
        events: JobEvents | None = None,
    ) -> None:
        """The runner over its ports.

        ``quotas``: where a job refused before any model call gets its charge back;
        ``events``: told of every job this runner ended (one log line each).
        """
        self._jobs = jobs
        self._generate = generate
        self._timing = timing or JobTiming()
        self._cache = cache
        self._cache_ttl = cache_ttl
        self._describe = describe
        self._monotonic = monotonic
        self._quotas = quotas
        self._monthly = monthly
        self._events = events or NoJobEvents()

    async def __call__(self, job_id: str, worker: str) -> JobRecord | None:
        """Claim and run the job; None if another worker has it (or it ended)."""
        job = await self._jobs.claim(job_id, worker, self._timing.lease)
        if job is None:
            return None
        attempt = _Attempt()
        try:
            lesson_id = await self._run(job, worker, attempt)
        except CancelRequestedError:
            return await self._end(job_id, worker, canceled=True)
        except LeaseLostError:
            return None
        except ApplicationError as exc:
            ended = await self._end(job_id, worker, problem=self._describe(exc))
            # Refused before any model call (e.g. the provider is not configured): the
            # charge taken when the job was accepted is given back (issue 13). Only on a
            # first attempt: a worker that died before may have made calls unrecorded.
            if ended is not None and not attempt.model_called and job.attempts == 1:
                await self._refund(job)
            return ended
        except Exception as exc:
            log.exception("job %s failed unexpectedly", job_id)
            return await self._end(job_id, worker, problem=self._describe(exc))
        return await self._end(job_id, worker, lesson_id=lesson_id)

    async def _refund(self, job: JobRecord) -> None:
        if self._quotas is not None and job.charged is not None:
            await self._quotas.refund(job.charged, job.created_at)
            if self._monthly is not None:
                await self._monthly.refund(job.owner, job.created_at)

    async def _run(self, job: JobRecord, worker: str, attempt: _Attempt) -> str:
        # The lesson's id is the job's, so a job resumed after its worker died between
        # storing the lesson and recording ``done`` finds it and stores no second one.
        if job.attempts > 1 and await self._generate.stored(job.owner, job.job_id):
            return job.job_id
        # A resumed job keeps the deadline it started with (claims keep ``started_at``).
        spent = job.updated_at - job.started_at if job.started_at else timedelta(0)
        prepared = self._generate.prepare(job.spec.request(job.owner, job.idempotency_key), spent)
        cache = self._cache if job.spec.use_cache else None
        cached = await cache.get(prepared.lesson_key) if cache is not None else None
        if cached is not None:
            # A new lesson from the cached one: new id and times, no model call.
            meta = GenerationMeta(cache="lesson")
            made = self._generate.record(prepared, json.loads(cached), meta, cached)
            record = replace(made, lesson_id=job.job_id)
            draft = self._generate.start(prepared)
            await self._report(job.job_id, worker, "store", len(PHASE_OF), draft, [])
            await self._generate.store(record)
            self._generate.report(GenerationReport.made(record))
            return record.lesson_id
        material = await cache.get(prepared.idm_key) if cache is not None else None
        idm = IntermediateDataModel.model_validate_json(material) if material else None
        draft = self._generate.start(prepared, idm)
        generated, calls = await self._steps(job.job_id, worker, draft, attempt)
        # The store phase is the point of no return: from this write on, cancel is refused.
        await self._report(job.job_id, worker, "store", len(PHASE_OF), draft, calls)
        if cache is not None:
            ttl = self._cache_ttl
            await asyncio.gather(
                cache.put(prepared.lesson_key, generated.record.lesson_json, ttl),
                cache.put(prepared.idm_key, generated.idm.model_dump_json(), ttl),
            )
        lesson = replace(generated.record, lesson_id=job.job_id)
        await self._generate.store(lesson)
        self._generate.report(GenerationReport.made(lesson))
        return lesson.lesson_id

    async def _steps(
        self, job_id: str, worker: str, draft: Draft, attempt: _Attempt
    ) -> tuple[GeneratedLesson, list[JobCall]]:
        """Every step, each announced at its boundary and watched while it runs.

        A failure is reported to the observers with the calls made before it.
        """
        calls: list[JobCall] = []
        try:
            for done, name in enumerate(PHASE_OF):
                await self._report(job_id, worker, PHASE_OF[name], done, draft, calls)
                started = self._monotonic()
                attempt.model_called |= name in _MODEL_STEPS
                draft = await self._watched(job_id, worker, self._generate.step(name, draft))
                latency = round((self._monotonic() - started) * 1000)
                calls += _new_calls(draft, len(calls), latency)
            return await self._generate.finish(draft), calls
        except BaseException as exc:
            elapsed = round((self._monotonic() - draft.started) * 1000)
            self._generate.report(GenerationReport(outcome_of(exc), elapsed, draft.usage))
            raise

    async def _report(
        self, job_id: str, worker: str, phase: Phase, done: int, draft: Draft, calls: list[JobCall]
    ) -> None:
        """Record the phase about to run (the step boundary, where a cancel is obeyed)."""
        report = JobProgress(
            phase,
            _subphase(phase, draft, len(calls)),
            done,
            len(PHASES),
            tuple(calls),
            (f"{phase}: started",),
        )
        await self._jobs.progress(job_id, worker, report)

    async def _watched(self, job_id: str, worker: str, step: Coroutine[Any, Any, Draft]) -> Draft:
        """The step, abandoned if a cancel comes in (or the lease is lost) while it runs."""
        running = asyncio.ensure_future(step)
        watcher = asyncio.ensure_future(self._watch(job_id, worker))
        try:
            await asyncio.wait({running, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (running, watcher):
                if not task.done():
                    task.cancel()
            await asyncio.gather(running, watcher, return_exceptions=True)
        stopped = None if watcher.cancelled() else watcher.exception()
        if stopped is not None:
            raise stopped  # a cancel, or the lease lost: the step was abandoned
        return running.result()

    async def _watch(self, job_id: str, worker: str) -> None:
        """Renew the lease every heartbeat; raise when a cancel was asked for."""
        while True:
            await asyncio.sleep(self._timing.heartbeat.total_seconds())
            job = await self._jobs.heartbeat(job_id, worker, self._timing.lease)
            if job.cancel_requested:
                raise CancelRequestedError("the job was asked to cancel")

    async def _end(
        self,
        job_id: str,
        worker: str,
        *,
        lesson_id: str | None = None,
        problem: JobProblem | None = None,
        canceled: bool = False,
    ) -> JobRecord | None:
        try:
            ended = await self._jobs.finish(
                job_id, worker, lesson_id=lesson_id, problem=problem, canceled=canceled
            )
        except LeaseLostError:
            return None  # another worker took the job over: its record is its own
        self._events.job_finished(ended)
        return ended


def _subphase(phase: Phase, draft: Draft, made: int) -> str | None:
    """``ai_call_{n}_of_{m}`` while a model step runs (m grows to 3 when a repair is due)."""
    if phase not in ("collect", "transform", "repair"):
        return None
    verdict = draft.verdict
    expected = 3 if verdict is not None and not verdict.ok else 2
    expected -= 1 if draft.idm_cached else 0
    return f"ai_call_{made + 1}_of_{max(expected, made + 1)}"


def _new_calls(draft: Draft, known: int, latency_ms: int) -> list[JobCall]:
    """The model calls the last step made, as job calls."""
    return [
        JobCall(
            index=known + offset + 1,
            purpose=usage.step,
            provider=usage.provider,
            model=usage.model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            reasoning_tokens=usage.reasoning_tokens,
            cost_usd=usage.cost_usd,
            latency_ms=latency_ms,
        )
        for offset, usage in enumerate(draft.usage[known:])
    ]
