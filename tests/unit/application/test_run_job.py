"""RunJob: a job driven step by step through GenerateLesson, reporting and cancelable."""

from __future__ import annotations

import asyncio
from pathlib import Path

from application.use_cases.generation_request import GenerateRequest
from tests.support.generation import IDM, INVALID, VALID, pipeline, slow_pipeline
from tests.support.job_runs import BlockingGatherer, job_rig

OWNER = "USER#alice"


async def test_a_job_runs_every_phase_in_order_and_ends_done_with_its_lesson(
    tmp_path: Path,
) -> None:
    generate, made = pipeline([INVALID], [VALID])
    rig = job_rig(tmp_path, generate)
    try:
        started = await rig.start(GenerateRequest("Tides"), OWNER, "client")
        job = await rig.run(started.job.job_id, "w1")
    finally:
        rig.close()
    assert job is not None
    assert (job.status, job.progress, job.completed_steps) == ("done", 100, 5)
    assert [record.lesson_id for record in made.lessons.saved] == [job.lesson_id]
    assert [line.split(":")[0] for line in job.logs] == [
        "collect", "transform", "validate", "repair", "store",
    ]  # fmt: skip
    assert [(c.index, c.purpose) for c in job.calls] == [
        (1, "gatherer"), (2, "structurer"), (3, "repair"),
    ]  # fmt: skip
    assert job.total_cost_usd == 0.003
    assert job.total_tokens == 3 * 35


async def test_a_running_job_canceled_mid_call_abandons_it_and_stores_nothing(
    tmp_path: Path,
) -> None:
    generate, made = pipeline([VALID])
    blocking = BlockingGatherer([IDM])
    generate._gatherer = blocking  # the same pipeline, with a call that waits
    rig = job_rig(tmp_path, generate)
    try:
        started = await rig.start(GenerateRequest("Tides"), OWNER, "client")
        running = asyncio.create_task(rig.run(started.job.job_id, "w1"))
        await blocking.entered.wait()
        asked = await rig.jobs.cancel(OWNER, started.job.job_id)
        assert (asked.status, asked.cancel_requested) == ("running", True)
        job = await asyncio.wait_for(running, 5)
    finally:
        rig.close()
    assert job is not None
    assert job.status == "canceled"
    assert blocking.abandoned
    assert made.lessons.saved == []


async def test_a_queued_job_canceled_never_runs(tmp_path: Path) -> None:
    generate, made = pipeline([VALID])
    rig = job_rig(tmp_path, generate)
    try:
        started = await rig.start(GenerateRequest("Tides"), OWNER, "client")
        await rig.jobs.cancel(OWNER, started.job.job_id)
        assert await rig.run(started.job.job_id, "w1") is None
    finally:
        rig.close()
    assert made.gatherer.calls == []


async def test_a_job_past_its_deadline_fails_with_model_timeout(tmp_path: Path) -> None:
    generate, made, _ = slow_pipeline([INVALID], [VALID], seconds=40, budget=100)
    rig = job_rig(tmp_path, generate)
    try:
        started = await rig.start(GenerateRequest("Tides"), OWNER, "client")
        job = await rig.run(started.job.job_id, "w1")
    finally:
        rig.close()
    assert job is not None
    assert job.status == "failed"
    assert job.problem is not None
    assert (job.problem.code, job.problem.status) == ("model_timeout", 504)
    assert made.lessons.saved == []


async def test_a_lesson_still_invalid_after_repair_fails_with_its_problem(tmp_path: Path) -> None:
    generate, made = pipeline([INVALID], [INVALID])
    rig = job_rig(tmp_path, generate)
    try:
        started = await rig.start(GenerateRequest("Tides"), OWNER, "client")
        job = await rig.run(started.job.job_id, "w1")
    finally:
        rig.close()
    assert job is not None
    assert job.problem is not None
    assert (job.status, job.problem.code, job.problem.status) == (
        "failed", "invalid_after_repair", 502,
    )  # fmt: skip
    assert made.lessons.saved == []


async def test_a_job_claimed_by_another_worker_is_not_run_twice(tmp_path: Path) -> None:
    generate, made = pipeline([VALID, VALID])
    rig = job_rig(tmp_path, generate)
    try:
        started = await rig.start(GenerateRequest("Tides"), OWNER, "client")
        first, second = await asyncio.gather(
            rig.run(started.job.job_id, "w1"), rig.run(started.job.job_id, "w2")
        )
    finally:
        rig.close()
    assert [j is None for j in (first, second)].count(True) == 1
    assert len(made.lessons.saved) == 1
