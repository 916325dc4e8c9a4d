"""The IdempotencyStore contract, for every store."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from datetime import timedelta

import pytest

from application.errors import FencedError, LessonTooLargeError, NotFoundError
from application.ports.idempotency import (
    Claimed,
    Completed,
    FingerprintMismatch,
    IdempotencyScope,
    InProgress,
)
from application.principal import DEV_TENANT
from tests.contract.conftest import Stores
from tests.support.records import make_record

SCOPE = IdempotencyScope("default", "POST /v1/lessons/generate", "key-1")
LEASE = timedelta(seconds=60)


async def test_twenty_concurrent_claims_have_exactly_one_owner(stores: Stores) -> None:
    results = await asyncio.gather(
        *(stores.idempotency.claim(SCOPE, "fp", LEASE) for _ in range(20))
    )
    claimed = [r for r in results if isinstance(r, Claimed)]
    assert len(claimed) == 1
    others = [r for r in results if not isinstance(r, Claimed)]
    assert all(isinstance(r, InProgress) and r.retry_after > timedelta(0) for r in others)


async def test_complete_then_replay_without_a_new_claim(stores: Stores) -> None:
    claim = await stores.idempotency.claim(SCOPE, "fp", LEASE)
    assert isinstance(claim, Claimed)
    lesson = make_record(stores.clock.now(), idempotency_key=SCOPE.key)
    await stores.idempotency.complete(SCOPE, claim.owner, lesson, '{"lesson_id": "x"}')
    assert await stores.lessons.get(DEV_TENANT, lesson.lesson_id) == lesson
    replay = Completed(lesson.lesson_id, '{"lesson_id": "x"}')
    assert await stores.idempotency.claim(SCOPE, "fp", LEASE) == replay
    assert await stores.idempotency.claim(SCOPE, "fp", LEASE) == replay  # a replay changes nothing
    assert isinstance(
        await stores.idempotency.claim(SCOPE, "other-body", LEASE), FingerprintMismatch
    )


async def test_keys_are_scoped_by_tenant_and_route(stores: Stores) -> None:
    assert isinstance(await stores.idempotency.claim(SCOPE, "fp", LEASE), Claimed)
    other_route = IdempotencyScope(SCOPE.tenant, "POST /v1/other", SCOPE.key)
    other_tenant = IdempotencyScope("tenant-2", SCOPE.route, SCOPE.key)
    assert isinstance(await stores.idempotency.claim(other_route, "fp", LEASE), Claimed)
    assert isinstance(await stores.idempotency.claim(other_tenant, "fp", LEASE), Claimed)


async def test_in_progress_and_mismatched_claims(stores: Stores) -> None:
    assert isinstance(await stores.idempotency.claim(SCOPE, "fp", LEASE), Claimed)
    stores.clock.advance(timedelta(seconds=20))
    busy = await stores.idempotency.claim(SCOPE, "fp", LEASE)
    assert busy == InProgress(timedelta(seconds=40))
    assert isinstance(
        await stores.idempotency.claim(SCOPE, "different", LEASE), FingerprintMismatch
    )
    assert isinstance(await stores.idempotency.claim(SCOPE, "fp", LEASE), InProgress)


async def test_release_lets_the_key_be_claimed_again(stores: Stores) -> None:
    first = await stores.idempotency.claim(SCOPE, "fp", LEASE)
    assert isinstance(first, Claimed)
    await stores.idempotency.release(SCOPE, "somebody-else")  # not the owner: no effect
    assert isinstance(await stores.idempotency.claim(SCOPE, "fp", LEASE), InProgress)
    await stores.idempotency.release(SCOPE, first.owner)
    second = await stores.idempotency.claim(SCOPE, "fp", LEASE)
    assert isinstance(second, Claimed)
    assert second.owner != first.owner


async def test_a_late_attempt_is_fenced_after_its_lease_was_taken_over(stores: Stores) -> None:
    late = await stores.idempotency.claim(SCOPE, "fp", LEASE)
    assert isinstance(late, Claimed)
    stores.clock.advance(LEASE + timedelta(seconds=1))
    newer = await stores.idempotency.claim(SCOPE, "fp", LEASE)
    assert isinstance(newer, Claimed)
    stale_lesson = make_record(stores.clock.now())
    with pytest.raises(FencedError):
        await stores.idempotency.complete(SCOPE, late.owner, stale_lesson, "late")
    with pytest.raises(NotFoundError):  # both or neither: the late lesson was not stored
        await stores.lessons.get(DEV_TENANT, stale_lesson.lesson_id)
    lesson = make_record(stores.clock.now())
    await stores.idempotency.complete(SCOPE, newer.owner, lesson, "newer")
    assert await stores.idempotency.claim(SCOPE, "fp", LEASE) == Completed(
        lesson.lesson_id, "newer"
    )


async def test_records_expire_after_24_hours(stores: Stores) -> None:
    claim = await stores.idempotency.claim(SCOPE, "fp", LEASE)
    assert isinstance(claim, Claimed)
    lesson = make_record(stores.clock.now())
    await stores.idempotency.complete(SCOPE, claim.owner, lesson, "done")
    stores.clock.advance(timedelta(hours=23, minutes=59))
    assert await stores.idempotency.claim(SCOPE, "fp", LEASE) == Completed(lesson.lesson_id, "done")
    stores.clock.advance(timedelta(minutes=2))
    # Expired: the key is free for any request (unexpired, another body would be a mismatch).
    assert isinstance(await stores.idempotency.claim(SCOPE, "another body", LEASE), Claimed)


async def test_a_failed_completion_stores_nothing_and_keeps_the_claim(stores: Stores) -> None:
    claim = await stores.idempotency.claim(SCOPE, "fp", LEASE)
    assert isinstance(claim, Claimed)
    incompressible = base64.b64encode(os.urandom(450_000)).decode()  # ~600 KB, ~450 KB gzipped
    huge = make_record(stores.clock.now(), lesson_json=json.dumps({"blob": incompressible}))
    with pytest.raises(LessonTooLargeError):
        await stores.idempotency.complete(SCOPE, claim.owner, huge, "response")
    with pytest.raises(NotFoundError):
        await stores.lessons.get(DEV_TENANT, huge.lesson_id)
    assert isinstance(await stores.idempotency.claim(SCOPE, "fp", LEASE), InProgress)  # not done
