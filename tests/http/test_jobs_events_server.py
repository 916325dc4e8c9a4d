"""A job's Server-Sent Events from a real ``dgs serve`` process (hypercorn, embedded SQLite,
the scripted model), read with a real streaming HTTP client: what reaches a browser's
EventSource through the server's own framing, unbuffered and uncompressed."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from application.jobs.records import PHASES
from tests.http.conftest import KEY
from tests.http.jobs_api import FINAL, scripted_settings, sse_events
from tests.http.serve import served
from tests.integration.test_generation_llm import IDM, LESSON
from tests.support.scripted_openai import ScriptedOpenAI, json_completion, slow

pytestmark = pytest.mark.slow  # a real dgs serve process, and model calls of a second
STEP_SECONDS = 1.0  # each scripted model call: the stream's 0.25 s reads see every one


def state_events(response: httpx.Response) -> Iterator[tuple[float, dict[str, Any]]]:
    """Each ``state`` event of a streamed response as it arrives, with its arrival time."""
    block: list[str] = []
    for line in response.iter_lines():
        if line:
            block.append(line)
            continue
        events, _ = sse_events("\n".join(block))  # a blank line ends an event (WHATWG 9.2.6)
        block = []
        for event in events:
            yield time.monotonic(), event


def serve_env(server: ScriptedOpenAI, tmp_path: Path) -> dict[str, str]:
    server.script(
        slow(json_completion(IDM), STEP_SECONDS), slow(json_completion(LESSON), STEP_SECONDS)
    )
    return {**os.environ, **scripted_settings(server, tmp_path)}


def client_for(port: int) -> httpx.Client:
    # The read timeout bounds a stream that never ends (the idle comment comes every 15 s).
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=KEY, timeout=8.0)


def failures(output: list[str]) -> list[str]:
    """The server's lines that report an error (a traceback or an error-level log)."""
    return [line for line in output if "Traceback" in line or '"level":"ERROR"' in line]


def streams_served(output: list[str]) -> list[float]:
    """How long each event stream the server answered lasted (its request log lines), in ms."""
    lines = [json.loads(line) for line in output if line.startswith("{")]
    return [
        line["duration_ms"]
        for line in lines
        if line.get("event") == "request" and line.get("route") == "/v1/jobs/{job_id}/events"
    ]


def test_a_served_event_stream_sends_each_state_as_it_happens_and_ends_after_the_last(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    with (
        served(serve_env(scripted_model, tmp_path)) as (port, _, output),
        client_for(port) as client,
    ):
        job_id = client.post("/v1/jobs", json={"topic": "Photosynthesis"}).json()["job_id"]
        # A client that would take a compressed body: the stream must still be plain.
        headers = {"Accept": "text/event-stream", "Accept-Encoding": "gzip, deflate, br"}
        arrived: list[tuple[float, dict[str, Any]]] = []
        with client.stream("GET", f"/v1/jobs/{job_id}/events", headers=headers) as streamed:
            for at, event in state_events(streamed):
                if not arrived:  # the first event, read while the job is still going
                    first_seen = client.get(f"/v1/jobs/{job_id}").json()
                arrived.append((at, event))
            ended_at = time.monotonic()
        polled = client.get(f"/v1/jobs/{job_id}").json()
    assert streamed.status_code == 200
    assert streamed.headers["content-type"].startswith("text/event-stream")
    # Streamed as it is made: not compressed, not collected into one sized body.
    assert "content-encoding" not in streamed.headers
    assert "content-length" not in streamed.headers
    assert streamed.headers["transfer-encoding"] == "chunked"
    assert streamed.headers["x-accel-buffering"] == "no"  # nginx-style proxies: no buffering
    assert streamed.headers["cache-control"] == "no-store"
    events = [event for _, event in arrived]
    states = [event["data"] for event in events]
    assert {event["event"] for event in events} == {"state"}
    versions = [int(event["id"]) for event in events]
    assert versions == sorted(set(versions))  # each change once, in order
    assert [state["version"] for state in states] == versions
    # The first event came while the job ran, not once it was over.
    assert first_seen["status"] not in FINAL
    assert states[0]["status"] in ("queued", "running")
    # The job's states in order: phases never go back, the slow model steps are each seen.
    phases = [state["phase"] for state in states if state["phase"] is not None]
    assert phases == sorted(phases, key=PHASES.index)
    assert {"collect", "transform"} <= set(phases)
    # The transform event came a model call's time before the end: nothing was held back.
    transform_at = next(at for at, event in arrived if event["data"]["phase"] == "transform")
    assert arrived[-1][0] - transform_at > STEP_SECONDS / 2
    # Ends with the final state, then the stream closes.
    final = states[-1]
    assert final["status"] == "done"
    assert all(state["status"] not in FINAL for state in states[:-1])
    assert final["lesson_id"] is not None
    assert final["lesson_id"] == polled["lesson_id"]
    # Validate, repair and store pass in milliseconds, between two of the stream's reads:
    # the final state's log shows the job went through them, in order.
    assert final["logs"] == [f"{phase}: started" for phase in PHASES]
    assert ended_at - arrived[-1][0] < 1.0
    assert failures(output) == []


def test_a_client_leaving_the_event_stream_mid_job_does_not_break_the_server(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    with served(serve_env(scripted_model, tmp_path)) as (port, process, output):
        with client_for(port) as client:
            job_id = client.post("/v1/jobs", json={"topic": "Photosynthesis"}).json()["job_id"]
            left: list[dict[str, Any]] = []
            for _ in range(3):  # three clients leave after the first event
                with client.stream("GET", f"/v1/jobs/{job_id}/events") as streamed:
                    left.append(next(state_events(streamed))[1]["data"])
            health = client.get("/health")
            during = client.get(f"/v1/jobs/{job_id}")
            for _ in range(100):  # the job goes on without its watchers
                polled = client.get(f"/v1/jobs/{job_id}").json()
                if polled["status"] in FINAL:
                    break
                time.sleep(0.1)
            with client.stream("GET", f"/v1/jobs/{job_id}/events") as again:
                after = [event["data"] for _, event in state_events(again)]
        assert process.poll() is None  # still serving
    assert all(state["status"] not in FINAL for state in left)  # they left mid-job
    assert health.status_code == 200
    assert during.status_code == 200
    assert polled["status"] == "done", polled
    # A stream opened on the finished job: its final state, then the end.
    assert [(state["status"], state["lesson_id"]) for state in after] == [
        ("done", polled["lesson_id"])
    ]
    # Each stream a client left ended then, not when the job did (seconds later): the
    # server stopped reading the job for nobody.
    durations = streams_served(output)
    assert len(durations) == 4
    assert all(ms < STEP_SECONDS * 1000 for ms in durations[:3]), durations
    assert failures(output) == []
