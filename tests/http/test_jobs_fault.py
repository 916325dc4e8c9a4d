"""A ``dgs serve`` killed with SIGKILL in the middle of a job: restarted on the same SQLite
file, its sweeper finds the job's expired lease and the job reaches a final state."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.http.conftest import KEY
from tests.http.jobs_api import FINAL, scripted_settings
from tests.http.serve import kill_group, served
from tests.integration.test_generation_llm import IDM, LESSON
from tests.support.scripted_openai import ScriptedOpenAI, json_completion, slow

pytestmark = pytest.mark.slow
LEASE_SECONDS = 2.0


def call(port: int, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    request.add_header("X-DGS-Dev-Key", KEY["X-DGS-Dev-Key"])
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def poll(port: int, job_id: str, until: Any, seconds: float) -> tuple[dict[str, Any], float]:
    """The job once ``until(job)`` holds (and how long that took); fail after ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        job: dict[str, Any] = call(port, "GET", f"/v1/jobs/{job_id}")
        if until(job):
            return job, time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"the job did not get there in {seconds} s: {job}")


def test_a_job_whose_server_was_killed_ends_after_a_restart_within_its_lease(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    # The first gather is slow: the server is killed while it waits for it. After the
    # restart the job runs again from its first step (nothing was stored).
    scripted_model.script(
        slow(json_completion(IDM), 30), json_completion(IDM), json_completion(LESSON)
    )
    settings = scripted_settings(
        scripted_model,
        tmp_path,
        DGS_JOB_LEASE_SECONDS=str(LEASE_SECONDS),
        DGS_JOB_SWEEP_SECONDS="0.25",
    )
    env = {**os.environ, **settings}
    with served(env) as (port, process, _):
        job_id = call(port, "POST", "/v1/jobs", {"topic": "Photosynthesis"})["job_id"]
        poll(port, job_id, lambda j: j["phase"] == "collect" and scripted_model.requests, 10)
        kill_group(process)  # kill -9: no shutdown, the lease is left to expire
    with served(env) as (port, _, output):
        job, waited = poll(port, job_id, lambda j: j["status"] in FINAL, 20)
        lessons = call(port, "GET", "/v1/lessons")["items"]
    assert job["status"] == "done", (job["problem"], output[-5:])
    # Found once the lease expired (plus a sweep and a run of two instant model calls).
    assert waited < LEASE_SECONDS + 5
    assert [lesson["lesson_id"] for lesson in lessons] == [job["lesson_id"]]
    assert len(scripted_model.requests) == 3  # the abandoned gather, then a whole run
