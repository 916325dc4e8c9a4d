"""Handing the single tenant's idempotency records and jobs to a user (``dgs store
assign-owner``, issue 14), on every store: each moves once, a rerun moves nothing more,
and a key the user already holds stays the user's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.errors import NotFoundError
from application.ports.idempotency import Claimed, Completed, IdempotencyScope
from application.principal import DEV_TENANT
from tests.contract.conftest import Stores
from tests.support.jobs import make_job
from tests.support.records import make_record

ALICE = "USER#alice-sub"
ROUTE = "POST /v1/lessons/generate"
LEASE = timedelta(seconds=60)


def scope(owner: str, key: str) -> IdempotencyScope:
    return IdempotencyScope(owner, ROUTE, key)


async def completed(stores: Stores, owner: str, key: str, response: str) -> str:
    """A completed idempotency record of ``owner``'s; its lesson's id."""
    claim = await stores.idempotency.claim(scope(owner, key), "fp", LEASE)
    assert isinstance(claim, Claimed)
    lesson = make_record(stores.clock.now(), owner=owner, idempotency_key=key)
    await stores.idempotency.complete(scope(owner, key), claim.owner, lesson, response)
    return lesson.lesson_id


async def test_idempotency_records_move_once_and_a_live_claim_waits(stores: Stores) -> None:
    handover = stores.idempotency_handover
    first = await completed(stores, DEV_TENANT, "k1", '{"n": 1}')
    await completed(stores, DEV_TENANT, "k2", '{"n": 2}')
    running = await stores.idempotency.claim(scope(DEV_TENANT, "k3"), "fp", LEASE)
    assert isinstance(running, Claimed)  # a generation holding its key right now
    await completed(stores, ALICE, "mine", '{"n": 0}')
    assert await handover.count(DEV_TENANT) == 3

    assert await handover.hand_over(DEV_TENANT, ALICE) == 2  # the live claim is left
    assert await handover.hand_over(DEV_TENANT, ALICE) == 0
    assert (await handover.count(DEV_TENANT), await handover.count(ALICE)) == (1, 3)
    # The user replays the tenant's key; the tenant no longer has it.
    assert await stores.idempotency.claim(scope(ALICE, "k1"), "fp", LEASE) == Completed(
        first, '{"n": 1}'
    )
    stores.clock.advance(LEASE)  # the claim's lease ended: its generation is gone
    assert await handover.hand_over(DEV_TENANT, ALICE) == 1
    assert await handover.count(DEV_TENANT) == 0
    assert isinstance(await stores.idempotency.claim(scope(DEV_TENANT, "k1"), "fp", LEASE), Claimed)


async def test_a_key_the_user_holds_already_stays_the_users(stores: Stores) -> None:
    handover = stores.idempotency_handover
    mine = await completed(stores, ALICE, "k1", '{"whose": "mine"}')
    await completed(stores, DEV_TENANT, "k1", '{"whose": "tenant"}')
    assert await handover.hand_over(DEV_TENANT, ALICE) == 0
    assert await handover.count(DEV_TENANT) == 0  # the tenant's record gave way
    assert await stores.idempotency.claim(scope(ALICE, "k1"), "fp", LEASE) == Completed(
        mine, '{"whose": "mine"}'
    )


async def test_jobs_move_once_with_their_keys_even_while_running(stores: Stores) -> None:
    handover, jobs, now = stores.job_handover, stores.jobs, stores.clock.now()
    keyed = make_job(now, owner=DEV_TENANT, key="k1")
    running = make_job(now + timedelta(seconds=1), owner=DEV_TENANT)
    clashing = make_job(now + timedelta(seconds=2), owner=DEV_TENANT, key="k2")
    users = make_job(now + timedelta(seconds=3), owner=ALICE, key="k2")
    for job in (keyed, running, clashing, users):
        await jobs.create(job)
    assert await jobs.claim(running.job_id, "worker-1", LEASE) is not None
    assert await handover.count(DEV_TENANT) == 3

    assert await handover.hand_over(DEV_TENANT, ALICE) == 3
    assert await handover.hand_over(DEV_TENANT, ALICE) == 0
    assert (await handover.count(DEV_TENANT), await handover.count(ALICE)) == (0, 4)
    assert (await jobs.list(DEV_TENANT)).items == ()
    listed = (await jobs.list(ALICE)).items
    assert [j.job_id for j in listed] == [
        users.job_id, clashing.job_id, running.job_id, keyed.job_id,
    ]  # fmt: skip
    moved = await jobs.get(ALICE, keyed.job_id)
    assert (moved.owner, moved.version, moved.idempotency_key) == (ALICE, keyed.version + 1, "k1")
    with pytest.raises(NotFoundError):
        await jobs.get(DEV_TENANT, keyed.job_id)
    assert await jobs.find(ALICE, "k1") == moved  # its key went with it
    assert await jobs.find(DEV_TENANT, "k1") is None
    # The user's own job keeps the key both had; the tenant's moves without it.
    assert await jobs.find(ALICE, "k2") == users
    assert (await jobs.get(ALICE, clashing.job_id)).idempotency_key is None
    # The worker running a moved job finishes it; the job stays the user's.
    done = await jobs.finish(running.job_id, "worker-1", lesson_id="lesson-1")
    assert (done.status, done.owner) == ("done", ALICE)
