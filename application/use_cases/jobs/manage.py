"""StartJob, GetJob, ListJobs and CancelJob: the job use cases the API and the CLI call.

Every one takes the caller's owner (``Principal.owner``): another owner's job is not
found. Starting charges the client's rate limit and the day's budget when the job is
accepted; the same idempotency key (same owner) returns the same job, charging nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.errors import InvalidRequestError
from application.jobs.problems import problem_of
from application.jobs.records import (
    JOB_TTL,
    JobPage,
    JobPosition,
    JobRecord,
    JobSpec,
    JobStatus,
)
from application.ports.clock import Clock, IdGenerator
from application.ports.job_queue import JobQueue
from application.ports.jobs import JobStore
from application.responses import LessonFormat
from application.use_cases.generate_lesson import GenerateLesson
from application.use_cases.generation_request import GenerateRequest, fingerprint
from application.use_cases.guarded_generation import IdempotencyMismatchError
from application.use_cases.rate_limits import (
    GenerationQuotas,
    MonthlyQuota,
    QuotaExceededError,
    Quotas,
)

MAX_PAGE = 100
# A queued job nobody claimed by then is enqueued again by the sweeper (the in-process
# queue does not outlive its process).
QUEUE_GRACE = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class StartedJob:
    """The job, whether this call created it, and what is left of the limits."""

    job: JobRecord
    created: bool
    quotas: Quotas = ()


class StartJob:
    """``POST /v1/jobs``: check the request, charge the limits, record and enqueue the job."""

    def __init__(
        self,
        jobs: JobStore,
        queue: JobQueue,
        generate: GenerateLesson,
        quotas: GenerationQuotas,
        clock: Clock,
        ids: IdGenerator,
        *,
        queue_grace: timedelta = QUEUE_GRACE,
        monthly: MonthlyQuota | None = None,
    ) -> None:
        """The use case over its ports.

        ``monthly``: the owner's monthly quota, spent when a charged job is accepted (as
        a synchronous generation spends it) and given back with the other charges.

        ``queue_grace``: how long the queue has to hand the job to a worker before the
        sweeper of a worker pool enqueues it again; 0 when this process has no workers
        (``dgs generate --async``): the job is then due at once, for the next sweep of a
        running ``dgs serve``.
        """
        self._jobs = jobs
        self._queue = queue
        self._generate = generate
        self._quotas = quotas
        self._clock = clock
        self._ids = ids
        self._queue_grace = queue_grace
        self._monthly = monthly

    async def __call__(
        self,
        request: GenerateRequest,
        owner: str,
        client: str | None,
        fmt: LessonFormat = "shorthand",
        *,
        use_cache: bool = True,
    ) -> StartedJob:
        """Accept a job (``client`` None: the local operator, who is charged nothing).

        A bad request is refused before anything is charged or stored.
        """
        self._generate.prepare(request)  # InvalidRequestError before any charge
        digest = fingerprint(request, fmt, use_cache)
        key = request.idempotency_key
        if key is not None:
            existing = await self._jobs.find(owner, key)
            if existing is not None:
                return StartedJob(_same(existing, digest), False)
        now = self._clock.now()
        quotas = await self._quotas.take(client) if client is not None else ()
        if client is not None and self._monthly is not None:
            try:
                await self._monthly.spend(owner)
            except QuotaExceededError:
                await self._quotas.refund(client, now)  # refused: the bucket's token back
                raise
        job = JobRecord(
            job_id=self._ids.lesson_id(),
            owner=owner,
            status="queued",
            spec=JobSpec.of(request, fmt, use_cache),
            fingerprint=digest,
            created_at=now,
            updated_at=now,
            expires_at=now + JOB_TTL,
            idempotency_key=key,
            lease_until=now + self._queue_grace,
            charged=client,
        )
        stored, created = await self._jobs.create(job)
        if not created:  # a concurrent request with the same key made it first: one charge
            await self._refund(job)
            return StartedJob(_same(stored, digest), False, await self._peek(client))
        try:
            await self._queue.enqueue(job.job_id)
        except Exception as exc:
            # Refused before any model call: the job ends failed (it never runs) and
            # the charge is given back; the caller sees the queue's error.
            await self._jobs.fail_lost(job.job_id, problem_of(exc))
            await self._refund(job)
            raise
        return StartedJob(job, True, quotas)

    async def _refund(self, job: JobRecord) -> None:
        if job.charged is not None:
            await self._quotas.refund(job.charged, job.created_at)
            if self._monthly is not None:
                await self._monthly.refund(job.owner, job.created_at)

    async def _peek(self, client: str | None) -> Quotas:
        return await self._quotas.peek(client) if client is not None else ()


class GetJob:
    """``GET /v1/jobs/{job_id}``."""

    def __init__(self, jobs: JobStore) -> None:
        self._jobs = jobs

    async def __call__(self, owner: str, job_id: str) -> JobRecord:
        """The owner's job (``NotFoundError`` otherwise)."""
        return await self._jobs.get(owner, job_id)


class ListJobs:
    """``GET /v1/jobs?status=&limit=&cursor=``: newest first, keyset-paginated."""

    def __init__(self, jobs: JobStore) -> None:
        self._jobs = jobs

    async def __call__(
        self,
        owner: str,
        status: JobStatus | None = None,
        limit: int = 20,
        after: JobPosition | None = None,
    ) -> JobPage:
        """One page of the owner's jobs."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidRequestError(f"limit must be between 1 and {MAX_PAGE}")
        return await self._jobs.list(owner, status, limit, after)


class CancelJob:
    """``POST /v1/jobs/{job_id}/cancel``: best effort (``JobFinishedError`` once ended)."""

    def __init__(self, jobs: JobStore) -> None:
        self._jobs = jobs

    async def __call__(self, owner: str, job_id: str) -> JobRecord:
        """The job canceled (queued) or asked to cancel (running)."""
        return await self._jobs.cancel(owner, job_id)


def _same(job: JobRecord, digest: str) -> JobRecord:
    if job.fingerprint != digest:
        raise IdempotencyMismatchError("this idempotency key was used for a different request")
    return job
