"""The embedded executor: an in-process queue, a bounded pool of workers, a sweeper.

The sweeper recovers jobs whose worker died.

The app starts the pool with its lifespan (``DGS_JOB_CONCURRENCY`` workers). The queue
lives in memory, so it is only a fast path: the job records are durable, and the
sweeper enqueues again any queued job nobody claimed within its grace (after a
restart, say) and any running job whose lease expired (its worker was killed). Such a
job runs again from its first step (nothing was stored before its last), at most
``max_attempts`` times; then it fails with ``worker_lost``, never staying ``running``.
"""

from __future__ import annotations

import asyncio
import logging
import secrets

from adapters.observability.metrics import Metrics, NoMetrics, Point
from application.jobs.problems import WORKER_LOST
from application.ports.jobs import JobStore
from application.use_cases.jobs.manage import QUEUE_GRACE
from application.use_cases.jobs.run_job import RunJob

log = logging.getLogger("dgs.jobs")
# Seconds between sweeps: a job recorded as due at once (``dgs generate --async``, no
# worker in its process) waits at most this long; a sweep is one indexed query.
SWEEP_EVERY = 2.0


class InProcessJobQueue:
    """``JobQueue`` in memory, for the workers of this process."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._metrics = metrics or NoMetrics()

    async def enqueue(self, job_id: str) -> None:
        """Queue a job id."""
        self._queue.put_nowait(job_id)
        self._depth()

    async def next(self) -> str:
        """The next job id (waits for one)."""
        job_id = await self._queue.get()
        self._depth()
        return job_id

    def _depth(self) -> None:
        """The queue depth gauge: jobs accepted here that no worker has taken yet."""
        self._metrics.record([Point("dgs_job_queue_depth", self._queue.qsize())])


class WorkerPool:
    """``concurrency`` workers taking jobs from the queue, and one sweeper."""

    def __init__(
        self,
        run: RunJob,
        queue: InProcessJobQueue,
        jobs: JobStore,
        *,
        concurrency: int = 4,
        sweep_every: float = SWEEP_EVERY,
        max_attempts: int = 2,
    ) -> None:
        if concurrency < 1:
            raise ValueError("the job concurrency must be at least 1")
        self._run = run
        self._queue = queue
        self._jobs = jobs
        self._concurrency = concurrency
        self._sweep_every = sweep_every
        self._max_attempts = max_attempts
        self._name = f"worker-{secrets.token_hex(4)}"  # this process, in the job records
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start the workers and the sweeper (sweeping once first: recovery at startup).

        A store that does not answer yet does not stop the app from starting (its routes
        answer 503 meanwhile): the sweeper tries again at its interval.
        """
        try:
            await self.sweep()
        except Exception:
            log.exception("the job sweeper failed at startup; it tries again")
        self._tasks = [
            asyncio.create_task(self._work(f"{self._name}-{n}")) for n in range(self._concurrency)
        ]
        self._tasks.append(asyncio.create_task(self._sweeping()))

    async def stop(self) -> None:
        """Stop every task; jobs they were running are recovered by a later sweep."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def sweep(self) -> int:
        """Enqueue overdue queued jobs and recover lost running ones; how many were due."""
        due = await self._jobs.due()
        for job in due:
            if job.status == "queued":
                if await self._jobs.requeue(job.job_id, QUEUE_GRACE) is not None:
                    await self._queue.enqueue(job.job_id)
            elif job.attempts >= self._max_attempts:
                await self._jobs.fail_lost(job.job_id, WORKER_LOST)
            else:
                await self._queue.enqueue(job.job_id)  # a worker claims it over (lease expired)
        return len(due)

    async def _work(self, worker: str) -> None:
        while True:
            job_id = await self._queue.next()
            try:
                await self._run(job_id, worker)
            except Exception:  # a store failure: the sweeper brings the job back
                log.exception("worker %s could not run job %s", worker, job_id)

    async def _sweeping(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_every)
            try:
                await self.sweep()
            except Exception:
                log.exception("the job sweeper failed; it tries again")
