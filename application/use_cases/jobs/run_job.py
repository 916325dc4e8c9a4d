"""RunJob: every generation runs as a job, through the stepwise GenerateLesson.

Two ways in, one way through. A worker runs a queued job by id (``__call__``: claim,
exactly once); the synchronous route (``POST /v1/lessons/generate``, ``dgs generate``)
runs its generation as a job inline, in its own task (``inline``: the job is recorded
already held by the caller, and never queued). Either way the job goes: prepare (its one
deadline starts) -> for each step (gather, structure, validate, repair): record the
phase, then run the step while a watcher renews the lease and looks for a cancel ->
record the store phase (from then on a cancel is refused) -> store the lesson (its id is
the job's) -> done. So the two routes share one generation behaviour: the same phases,
calls, costs and logs in the job record, the same cancel, the same deadline and errors.

A job resumed after its worker died keeps its deadline, and finds the lesson if it was
stored already. With a cache, the same request's lesson is served from it (no model
call) and a variant reuses the cached material (the keys include the request's
``prompt``).

A cancel is obeyed at the next step boundary; a model call in flight when it comes is
abandoned (its task is cancelled) and nothing is stored: the job ends ``canceled`` (an
inline caller gets ``GenerationCanceledError``). Past the deadline the job fails with
``model_timeout``. A job whose lease this worker lost (another took it over) is left to
its new holder.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from application.errors import ApplicationError
from application.jobs.problems import problem_of
from application.jobs.records import (
    JOB_TTL,
    JobCall,
    JobProblem,
    JobRecord,
    JobSpec,
)
from application.jobs.transitions import CancelRequestedError, LeaseLostError, claimed
from application.ports.cache import Cache
from application.ports.clock import Clock, IdGenerator
from application.ports.generation import Progress
from application.ports.jobs import JobEvents, JobStore, NoJobEvents
from application.ports.telemetry import GenerationReport, outcome_of
from application.records import GenerationMeta, LessonRecord
from application.use_cases.generate_lesson import GeneratedLesson, GenerateLesson
from application.use_cases.generation_request import PreparedRequest, fingerprint
from application.use_cases.jobs.job_steps import (
    MODEL_STEPS,
    PHASE_OF,
    JobTiming,
    StepWatch,
    new_calls,
)
from application.use_cases.lesson_draft import Draft
from application.use_cases.rate_limits import GenerationQuotas, MonthlyQuota
from domain.generation import IntermediateDataModel

log = logging.getLogger("dgs.jobs")
# The holder of a job run inline: the request's own task, not a worker of the pool.
INLINE_WORKER = "inline"

# Stores a new lesson with its full form: a worker saves it; the synchronous route
# serialises its answer and stores the lesson with its idempotency key's response.
Keep = Callable[[LessonRecord, dict[str, Any]], Awaitable[None]]
# The last writes of inline jobs whose callers went away, until they are done.
_ENDING: set[asyncio.Task[JobRecord | None]] = set()


class GenerationCanceledError(ApplicationError):
    """The synchronous generation's job was canceled (``POST /v1/jobs/{id}/cancel``)."""

    code = "generation_canceled"


@dataclass(slots=True)
class _Attempt:
    """What one run of a job got to: whether a model step started, the lesson kept."""

    model_called: bool = False
    kept: bool = False


