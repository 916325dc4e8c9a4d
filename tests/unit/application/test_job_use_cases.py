"""StartJob, GetJob, ListJobs, CancelJob, and the worker pool with its sweeper."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.jobs.pool import WorkerPool
from adapters.system import RandomIds
from application.errors import InvalidRequestError, NotFoundError, StoreUnavailableError
from application.jobs.transitions import JobFinishedError
from application.use_cases.generation_request import GenerateRequest
from application.use_cases.guarded_generation import IdempotencyMismatchError
from application.use_cases.jobs.manage import QUEUE_GRACE, CancelJob, GetJob, ListJobs, StartJob
from application.use_cases.rate_limits import RateLimitedError
from tests.support.generation import VALID, pipeline
from tests.support.job_runs import TIMING, job_rig

OWNER = "USER#alice"


async def test_the_same_key_gives_the_same_job_and_charges_once(tmp_path: Path) -> None:
    generate, _ = pipeline([VALID])
    rig = job_rig(tmp_path, generate, per_client=1)
    try:
        request = GenerateRequest("Tides", idempotency_key="k-1")
        first = await rig.start(request, OWNER, "client")
        again = await rig.start(request, OWNER, "client")  # a second charge would be refused
        assert (first.created, again.created, again.job) == (True, False, first.job)
        with pytest.raises(IdempotencyMismatchError):
            await rig.start(GenerateRequest("Other", idempotency_key="k-1"), OWNER, "client")
        with pytest.raises(RateLimitedError):
            await rig.start(GenerateRequest("Tides", idempotency_key="k-2"), OWNER, "client")
        assert await rig.jobs.find(OWNER, "k-2") is None  # refused: nothing stored
        assert await rig.queue.next() == first.job.job_id
    finally:
        rig.close()


async def test_a_bad_request_is_refused_before_any_charge_or_record(tmp_path: Path) -> None:
    generate, _ = pipeline([VALID])
    rig = job_rig(tmp_path, generate, per_client=1)
    try:
        with pytest.raises(InvalidRequestError):
            await rig.start(GenerateRequest("x" * 201), OWNER, "client")
        assert (await rig.jobs.list(OWNER)).items == ()
        assert (await rig.start(GenerateRequest("Tides"), OWNER, "client")).created
    finally:
        rig.close()


async def test_get_list_and_cancel_see_only_the_owners_jobs(tmp_path: Path) -> None:
    generate, _ = pipeline([VALID])
    rig = job_rig(tmp_path, generate)
    try:
        job = (await rig.start(GenerateRequest("Tides"), OWNER, None)).job
        get, listing, cancel = GetJob(rig.jobs), ListJobs(rig.jobs), CancelJob(rig.jobs)
        assert await get(OWNER, job.job_id) == job
        for other in (get, cancel):
            with pytest.raises(NotFoundError):
                await other("USER#mallory", job.job_id)
        assert (await listing("USER#mallory")).items == ()
        with pytest.raises(InvalidRequestError):
            await listing(OWNER, limit=0)
        assert (await cancel(OWNER, job.job_id)).status == "canceled"
        with pytest.raises(JobFinishedError):
            await cancel(OWNER, job.job_id)
    finally:
        rig.close()


async def test_the_pool_runs_queued_jobs_to_the_end(tmp_path: Path) -> None:
    generate, made = pipeline([VALID] * 3)
    made.gatherer.outputs *= 3
    rig = job_rig(tmp_path, generate)
    pool = WorkerPool(rig.run, rig.queue, rig.jobs, concurrency=2, sweep_every=0.05)
    try:
        await pool.start()
        ids = [
            (await rig.start(GenerateRequest(f"T{i}"), OWNER, None)).job.job_id for i in range(3)
        ]
        for _ in range(200):
            jobs = [await rig.jobs.get(OWNER, job_id) for job_id in ids]
            if all(job.final for job in jobs):
                break
            await asyncio.sleep(0.01)
        assert [job.status for job in jobs] == ["done"] * 3
        assert len(made.lessons.saved) == 3
    finally:
        await pool.stop()
        rig.close()


async def test_the_sweeper_resumes_a_lost_job_then_fails_it_with_worker_lost(
    tmp_path: Path,
) -> None:
    generate, made = pipeline([VALID])
    rig = job_rig(tmp_path, generate)
    pool = WorkerPool(rig.run, rig.queue, rig.jobs, concurrency=1, max_attempts=2)
    try:
        lost = (await rig.start(GenerateRequest("Tides"), OWNER, None)).job
        await rig.queue.next()  # the enqueue that a killed worker took with it
        await rig.jobs.claim(lost.job_id, "killed-worker", TIMING.lease)
        rig.clock.advance(TIMING.lease * 2)
        assert await pool.sweep() == 1  # resumed: enqueued again for a new claim
        assert await rig.queue.next() == lost.job_id
        resumed = await rig.run(lost.job_id, "w2")
        assert resumed is not None
        assert (resumed.status, resumed.attempts) == ("done", 2)

        again = (await rig.start(GenerateRequest("Again"), OWNER, None)).job
        await rig.queue.next()
        for worker in ("killed-1", "killed-2"):  # two workers died on it
            await rig.jobs.claim(again.job_id, worker, TIMING.lease)
            rig.clock.advance(TIMING.lease * 2)
        await pool.sweep()
        failed = await rig.jobs.get(OWNER, again.job_id)
        assert failed.problem is not None
        assert (failed.status, failed.problem.code) == ("failed", "worker_lost")
    finally:
        rig.close()
    assert len(made.lessons.saved) == 1


async def test_the_sweeper_enqueues_a_queued_job_nobody_took(tmp_path: Path) -> None:
    generate, _ = pipeline([VALID])
    rig = job_rig(tmp_path, generate)
    pool = WorkerPool(rig.run, rig.queue, rig.jobs)
    try:
        job = (await rig.start(GenerateRequest("Tides"), OWNER, None)).job
        await rig.queue.next()  # lost with the process that queued it
        assert await pool.sweep() == 0
        rig.clock.advance(QUEUE_GRACE + timedelta(seconds=1))
        assert await pool.sweep() == 1
        assert await rig.queue.next() == job.job_id
        assert await pool.sweep() == 0  # not again before another grace
    finally:
        rig.close()


async def test_two_simultaneous_starts_with_one_key_charge_once(tmp_path: Path) -> None:
    generate, _ = pipeline([VALID])
    rig = job_rig(tmp_path, generate, per_client=2)
    try:
        request = GenerateRequest("Tides", idempotency_key="k-1")
        first, second = await asyncio.gather(
            rig.start(request, OWNER, "client"), rig.start(request, OWNER, "client")
        )
        assert first.job.job_id == second.job.job_id
        assert sorted([first.created, second.created]) == [False, True]
        # One generation charged: a second new job still fits, a third does not.
        assert (await rig.start(GenerateRequest("Waves"), OWNER, "client")).created
        with pytest.raises(RateLimitedError):
            await rig.start(GenerateRequest("Rain"), OWNER, "client")
    finally:
        rig.close()


class BrokenQueue:
    async def enqueue(self, job_id: str) -> None:
        raise StoreUnavailableError("the queue did not answer")


async def test_a_job_the_queue_refused_is_failed_and_refunded(tmp_path: Path) -> None:
    generate, _ = pipeline([VALID])
    rig = job_rig(tmp_path, generate, per_client=1)
    try:
        broken = StartJob(rig.jobs, BrokenQueue(), generate, rig.quotas, rig.clock, RandomIds())
        with pytest.raises(StoreUnavailableError):
            await broken(GenerateRequest("Tides"), OWNER, "client")
        (job,) = (await rig.jobs.list(OWNER)).items
        assert job.problem is not None
        assert (job.status, job.problem.code) == ("failed", "store_unavailable")
        # Refunded: the client's one generation is there again.
        assert (await rig.start(GenerateRequest("Tides"), OWNER, "client")).created
    finally:
        rig.close()


async def test_a_job_refused_before_any_model_call_is_refunded(tmp_path: Path) -> None:
    generate, made = pipeline([VALID])
    rig = job_rig(tmp_path, generate, per_client=1, daily_budget=1)
    try:
        started = await rig.start(GenerateRequest("Tides"), OWNER, "client")
        made.structurer.refuse_route = True  # the provider is no longer configured for it
        job = await rig.run(started.job.job_id, "w1")
        assert job is not None
        assert job.problem is not None
        assert (job.status, job.problem.code) == ("failed", "structured_output_unavailable")
        assert made.gatherer.calls == []
        made.structurer.refuse_route = False
        # Both the client's bucket and the day's budget were given back.
        again = await rig.start(GenerateRequest("Tides"), OWNER, "client")
        assert (await rig.run(again.job.job_id, "w1")) is not None
        with pytest.raises(RateLimitedError):  # a job that made its calls is not refunded
            await rig.start(GenerateRequest("Waves"), OWNER, "client")
    finally:
        rig.close()
