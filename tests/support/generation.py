"""Lessons for generation tests, and the use cases built over fakes of their model steps.

``pipeline`` builds ``GenerateLesson`` over scripted model steps and memory stores;
``guarded`` builds ``GuardedGeneration`` over the same steps and the real SQLite stores
on a file (idempotency, cache, rate limits), as the API runs it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from adapters.llm.offline import sample_idm, sample_lesson
from adapters.sqlite.cache import SqliteCache
from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.idempotency import SqliteIdempotencyStore
from adapters.sqlite.jobs import SqliteJobStore
from adapters.sqlite.lessons import SqliteLessonRepository
from adapters.sqlite.rate_limit import SqliteRateLimiter
from adapters.system import RandomIds
from application.cursor import CursorCodec
from application.ports.generation import RepairLog
from application.use_cases.generate_lesson import GenerateLesson
from application.use_cases.guarded_generation import GuardedGeneration, GuardPolicy
from application.use_cases.jobs.run_job import RunJob
from domain.conversion.forms import expand
from domain.generation import LessonConstraints
from tests.support.fakes import (
    FakeClock,
    FakeGatherer,
    FakeRepairer,
    FakeStructurer,
    FixedIds,
    MemoryLessons,
    MemoryRepairs,
    Monotonic,
    Slow,
)

IDM = sample_idm("Tides", LessonConstraints())
VALID = expand(sample_lesson(IDM, "1.1"))
INVALID = {**VALID, "title": ""}
BUDGET = timedelta(seconds=150)


@dataclass
class Parts:
    gatherer: FakeGatherer
    structurer: FakeStructurer
    repairer: FakeRepairer
    lessons: MemoryLessons
    repairs: MemoryRepairs


def parts(
    structured: list[Any], repaired: list[Any] | None = None, *, refuse: bool = False
) -> Parts:
    """Scripted steps (material, then ``structured``, then ``repaired``) and memory stores."""
    return Parts(
        FakeGatherer([IDM]),
        FakeStructurer(structured, refuse_route=refuse),
        FakeRepairer(repaired or []),
        MemoryLessons(),
        MemoryRepairs(),
    )


def pipeline(
    structured: list[Any],
    repaired: list[Any] | None = None,
    *,
    repair: bool = True,
    refuse: bool = False,
    repairs: RepairLog | None = None,
) -> tuple[GenerateLesson, Parts]:
    """``GenerateLesson`` over scripted steps (and ``repairs``, else a memory log)."""
    made = parts(structured, repaired, refuse=refuse)
    use_case = GenerateLesson(
        made.gatherer, made.structurer, made.repairer, made.lessons, repairs or made.repairs,
        FakeClock(), FixedIds(), repair_enabled=repair, prompt_version="v1-test",
        deadline=BUDGET,
    )  # fmt: skip
    return use_case, made


def slow_steps(made: Parts, seconds: float) -> tuple[Monotonic, tuple[Slow, Slow, Slow]]:
    """The scripted steps, each call taking ``seconds`` on the monotonic clock returned."""
    clock = Monotonic()
    slow = (
        Slow(made.gatherer, clock, seconds),
        Slow(made.structurer, clock, seconds),
        Slow(made.repairer, clock, seconds),
    )
    return clock, slow


def slow_pipeline(
    structured: list[Any], repaired: list[Any], seconds: float, budget: float
) -> tuple[GenerateLesson, Parts, tuple[Slow, Slow, Slow]]:
    """``GenerateLesson`` whose every model call takes ``seconds`` of a ``budget``."""
    made = parts(structured, repaired)
    clock, steps = slow_steps(made, seconds)
    use_case = GenerateLesson(
        *steps, made.lessons, made.repairs,
        FakeClock(), FixedIds(), prompt_version="v1-test", deadline=timedelta(seconds=budget),
        monotonic=clock,
    )  # fmt: skip
    return use_case, made, steps


class Guarded:
    """``GuardedGeneration`` over model ``steps`` and the SQLite stores on one file."""

    def __init__(
        self,
        tmp_path: Path,
        steps: tuple[Any, Any, Any],
        *,
        budget: timedelta = BUDGET,
        monotonic: Callable[[], float] = time.perf_counter,
        repairs: Any = None,
        idempotency: type[SqliteIdempotencyStore] = SqliteIdempotencyStore,
        **policy: Any,
    ) -> None:
        self.clock = FakeClock()
        self.database = SqliteDatabase(tmp_path / "dgs.sqlite3")
        self.lessons = SqliteLessonRepository(self.database, CursorCodec(b"x" * 32), self.clock)
        self.idempotency = idempotency(self.database, self.clock, RandomIds())
        self.cache = SqliteCache(self.database, self.clock)
        self.repairs = repairs or MemoryRepairs()
        self.generate = GenerateLesson(
            *steps, self.lessons, self.repairs, self.clock, RandomIds(),
            prompt_version="v1-test", deadline=budget, monotonic=monotonic,
        )  # fmt: skip
        self.jobs = SqliteJobStore(self.database, self.clock)
        self.run_job = RunJob(
            self.jobs, self.generate, clock=self.clock, ids=RandomIds(), cache=self.cache
        )
        self.guarded = GuardedGeneration(
            self.generate,
            self.run_job,
            self.idempotency,
            self.cache,
            SqliteRateLimiter(self.database, self.clock),
            GuardPolicy(**policy),
        )

    async def count(self, table: str) -> int:
        """Rows in a table of the file."""
        row = await self.database.read(
            lambda c: c.execute(f"SELECT count(*) AS n FROM {table}").fetchone()
        )
        return int(row["n"])

    async def column(self, sql: str) -> list[Any]:
        """The first column of each row a query returns."""
        rows = await self.database.read(lambda c: c.execute(sql).fetchall())
        return [row[0] for row in rows]

    def close(self) -> None:
        self.database.close()