class RunJob:
    """Runs jobs: a queued one by id for a worker, or a synchronous generation inline."""

    def __init__(
        self,
        jobs: JobStore,
        generate: GenerateLesson,
        timing: JobTiming | None = None,
        *,
        clock: Clock,
        ids: IdGenerator,
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
        self._watch = StepWatch(jobs, self._timing)
        self._clock = clock
        self._ids = ids
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
        ended, _ = await self._settle(job, lambda attempt: self._resume(job, attempt))
        return ended

    async def inline(
        self,
        prepared: PreparedRequest,
        keep: Keep,
        *,
        fmt: str = "shorthand",
        use_cache: bool = True,
        cached: str | None = None,
        progress: Progress | None = None,
    ) -> str:
        """Run a synchronous generation as a job in this task; the lesson's id (the job's).

        ``cached``: the request's lesson from the cache, if the caller found it (no model
        call then). The job is recorded held by this call, so it is listed, polled and
        canceled like any other. Errors are raised as the pipeline raised them, after the
        job recorded them; a cancel raises ``GenerationCanceledError``.
        """
        job, _ = await self._jobs.create(self._held(prepared, fmt, use_cache))
        attempt = _Attempt()

        def run(attempt: _Attempt) -> Awaitable[str]:
            return self._made(job, prepared, attempt, keep, cached, progress)

        try:
            ended, error = await self._settle(job, run, attempt)
        except asyncio.CancelledError:
            # The caller went away (a client disconnect, a shutdown): nobody waits for
            # this lesson and its idempotency key is released, so the job ends canceled
            # rather than being resumed. That write must outlive this cancelled task.
            ending = asyncio.ensure_future(self._end(job.job_id, INLINE_WORKER, canceled=True))
            _ENDING.add(ending)  # the loop keeps only a weak reference to a task
            ending.add_done_callback(_ended_in_background)
            raise
        except Exception:
            if not attempt.kept:
                raise
            # The lesson is stored (and answered); only its job's last write failed. The
            # sweeper finds the job's lease expired and the lesson stored: it ends done.
            log.exception("the lesson of job %s is stored; its job could not end", job.job_id)
            return job.job_id
        if isinstance(error, CancelRequestedError):
            raise GenerationCanceledError("the generation was canceled") from error
        if error is not None:
            raise error
        assert ended is None or ended.lesson_id == job.job_id
        return job.job_id

    def _held(self, prepared: PreparedRequest, fmt: str, use_cache: bool) -> JobRecord:
        """The record of a job run inline: running from the start, held by the caller."""
        request, now = prepared.request, self._clock.now()
        queued = JobRecord(
            job_id=self._ids.lesson_id(),
            owner=request.owner,
            status="queued",
            spec=JobSpec.of(request, fmt, use_cache),
            fingerprint=fingerprint(request, fmt, use_cache),
            created_at=now,
            updated_at=now,
            expires_at=now + JOB_TTL,
        )
        held = claimed(queued, INLINE_WORKER, now, self._timing.lease)
        assert held is not None
        return held

    async def _settle(
        self,
        job: JobRecord,
        work: Callable[[_Attempt], Awaitable[str]],
        attempt: _Attempt | None = None,
    ) -> tuple[JobRecord | None, BaseException | None]:
        """Run the job's work and record how it ended: the final record and the error."""
        attempt = attempt or _Attempt()
        worker = job.worker
        assert worker is not None
        try:
            lesson_id = await work(attempt)
        except CancelRequestedError as exc:
            return await self._end(job.job_id, worker, canceled=True), exc
        except LeaseLostError as exc:
            return None, exc
        except ApplicationError as exc:
            ended = await self._end(job.job_id, worker, problem=self._problem(job, exc))
            # Refused before any model call (e.g. the provider is not configured): the
            # charge taken when the job was accepted is given back (issue 13). Only on a
            # first attempt: a worker that died before may have made calls unrecorded.
            if ended is not None and not attempt.model_called and job.attempts == 1:
                await self._refund(job)
            return ended, exc
        except Exception as exc:
            return await self._end(job.job_id, worker, problem=self._problem(job, exc)), exc
        return await self._end(job.job_id, worker, lesson_id=lesson_id), None

    def _problem(self, job: JobRecord, exc: Exception) -> JobProblem:
        """What the job records of its error; a bug (500) is logged once, with its trace."""
        problem = self._describe(exc)
        # An inline job's caller gets the error itself, and the route's handler logs it.
        if problem.status == 500 and job.worker != INLINE_WORKER:
            log.error("job %s failed: %s", job.job_id, problem.code, exc_info=exc)
        return problem

    async def _refund(self, job: JobRecord) -> None:
        if self._quotas is not None and job.charged is not None:
            await self._quotas.refund(job.charged, job.created_at)
            if self._monthly is not None:
                await self._monthly.refund(job.owner, job.created_at)

    async def _resume(self, job: JobRecord, attempt: _Attempt) -> str:
        """A claimed job's lesson, made and stored (or found, on a resumed job)."""
        # The lesson's id is the job's, so a job resumed after its worker died between
        # storing the lesson and recording ``done`` finds it and stores no second one.
        if job.attempts > 1 and await self._generate.stored(job.owner, job.job_id):
            return job.job_id
        # A resumed job keeps the deadline it started with (claims keep ``started_at``).
        spent = job.updated_at - job.started_at if job.started_at else timedelta(0)
        prepared = self._generate.prepare(job.spec.request(job.owner, job.idempotency_key), spent)
        cache = self._cache if job.spec.use_cache else None
        cached = await cache.get(prepared.lesson_key) if cache is not None else None
        return await self._made(job, prepared, attempt, self._save, cached)

    async def _save(self, record: LessonRecord, lesson: dict[str, Any]) -> None:
        await self._generate.store(record)

    async def _made(
        self,
        job: JobRecord,
        prepared: PreparedRequest,
        attempt: _Attempt,
        keep: Keep,
        cached: str | None,
        progress: Progress | None = None,
    ) -> str:
        """The job's lesson made (from the cached one, or generated) and kept; its id."""
        worker = job.worker
        assert worker is not None
        # Without the cache (``?cache=false``) nothing is read from it; the new lesson and
        # its material are cached all the same.
        cache = self._cache
        if cached is not None:
            # A new lesson from the cached one: new id and times, no model call. The
            # routes are part of the key, so the record's providers are the cached ones.
            lesson = json.loads(cached)
            record = self._generate.record(prepared, lesson, GenerationMeta(cache="lesson"), cached)
            draft = self._generate.start(prepared)
            await self._watch.report(job.job_id, worker, "store", len(PHASE_OF), draft, [])
        else:
            reads = job.spec.use_cache
            material = await cache.get(prepared.idm_key) if cache and reads else None
            idm = IntermediateDataModel.model_validate_json(material) if material else None
            draft = self._generate.start(prepared, idm)
            generated, calls = await self._steps(job.job_id, worker, draft, attempt, progress)
            # The store phase is the point of no return: from this write on, cancel is refused.
            await self._watch.report(job.job_id, worker, "store", len(PHASE_OF), draft, calls)
            if cache is not None:
                ttl = self._cache_ttl
                await asyncio.gather(
                    cache.put(prepared.lesson_key, generated.record.lesson_json, ttl),
                    cache.put(prepared.idm_key, generated.idm.model_dump_json(), ttl),
                )
            record, lesson = generated.record, generated.lesson
        record = replace(record, lesson_id=job.job_id)
        await keep(record, lesson)
        attempt.kept = True
        self._generate.report(GenerationReport.made(record))
        return record.lesson_id

    async def _steps(
        self,
        job_id: str,
        worker: str,
        draft: Draft,
        attempt: _Attempt,
        progress: Progress | None,
    ) -> tuple[GeneratedLesson, list[JobCall]]:
        """Every step, each announced at its boundary and watched while it runs.

        A failure is reported to the observers with the calls made before it.
        """
        calls: list[JobCall] = []
        try:
            for done, name in enumerate(PHASE_OF):
                await self._watch.report(job_id, worker, PHASE_OF[name], done, draft, calls)
                started = self._monotonic()
                attempt.model_called |= name in MODEL_STEPS
                step = self._generate.step(name, draft, progress)
                draft = await self._watch.watched(job_id, worker, step)
                latency = round((self._monotonic() - started) * 1000)
                calls += new_calls(draft, len(calls), latency)
            return await self._generate.finish(draft), calls
        except BaseException as exc:
            elapsed = round((self._monotonic() - draft.started) * 1000)
            self._generate.report(GenerationReport(outcome_of(exc), elapsed, draft.usage))
            raise

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


def _ended_in_background(task: asyncio.Task[JobRecord | None]) -> None:
    _ENDING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("an abandoned job could not end", exc_info=task.exception())
