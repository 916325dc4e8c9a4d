"""The JobStore contract, over SQLite (a real file) and DynamoDB (moto's server)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.dynamodb.client import DynamoSettings, DynamoTable
from adapters.dynamodb.jobs import DynamoJobStore
from adapters.dynamodb.schema import create_table
from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.jobs import SqliteJobStore
from application.errors import NotFoundError
from application.jobs.records import JOB_TTL, JobCall, JobProblem, JobProgress
from application.jobs.transitions import CancelRequestedError, JobFinishedError, LeaseLostError
from application.ports.jobs import JobStore
from tests.conftest import use_test_credentials
from tests.support.dynamo_proxy import DynamoProxy
from tests.support.fakes import FakeClock
from tests.support.jobs import OWNER, make_job

LEASE = timedelta(seconds=30)
LOST = JobProblem("worker_lost", 503, "Worker lost", "the worker stopped answering")


@dataclass
class JobStores:
    store: JobStore
    clock: FakeClock
    proxy: DynamoProxy | None = None


@pytest.fixture(params=["sqlite", "dynamodb-moto"])
async def jobs(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[JobStores]:
    clock = FakeClock()
    if request.param == "sqlite":
        database = SqliteDatabase(tmp_path / "data" / "dgs.sqlite3")
        yield JobStores(SqliteJobStore(database, clock), clock)
        database.close()
        return
    use_test_credentials(monkeypatch)
    proxy: DynamoProxy = request.getfixturevalue("moto_proxy")
    proxy.reset()
    table = DynamoTable(
        DynamoSettings(table=f"dgs-{uuid.uuid4().hex[:12]}", endpoint_url=proxy.url)
    )
    await create_table(table)
    proxy.reset()
    yield JobStores(DynamoJobStore(table, clock), clock, proxy)
    assert "Scan" not in proxy.operations(), "the DynamoDB adapter must never Scan"
    await table.close()


async def test_create_then_get_by_its_owner_only(jobs: JobStores) -> None:
    job = make_job(jobs.clock.now())
    assert await jobs.store.create(job) == (job, True)
    assert await jobs.store.get(OWNER, job.job_id) == job
    with pytest.raises(NotFoundError):
        await jobs.store.get("USER#mallory", job.job_id)
    with pytest.raises(NotFoundError):
        await jobs.store.cancel("USER#mallory", job.job_id)
    assert (await jobs.store.get(OWNER, job.job_id)).status == "queued"


async def test_the_same_key_and_owner_give_the_same_job(jobs: JobStores) -> None:
    first = make_job(jobs.clock.now(), key="k-1")
    assert await jobs.store.create(first) == (first, True)
    again = await jobs.store.create(make_job(jobs.clock.now(), key="k-1"))
    assert again == (first, False)
    other_owner = make_job(jobs.clock.now(), owner="USER#bob", key="k-1")
    assert await jobs.store.create(other_owner) == (other_owner, True)


async def test_twenty_concurrent_claims_have_exactly_one_winner(jobs: JobStores) -> None:
    job = make_job(jobs.clock.now())
    await jobs.store.create(job)
    results = await asyncio.gather(
        *(jobs.store.claim(job.job_id, f"worker-{i}", LEASE) for i in range(20))
    )
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    stored = await jobs.store.get(OWNER, job.job_id)
    assert (stored.status, stored.worker, stored.attempts) == ("running", winners[0].worker, 1)


async def test_progress_is_recorded_with_a_new_version_and_bounded_logs(jobs: JobStores) -> None:
    job = make_job(jobs.clock.now())
    await jobs.store.create(job)
    await jobs.store.claim(job.job_id, "w", LEASE)
    call = JobCall(1, "gather", "fake", "m", 10, 20, 3, 0.25, 900, "ok")
    report = JobProgress(
        "collect", "ai_call_1_of_2", 1, 5, (call,), tuple(f"l{i}" for i in range(150))
    )
    before = await jobs.store.get(OWNER, job.job_id)
    after = await jobs.store.progress(job.job_id, "w", report)
    assert await jobs.store.get(OWNER, job.job_id) == after
    assert after.version > before.version
    assert (after.phase, after.subphase, after.progress, after.calls) == (
        "collect",
        "ai_call_1_of_2",
        20,
        (call,),
    )
    assert (after.total_tokens, after.total_cost_usd) == (33, 0.25)
    assert after.logs == tuple(f"l{i}" for i in range(50, 150))  # the last 100 lines
    with pytest.raises(LeaseLostError):
        await jobs.store.progress(job.job_id, "another-worker", report)


async def test_finish_done_with_the_lesson(jobs: JobStores) -> None:
    job = make_job(jobs.clock.now())
    await jobs.store.create(job)
    await jobs.store.claim(job.job_id, "w", LEASE)
    done = await jobs.store.finish(job.job_id, "w", lesson_id="lesson-1")
    assert (done.status, done.lesson_id, done.progress) == ("done", "lesson-1", 100)
    assert done.finished_at == jobs.clock.now()
    with pytest.raises(JobFinishedError):
        await jobs.store.cancel(OWNER, job.job_id)


async def test_a_canceled_queued_job_never_starts(jobs: JobStores) -> None:
    job = make_job(jobs.clock.now())
    await jobs.store.create(job)
    assert (await jobs.store.cancel(OWNER, job.job_id)).status == "canceled"
    assert await jobs.store.claim(job.job_id, "w", LEASE) is None
    assert (await jobs.store.get(OWNER, job.job_id)).status == "canceled"


async def test_a_running_job_stops_at_its_next_step_boundary(jobs: JobStores) -> None:
    job = make_job(jobs.clock.now())
    await jobs.store.create(job)
    await jobs.store.claim(job.job_id, "w", LEASE)
    asked = await jobs.store.cancel(OWNER, job.job_id)
    assert (asked.status, asked.cancel_requested) == ("running", True)
    with pytest.raises(CancelRequestedError):
        await jobs.store.progress(job.job_id, "w", JobProgress("transform", None, 2, 5))
    ended = await jobs.store.finish(job.job_id, "w", canceled=True)
    assert ended.status == "canceled"


@pytest.mark.parametrize("repeat", range(5))
async def test_cancel_racing_finish_has_exactly_one_winner(jobs: JobStores, repeat: int) -> None:
    job = make_job(jobs.clock.now())
    await jobs.store.create(job)
    await jobs.store.claim(job.job_id, "w", LEASE)

    async def finish() -> str:
        try:
            await jobs.store.progress(job.job_id, "w", JobProgress("store", None, 4, 5))
        except CancelRequestedError:
            await jobs.store.finish(job.job_id, "w", canceled=True)
            return "canceled"
        await jobs.store.finish(job.job_id, "w", lesson_id="lesson-1")
        return "done"

    async def cancel() -> str:
        try:
            await jobs.store.cancel(OWNER, job.job_id)
        except JobFinishedError:
            return "refused"
        return "accepted"

    if repeat % 2:
        ran, asked = await asyncio.gather(finish(), cancel())
    else:
        asked, ran = await asyncio.gather(cancel(), finish())
    final = await jobs.store.get(OWNER, job.job_id)
    # Either the cancel won (the job ends canceled) or the finish did (cancel refused).
    assert (asked, ran, final.status) in {
        ("accepted", "canceled", "canceled"),
        ("refused", "done", "done"),
    }


async def test_an_expired_lease_is_due_and_can_be_claimed_again(jobs: JobStores) -> None:
    job = make_job(jobs.clock.now())
    await jobs.store.create(job)
    await jobs.store.claim(job.job_id, "dead-worker", LEASE)
    jobs.clock.advance(LEASE / 2)
    await jobs.store.heartbeat(job.job_id, "dead-worker", LEASE)
    assert await jobs.store.claim(job.job_id, "w2", LEASE) is None  # the lease holds
    jobs.clock.advance(LEASE + timedelta(seconds=1))
    assert [j.job_id for j in await jobs.store.due()] == [job.job_id]
    taken = await jobs.store.claim(job.job_id, "w2", LEASE)
    assert taken is not None
    assert (taken.worker, taken.attempts) == ("w2", 2)
    with pytest.raises(LeaseLostError):
        await jobs.store.heartbeat(job.job_id, "dead-worker", LEASE)


async def test_a_lost_job_fails_with_worker_lost_and_leaves_the_due_list(jobs: JobStores) -> None:
    job = make_job(jobs.clock.now())
    await jobs.store.create(job)
    await jobs.store.claim(job.job_id, "dead-worker", LEASE)
    jobs.clock.advance(LEASE * 2)
    failed = await jobs.store.fail_lost(job.job_id, LOST)
    assert failed is not None
    assert (failed.status, failed.problem) == ("failed", LOST)
    assert await jobs.store.due() == ()
    assert await jobs.store.fail_lost(job.job_id, LOST) is None  # already ended


async def test_a_queued_job_past_its_grace_is_due_until_requeued(jobs: JobStores) -> None:
    job = make_job(jobs.clock.now())
    await jobs.store.create(job)
    assert await jobs.store.due() == ()
    jobs.clock.advance(timedelta(minutes=2))
    assert [j.job_id for j in await jobs.store.due()] == [job.job_id]
    await jobs.store.requeue(job.job_id, timedelta(minutes=1))
    assert await jobs.store.due() == ()


async def test_jobs_expire_after_their_ttl(jobs: JobStores) -> None:
    job = make_job(jobs.clock.now(), key="k-ttl")
    await jobs.store.create(job)
    jobs.clock.advance(JOB_TTL + timedelta(seconds=1))
    with pytest.raises(NotFoundError):
        await jobs.store.get(OWNER, job.job_id)
    assert (await jobs.store.list(OWNER)).items == ()
    fresh = make_job(jobs.clock.now(), key="k-ttl")
    assert await jobs.store.create(fresh) == (fresh, True)  # the key is free again


async def test_listing_is_newest_first_paginated_filtered_and_owned(jobs: JobStores) -> None:
    made = []
    for i in range(5):
        job = make_job(jobs.clock.now(), topic=f"T{i}")
        await jobs.store.create(job)
        made.append(job)
        jobs.clock.advance(1)
    await jobs.store.create(make_job(jobs.clock.now(), owner="USER#bob"))
    await jobs.store.cancel(OWNER, made[1].job_id)
    first = await jobs.store.list(OWNER, limit=2)
    assert [j.job_id for j in first.items] == [made[4].job_id, made[3].job_id]
    assert first.next is not None
    second = await jobs.store.list(OWNER, limit=2, after=first.next)
    third = await jobs.store.list(OWNER, limit=2, after=second.next)
    assert [j.job_id for j in (*second.items, *third.items)] == [
        made[2].job_id,
        made[1].job_id,
        made[0].job_id,
    ]
    assert third.next is None
    canceled = await jobs.store.list(OWNER, status="canceled")
    assert [j.job_id for j in canceled.items] == [made[1].job_id]
    queued = await jobs.store.list(OWNER, status="queued", limit=10)
    assert len(queued.items) == 4


async def test_find_names_the_live_job_of_an_owners_key(jobs: JobStores) -> None:
    job = make_job(jobs.clock.now(), key="k-find")
    assert await jobs.store.find(OWNER, "k-find") is None
    await jobs.store.create(job)
    assert await jobs.store.find(OWNER, "k-find") == job
    assert await jobs.store.find("USER#bob", "k-find") is None
    jobs.clock.advance(JOB_TTL)
    assert await jobs.store.find(OWNER, "k-find") is None


async def test_erase_removes_only_the_owners_job_and_frees_its_key(jobs: JobStores) -> None:
    job = make_job(jobs.clock.now(), key="k-erase")
    await jobs.store.create(job)
    assert not await jobs.store.erase("USER#mallory", job.job_id)  # not hers: kept
    assert await jobs.store.get(OWNER, job.job_id) == job
    assert await jobs.store.erase(OWNER, job.job_id)
    with pytest.raises(NotFoundError):
        await jobs.store.get(OWNER, job.job_id)
    assert await jobs.store.find(OWNER, "k-erase") is None
    assert (await jobs.store.list(OWNER)).items == ()
    assert not await jobs.store.erase(OWNER, job.job_id)  # gone already
    again = make_job(jobs.clock.now(), key="k-erase")  # the key makes a new job
    assert await jobs.store.create(again) == (again, True)
