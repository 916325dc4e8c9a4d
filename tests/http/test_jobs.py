"""Generation jobs over HTTP: the lifecycle with the scripted model, polling with ETags,
the SSE stream, cancel at each phase, idempotent creation, and a failed job's problem."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from dependency_injector import providers

from adapters.http.job_event_timing import JobEvents
from application.jobs.records import PHASES
from entrypoints.container import build_container
from entrypoints.settings import load_settings
from tests.http.conftest import KEY
from tests.http.jobs_api import FINAL, jobs_api, scripted_settings, sse_events
from tests.integration.test_generation_llm import IDM, LESSON
from tests.support.jobs import IdlePool
from tests.support.scripted_openai import ScriptedOpenAI, error, json_completion, slow

pytestmark = pytest.mark.slow


def script_generation(scripted_model: ScriptedOpenAI, seconds: float = 0.0) -> None:
    """One generation's two model calls, each answered after ``seconds``."""
    scripted_model.script(
        slow(json_completion(IDM), seconds), slow(json_completion(LESSON), seconds)
    )


async def test_a_job_runs_its_phases_in_order_and_ends_with_its_lesson(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    script_generation(scripted_model, 0.4)
    async with jobs_api(scripted_model, tmp_path) as api:
        started = await api.start({"topic": "Photosynthesis", "prompt": "mention chlorophyll"})
        job_id = started.json()["job_id"]
        assert started.headers["location"] == f"/v1/jobs/{job_id}"
        assert started.json()["status"] == "queued"
        assert "ratelimit" in started.headers  # charged when accepted, like generate
        phases: list[str] = []
        etag, unchanged = None, 0
        while True:
            headers = {**KEY, "If-None-Match": etag} if etag else KEY
            polled = await api.client.get(f"/v1/jobs/{job_id}", headers=headers)
            if polled.status_code == 304:
                assert polled.content == b""
                assert polled.headers["etag"] == etag
                unchanged += 1
            else:
                assert polled.status_code == 200, polled.text
                etag, job = polled.headers["etag"], polled.json()
                if job["phase"] and (not phases or phases[-1] != job["phase"]):
                    phases.append(job["phase"])
                if job["status"] in FINAL:
                    break
            await asyncio.sleep(0.03)
        full = await api.get(job_id, format="full")
        stored = await api.stored()
    assert unchanged > 0  # a poll of an unchanged job answers 304
    assert job["status"] == "done", job
    # Every phase observed came in order; the slow model steps were seen as they ran.
    assert phases == sorted(phases, key=PHASES.index)
    assert {"collect", "transform", "store"} <= set(phases)
    assert job["logs"] == [f"{phase}: started" for phase in PHASES]
    assert (job["progress"], job["completed_steps"]) == (100, job["total_steps"])
    assert [c["index"] for c in job["calls"]] == [1, 2]
    assert all(c["input_tokens"] == 100 and c["output_tokens"] == 50 for c in job["calls"])
    assert all(c["latency_ms"] >= 400 for c in job["calls"])
    assert job["totals"]["tokens"] == 300
    assert job["totals"]["cost_usd"] == pytest.approx(sum(c["cost_usd"] for c in job["calls"]))
    assert job["lesson_id"] == job["lesson"]["lesson_id"]
    assert "blocks" in job["lesson"]["lesson_json"]  # shorthand by default
    assert full["lesson"]["lesson_json"] != job["lesson"]["lesson_json"]
    assert job["problem"] is None
    assert (stored, len(scripted_model.requests)) == (1, 2)
    assert "mention chlorophyll" in str(
        scripted_model.requests[0]
    )  # the prompt reached the Gatherer


async def test_the_event_stream_sends_each_state_and_ends_at_the_final_one(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    script_generation(scripted_model, 0.6)
    container = build_container(load_settings(scripted_settings(scripted_model, tmp_path)))
    # Poll fast, and a comment when 0.2 s pass without a change (a model call takes 0.6 s).
    container.job_events_timing.override(providers.Object(JobEvents(0.02, 0.2)))
    async with jobs_api(scripted_model, tmp_path, container) as api:
        job_id = (await api.start()).json()["job_id"]
        streamed = await api.client.get(f"/v1/jobs/{job_id}/events", headers=KEY)
    assert streamed.status_code == 200
    assert streamed.headers["content-type"].startswith("text/event-stream")
    events, comments = sse_events(streamed.text)
    assert {e["event"] for e in events} == {"state"}
    versions = [int(e["id"]) for e in events]
    assert versions == sorted(set(versions))  # each change once, in order
    assert [e["data"]["version"] for e in events] == versions
    statuses = [e["data"]["status"] for e in events]
    assert statuses[-1] == "done"
    assert all(s not in FINAL for s in statuses[:-1])
    assert "running" in statuses
    assert "heartbeat" in comments


async def test_the_event_stream_of_another_or_unknown_job_is_a_404(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    async with jobs_api(scripted_model, tmp_path) as api:
        missing = await api.client.get(
            "/v1/jobs/7f1c9a52-3c1e-4a53-9f43-2f8e1c4d5b6a/events", headers=KEY
        )
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


async def test_a_queued_job_canceled_never_calls_the_model(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    container = build_container(load_settings(scripted_settings(scripted_model, tmp_path)))
    # No worker: the job stays queued until it is canceled.
    container.worker_pool.override(providers.Object(IdlePool()))
    async with jobs_api(scripted_model, tmp_path, container) as api:
        job_id = (await api.start()).json()["job_id"]
        canceled = await api.client.post(f"/v1/jobs/{job_id}/cancel", headers=KEY)
        again = await api.client.post(f"/v1/jobs/{job_id}/cancel", headers=KEY)
        # A real pool started now (its first sweep, then its workers) runs nothing.
        container.worker_pool.reset_override()
        await container.worker_pool().start()
        await asyncio.sleep(0.2)
        await container.worker_pool().stop()
    assert canceled.status_code == 200
    assert canceled.json()["status"] == "canceled"
    assert (again.status_code, again.json()["code"]) == (409, "job_finished")
    assert scripted_model.requests == []


@pytest.mark.parametrize("phase", ["collect", "transform"])
async def test_a_running_job_canceled_stops_at_its_step_and_stores_nothing(
    scripted_model: ScriptedOpenAI, tmp_path: Path, phase: str
) -> None:
    script_generation(scripted_model, 1.5)
    async with jobs_api(scripted_model, tmp_path, DGS_JOB_LEASE_SECONDS="3") as api:
        job_id = (await api.start()).json()["job_id"]
        await api.until(job_id, "running", phase=phase)
        asked = await api.client.post(f"/v1/jobs/{job_id}/cancel", headers=KEY)
        ended = await api.until(job_id, *FINAL)
        stored = await api.stored()
    assert asked.status_code in (200, 202)
    assert asked.json()["cancel_requested"] is True
    assert ended["status"] == "canceled"
    assert (ended["lesson_id"], stored) == (None, 0)


async def test_a_finished_job_cannot_be_canceled(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    script_generation(scripted_model)
    async with jobs_api(scripted_model, tmp_path) as api:
        job_id = (await api.start()).json()["job_id"]
        await api.until(job_id, "done")
        refused = await api.client.post(f"/v1/jobs/{job_id}/cancel", headers=KEY)
        after = await api.get(job_id)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "job_finished"
    assert after["status"] == "done"


async def test_the_same_idempotency_key_returns_the_same_job(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    script_generation(scripted_model)
    async with jobs_api(scripted_model, tmp_path) as api:
        first = await api.start(headers={"Idempotency-Key": "lesson-42"})
        second = await api.start(headers={"Idempotency-Key": "lesson-42"})
        other = await api.client.post(
            "/v1/jobs", json={"topic": "Tides"}, headers={**KEY, "Idempotency-Key": "lesson-42"}
        )
        await api.until(first.json()["job_id"], "done")
        listed = (await api.client.get("/v1/jobs", headers=KEY)).json()
    assert second.json()["job_id"] == first.json()["job_id"]
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    # The generate route's code for a key reused with another body.
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert [j["job_id"] for j in listed["items"]] == [first.json()["job_id"]]
    assert len(scripted_model.requests) == 2


async def test_a_failed_job_carries_the_problem_the_synchronous_route_answers(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    refusal = error(400, "the model refused this request")
    scripted_model.script(*[refusal] * 6)
    async with jobs_api(scripted_model, tmp_path) as api:
        job_id = (await api.start()).json()["job_id"]
        failed = await api.until(job_id, "failed")
        sync = await api.client.post(
            "/v1/lessons/generate", json={"topic": "Photosynthesis"}, headers=KEY
        )
    expected = {k: v for k, v in sync.json().items() if k != "request_id"}
    assert {k: v for k, v in failed["problem"].items() if k != "request_id"} == expected
    assert failed["problem"]["status"] == sync.status_code >= 400


async def test_a_job_request_is_checked_like_a_generate_request(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    async with jobs_api(scripted_model, tmp_path) as api:
        long_prompt = await api.client.post(
            "/v1/jobs", json={"topic": "Tides", "prompt": "x" * 301}, headers=KEY
        )
        unknown = await api.client.post(
            "/v1/jobs", json={"topic": "Tides", "colour": "red"}, headers=KEY
        )
        listed = (await api.client.get("/v1/jobs", headers=KEY)).json()
    assert (long_prompt.status_code, long_prompt.json()["code"]) == (422, "invalid_body")
    assert (unknown.status_code, unknown.json()["code"]) == (422, "invalid_body")
    assert listed["items"] == []  # nothing invalid is stored
    assert scripted_model.requests == []
