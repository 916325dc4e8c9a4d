"""Jobs run over the scripted model steps and a real SQLite job store on a file."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from adapters.jobs.pool import InProcessJobQueue
from adapters.sqlite.cache import SqliteCache
from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.jobs import SqliteJobStore
from adapters.sqlite.rate_limit import SqliteRateLimiter
from adapters.system import RandomIds
from application.ports.generation import Gathered
from application.ports.rate_limit import BucketPolicy
from application.use_cases.generate_lesson import GenerateLesson
from application.use_cases.jobs.job_steps import JobTiming
from application.use_cases.jobs.manage import StartJob
from application.use_cases.jobs.run_job import RunJob
from application.use_cases.rate_limits import GenerationQuotas
from domain.generation import LessonConstraints
from tests.support.fakes import FakeClock, FakeGatherer

# Fast heartbeats, so a cancel reaches a step in flight within milliseconds.
TIMING = JobTiming(lease=timedelta(seconds=30), heartbeat=timedelta(milliseconds=10))


class BlockingGatherer(FakeGatherer):
    """A gather call that waits until released (or is abandoned: ``abandoned`` says so)."""

    def __init__(self, outputs: list[Any]) -> None:
        super().__init__(outputs)
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.abandoned = False

    async def gather(
        self, topic: str, constraints: LessonConstraints, prompt: str | None = None
    ) -> Gathered:
        self.entered.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.abandoned = True
            raise
        return await super().gather(topic, constraints, prompt)


@dataclass
class JobRig:
    """A job store, queue, starter and runner over one ``GenerateLesson``."""

    database: SqliteDatabase
    jobs: SqliteJobStore
    queue: InProcessJobQueue
    start: StartJob
    run: RunJob
    quotas: GenerationQuotas
    clock: FakeClock = field(default_factory=FakeClock)

    def close(self) -> None:
        self.database.close()


def job_rig(
    tmp_path: Path,
    generate: GenerateLesson,
    per_client: int = 10,
    clock: FakeClock | None = None,
    daily_budget: int = 500,
    *,
    cached: bool = False,
) -> JobRig:
    """The job use cases over SQLite on a file (``per_client`` generations per client;
    with ``cached``, the runner uses the SQLite cache)."""
    clock = clock or FakeClock()
    database = SqliteDatabase(tmp_path / "dgs.sqlite3")
    jobs = SqliteJobStore(database, clock)
    queue = InProcessJobQueue()
    quotas = GenerationQuotas(
        SqliteRateLimiter(database, clock), BucketPolicy(per_client, 0.0), daily_budget
    )
    start = StartJob(jobs, queue, generate, quotas, clock, RandomIds())
    cache = SqliteCache(database, clock) if cached else None
    run = RunJob(jobs, generate, TIMING, clock=clock, ids=RandomIds(), cache=cache, quotas=quotas)
    return JobRig(database, jobs, queue, start, run, quotas, clock)
