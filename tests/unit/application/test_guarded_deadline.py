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

from adapters.sqlite.idempotency import SqliteIdempotencyStore
from application.deadline import WRITE_MARGIN, lease_for
from application.errors import ProviderTimeoutError
from application.ports.idempotency import Claimed, IdempotencyScope
from application.principal import DEV_TENANT
from application.use_cases.generate_lesson import GenerateRequest
from application.use_cases.guarded_generation import (
    GENERATE_ROUTE,
    IdempotencyInProgressError,
    fingerprint,
)
from tests.support.generation import INVALID, VALID, Guarded, parts, slow_steps

BUDGET = 150.0
REQUEST = GenerateRequest("Tides", idempotency_key="key-1")
SCOPE = IdempotencyScope(DEV_TENANT, GENERATE_ROUTE, "key-1")  # the request's owner


class Recording(SqliteIdempotencyStore):
    """The SQLite store, noting the lease of every claim."""

    leases: list[timedelta]

    async def claim(self, scope: IdempotencyScope, fingerprint: str, lease: timedelta) -> Any:
        self.leases.append(lease)
        return await super().claim(scope, fingerprint, lease)


def slow_guarded(tmp_path: Path, seconds: float) -> Guarded:
    """Three calls (gather, an invalid lesson, its repair), each taking ``seconds``."""
    Recording.leases = []
    clock, steps = slow_steps(parts([INVALID], [VALID]), seconds)
    return Guarded(
        tmp_path, steps, budget=timedelta(seconds=BUDGET), monotonic=clock, idempotency=Recording
    )


@pytest.fixture
def fast(tmp_path: Path) -> Iterator[Guarded]:
    guarded = slow_guarded(tmp_path, seconds=10)
    yield guarded
    guarded.close()


async def test_the_lease_outlasts_the_deadline_and_its_writes(fast: Guarded) -> None:
    await fast.guarded(REQUEST, "client")
    assert Recording.leases == [timedelta(seconds=BUDGET) + WRITE_MARGIN]


async def test_a_busy_key_is_told_the_deadline_left_not_the_lease(fast: Guarded) -> None:
    claimed = await fast.idempotency.claim(
        SCOPE, fingerprint(REQUEST, "shorthand", True), lease_for(timedelta(seconds=BUDGET))
    )
    assert isinstance(claimed, Claimed)
    fast.clock.advance(40)  # the first attempt has run for 40 s of its 150
    with pytest.raises(IdempotencyInProgressError) as info:
        await fast.guarded(REQUEST, "client")
    assert info.value.retry_after == timedelta(seconds=BUDGET - 40)


async def test_past_the_deadline_nothing_is_stored_or_cached_and_the_key_is_free(
    tmp_path: Path,
) -> None:
    slow = slow_guarded(tmp_path, seconds=60)  # three calls: 180 s of a 150 s budget
    try:
        with pytest.raises(ProviderTimeoutError):
            await slow.guarded(REQUEST, "client")
        assert [await slow.count(t) for t in ("lessons", "cache", "idempotency")] == [0, 0, 0]
    finally:
        slow.close()
