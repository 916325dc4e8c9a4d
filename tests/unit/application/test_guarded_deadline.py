"""GuardedGeneration and the generation's deadline: the lease, Retry-After, and a timeout.

The use case runs over fake model steps (that move a fake monotonic clock) and the real
SQLite stores on a file, whose wall clock the test moves.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.sqlite.cache import SqliteCache
from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.idempotency import SqliteIdempotencyStore
from adapters.sqlite.lessons import SqliteLessonRepository
from adapters.sqlite.rate_limit import SqliteRateLimiter
from adapters.system import RandomIds
from application.cursor import CursorCodec
from application.deadline import WRITE_MARGIN
from application.errors import ProviderTimeoutError
from application.ports.idempotency import IdempotencyScope
from application.use_cases.generate_lesson import GenerateRequest
from application.use_cases.guarded_generation import (
    GENERATE_ROUTE,
    GuardedGeneration,
    GuardPolicy,
    IdempotencyInProgressError,
    fingerprint,
)
from tests.support.fakes import FakeClock
from tests.unit.application.test_generate_lesson import INVALID, VALID, build_slow

BUDGET = 150.0
REQUEST = GenerateRequest("Tides", idempotency_key="key-1")
SCOPE = IdempotencyScope("default", GENERATE_ROUTE, "key-1")


class Recording(SqliteIdempotencyStore):
    """The SQLite store, noting the lease of every claim."""

    leases: list[timedelta]

    async def claim(self, scope: IdempotencyScope, fingerprint: str, lease: timedelta) -> Any:
        self.leases.append(lease)
        return await super().claim(scope, fingerprint, lease)


class Guarded:
    def __init__(self, tmp_path: Path, seconds: float) -> None:
        self.clock = FakeClock()
        self.database = SqliteDatabase(tmp_path / "dgs.sqlite3")
        self.lessons = SqliteLessonRepository(self.database, CursorCodec(b"x" * 32), self.clock)
        self.idempotency = Recording(self.database, self.clock, RandomIds())
        self.idempotency.leases = []
        self.generate, self.parts, _ = build_slow([INVALID], [VALID], seconds, BUDGET)
        self.guarded = GuardedGeneration(
            self.generate,
            self.idempotency,
            SqliteCache(self.database, self.clock),
            SqliteRateLimiter(self.database, self.clock),
            GuardPolicy(),
        )

    async def count(self, table: str) -> int:
        row = await self.database.read(
            lambda c: c.execute(f"SELECT count(*) AS n FROM {table}").fetchone()
        )
        return int(row["n"])


@pytest.fixture
def fast(tmp_path: Path) -> Iterator[Guarded]:
    guarded = Guarded(tmp_path, seconds=10)
    yield guarded
    guarded.database.close()


async def test_the_lease_outlasts_the_deadline_and_its_writes(fast: Guarded) -> None:
    await fast.guarded(REQUEST, "client")
    assert fast.idempotency.leases == [timedelta(seconds=BUDGET) + WRITE_MARGIN]


async def test_a_busy_key_is_told_the_deadline_left_not_the_lease(fast: Guarded) -> None:
    claimed = await fast.idempotency.claim(
        SCOPE, fingerprint(REQUEST, "shorthand", True), fast.guarded.lease
    )
    assert claimed.outcome == "claimed"
    fast.clock.advance(40)  # the first attempt has run for 40 s of its 150
    with pytest.raises(IdempotencyInProgressError) as info:
        await fast.guarded(REQUEST, "client")
    assert info.value.retry_after == timedelta(seconds=BUDGET - 40)


async def test_past_the_deadline_nothing_is_stored_or_cached_and_the_key_is_free(
    tmp_path: Path,
) -> None:
    slow = Guarded(tmp_path, seconds=60)  # three calls: 180 s of a 150 s budget
    try:
        with pytest.raises(ProviderTimeoutError):
            await slow.guarded(REQUEST, "client")
        assert [await slow.count(t) for t in ("lessons", "cache", "idempotency")] == [0, 0, 0]
    finally:
        slow.database.close()
