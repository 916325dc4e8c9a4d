"""Cancel over HTTP in the phases tests/http/test_jobs.py does not reach: while the lesson
is validated, while the repair call is in flight, and once the job stores its lesson (the
point of no return: the cancel is refused and the lesson is stored exactly once).

The worker is held in the fast phases (validate, store) by a job-store double injected
through the container (``PhaseHold``); the repair call is slowed by the scripted model.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from dependency_injector import providers

from application.jobs.records import Phase
from entrypoints.container import Container, build_container
from entrypoints.settings import load_settings
from tests.http.conftest import KEY
from tests.http.jobs_api import FINAL, jobs_api, scripted_settings
from tests.http.test_jobs import script_generation
from tests.integration.test_generation_llm import IDM, LESSON, invalid_lesson
from tests.support.phase_hold import PhaseHold
from tests.support.scripted_openai import ScriptedOpenAI, json_completion, slow

pytestmark = pytest.mark.slow
REPAIR_SECONDS = 8.0  # the scripted repair call's delay: far longer than a cancel takes


def held_in(phase: Phase, server: ScriptedOpenAI, tmp_path: Path) -> tuple[Container, PhaseHold]:
    """A container whose workers stop in ``phase`` until the test releases them."""
    container = build_container(load_settings(scripted_settings(server, tmp_path)))
    hold = PhaseHold(container.jobs(), phase)
    container.jobs.override(providers.Object(hold))
    return container, hold


async def test_a_job_canceled_while_it_validates_stops_before_its_repair_and_stores_nothing(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    script_generation(scripted_model)
    container, hold = held_in("validate", scripted_model, tmp_path)
    async with jobs_api(scripted_model, tmp_path, container) as api:
        job_id = (await api.start()).json()["job_id"]
        try:
            await api.until(job_id, "running", phase="validate")
            asked = await api.client.post(f"/v1/jobs/{job_id}/cancel", headers=KEY)
        finally:
            hold.release.set()
        ended = await api.until(job_id, *FINAL)
        stored = await api.stored()
    assert asked.status_code == 202, asked.text
    assert (asked.json()["status"], asked.json()["cancel_requested"]) == ("running", True)
    assert asked.json()["phase"] == "validate"
    assert ended["status"] == "canceled", ended
    assert (ended["lesson_id"], ended["problem"], stored) == (None, None, 0)
    # Stopped at the boundary after validate: no later phase was recorded.
    assert ended["logs"] == ["collect: started", "transform: started", "validate: started"]
    assert [c["purpose"] for c in ended["calls"]] == ["gatherer", "structurer"]
    assert len(scripted_model.requests) == 2


async def test_a_job_canceled_during_its_repair_call_abandons_it_and_stores_nothing(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    # The structurer's lesson is invalid, so a repair call runs; it would answer late.
    scripted_model.script(
        json_completion(IDM),
        json_completion(invalid_lesson()),
        slow(json_completion(LESSON), REPAIR_SECONDS),
    )
    # A 3 s lease: the worker looks for a cancel every second while the call is in flight.
    async with jobs_api(scripted_model, tmp_path, DGS_JOB_LEASE_SECONDS="3") as api:
        job_id = (await api.start()).json()["job_id"]
        repairing = await api.until(job_id, "running", phase="repair")
        for _ in range(250):  # the repair request reached the model (it is in flight)
            if len(scripted_model.requests) == 3:
                break
            await asyncio.sleep(0.02)
        asked_at = time.monotonic()
        asked = await api.client.post(f"/v1/jobs/{job_id}/cancel", headers=KEY)
        ended = await api.until(job_id, *FINAL)
        took = time.monotonic() - asked_at
        stored = await api.stored()
        repairs = [r async for r in api.container.repair_log().read()]
    assert repairing["subphase"] == "ai_call_3_of_3"
    assert len(scripted_model.requests) == 3
    assert asked.status_code == 202, asked.text
    assert asked.json()["cancel_requested"] is True
    assert ended["status"] == "canceled", ended
    # Abandoned: the job ended long before the model would have answered.
    assert took < REPAIR_SECONDS / 2
    assert (ended["lesson_id"], ended["problem"], stored) == (None, None, 0)
    assert repairs == []  # not even the repair record: the repair never finished
    assert [c["purpose"] for c in ended["calls"]] == ["gatherer", "structurer"]
    assert ended["logs"][-1] == "repair: started"


async def test_a_cancel_once_the_job_stores_its_lesson_is_refused_and_it_is_stored_once(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    script_generation(scripted_model)
    container, hold = held_in("store", scripted_model, tmp_path)
    async with jobs_api(scripted_model, tmp_path, container) as api:
        job_id = (await api.start()).json()["job_id"]
        try:
            await api.until(job_id, "running", phase="store")
            stored_before = await api.stored()
            refused = await api.client.post(f"/v1/jobs/{job_id}/cancel", headers=KEY)
            during = await api.get(job_id)
        finally:
            hold.release.set()
        ended = await api.until(job_id, *FINAL)
        stored = await api.stored()
        lesson = await api.client.get(f"/v1/lessons/{job_id}", headers=KEY)
    assert stored_before == 0  # the cancel came while the lesson was still to be stored
    # The store phase is the point of no return: the API refuses the cancel.
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "job_finished"
    assert "storing its lesson" in refused.json()["detail"]
    assert (during["status"], during["cancel_requested"]) == ("running", False)
    assert ended["status"] == "done", ended
    assert ended["lesson_id"] == job_id  # the lesson's id is the job's
    assert stored == 1  # exactly once
    assert lesson.status_code == 200, lesson.text
