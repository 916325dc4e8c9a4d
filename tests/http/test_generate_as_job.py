"""``POST /v1/lessons/generate`` runs through the job machinery inline (issue 13).

The synchronous route keeps its contract (201 with the lesson, the same errors), and its
generation is a job like one started with ``POST /v1/jobs``: recorded with its phases,
calls and costs under the lesson's id, listed, failed with the problem the route
answered, and canceled through ``POST /v1/jobs/{id}/cancel`` (the route then answers
409 ``generation_canceled`` and stores nothing).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from application.jobs.records import PHASES
from tests.http.conftest import KEY
from tests.http.jobs_api import FINAL, JobsApi, concurrent_api, jobs_api
from tests.http.test_jobs import script_generation
from tests.support.scripted_openai import ScriptedOpenAI, error

pytestmark = pytest.mark.slow
GENERATE = "/v1/lessons/generate"


async def generate(api: JobsApi, **params: str) -> Any:
    return await api.client.post(
        GENERATE, json={"topic": "Photosynthesis"}, params=params, headers=KEY
    )


def without_request_id(problem: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in problem.items() if name != "request_id"}


async def test_a_synchronous_generation_is_a_job_with_the_phases_and_calls_of_one(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    script_generation(scripted_model)
    script_generation(scripted_model)
    async with jobs_api(scripted_model, tmp_path) as api:
        created = await generate(api)
        lesson_id = created.json()["lesson_id"]
        inline = await api.get(lesson_id)
        queued = (await api.start({"topic": "Tides"})).json()["job_id"]
        started = await api.until(queued, "done")
        listed = (await api.client.get("/v1/jobs", headers=KEY)).json()["items"]
        stored = await api.stored()
    assert created.status_code == 201, created.text
    assert (inline["status"], inline["lesson_id"]) == ("done", lesson_id)
    assert inline["lesson"]["lesson_json"] == created.json()["lesson_json"]
    # One generation behaviour: the same phases, the same calls, as a queued job.
    assert inline["logs"] == started["logs"] == [f"{phase}: started" for phase in PHASES]
    assert [(c["index"], c["purpose"]) for c in inline["calls"]] == [
        (c["index"], c["purpose"]) for c in started["calls"]
    ]
    assert [c["purpose"] for c in inline["calls"]] == ["gatherer", "structurer"]
    assert inline["totals"]["tokens"] == 300
    assert inline["totals"]["cost_usd"] == created.json()["meta"]["cost_usd"]
    assert inline["problem"] is None
    assert [job["job_id"] for job in listed] == [queued, lesson_id]  # newest first
    assert (stored, len(scripted_model.requests)) == (2, 4)


async def test_a_cached_synchronous_generation_is_a_job_that_made_no_call(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    script_generation(scripted_model)
    async with jobs_api(scripted_model, tmp_path) as api:
        await generate(api)
        again = await generate(api)
        job = await api.get(again.json()["lesson_id"])
    assert again.status_code == 201, again.text
    assert again.json()["meta"]["cache"] == "lesson"
    assert (job["status"], job["phase"], job["calls"]) == ("done", "store", [])
    assert len(scripted_model.requests) == 2  # the first generation's calls only


async def test_a_failed_synchronous_generation_records_the_problem_it_answered(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    scripted_model.script(*[error(400, "the model refused this request")] * 6)
    async with jobs_api(scripted_model, tmp_path) as api:
        refused = await generate(api)
        failed = (await api.client.get("/v1/jobs?status=failed", headers=KEY)).json()["items"]
        stored = await api.stored()
    assert refused.status_code >= 400
    assert refused.headers["content-type"] == "application/problem+json"
    (job,) = failed
    assert without_request_id(job["problem"]) == without_request_id(refused.json())
    assert (job["lesson_id"], stored) == (None, 0)


@pytest.mark.parametrize("phase", ["collect", "transform"])
async def test_a_synchronous_generation_canceled_through_its_job_answers_409_and_stores_nothing(
    scripted_model: ScriptedOpenAI, tmp_path: Path, phase: str
) -> None:
    script_generation(scripted_model, 1.5)
    async with concurrent_api(scripted_model, tmp_path, DGS_JOB_LEASE_SECONDS="3") as api:
        waiting = asyncio.ensure_future(generate(api))
        job_id = await running_job(api, phase)
        asked = await api.client.post(f"/v1/jobs/{job_id}/cancel", headers=KEY)
        answered = await asyncio.wait_for(waiting, 20)
        ended = await api.get(job_id)
        stored = await api.stored()
    assert asked.status_code in (200, 202), asked.text
    assert answered.status_code == 409, answered.text
    assert answered.headers["content-type"] == "application/problem+json"
    assert answered.json()["code"] == "generation_canceled"
    assert (ended["status"], ended["lesson_id"], stored) == ("canceled", None, 0)


async def test_a_synchronous_generation_whose_client_went_away_ends_its_job_canceled(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    script_generation(scripted_model, 1.5)
    async with concurrent_api(scripted_model, tmp_path) as api:
        waiting = asyncio.ensure_future(generate(api))
        job_id = await running_job(api, "collect")
        waiting.cancel()  # the request's task is cancelled, as on a disconnect
        with pytest.raises(asyncio.CancelledError):
            await waiting
        ended = await api.until(job_id, *FINAL)
        stored = await api.stored()
    assert (ended["status"], stored) == ("canceled", 0)


async def running_job(api: JobsApi, phase: str) -> str:
    """The id of the one running job once it reached ``phase`` (20 s at most)."""
    for _ in range(1000):
        listed = await api.client.get("/v1/jobs?status=running", headers=KEY)
        items = listed.json()["items"]
        if items and items[0]["phase"] == phase:
            job_id: str = items[0]["job_id"]
            return job_id
        await asyncio.sleep(0.02)
    raise AssertionError(f"no job reached {phase}")
