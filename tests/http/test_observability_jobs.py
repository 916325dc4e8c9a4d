"""Jobs in the logs and metrics: one JSON line per job (its owner hashed, its calls, tokens,
cost, outcome code and duration), and the in-process queue's depth as a gauge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dependency_injector import providers
from prometheus_client.parser import text_string_to_metric_families

from adapters.observability.prometheus import PrometheusMetrics
from adapters.sqs.client import SqsQueue, SqsSettings
from adapters.sqs.depth import report_depth
from adapters.sqs.messages import encode_job_message
from application.errors import ProviderUnavailableError
from application.principal import Principal
from application.use_cases.generation_request import GenerateRequest
from entrypoints.container import build_container, shutdown
from entrypoints.lambda_worker import _production_runner
from entrypoints.observability import configure_logging
from entrypoints.queue_wiring import build_run_job
from entrypoints.settings import load_settings
from tests.http.conftest import api_settings, count_model_calls
from tests.http.observed import RFC3339_MS_UTC, events, json_logs
from tests.http.test_errors import FailingGatherer
from tests.support.logs import preserved_logging
from tests.support.sqs import SqsQueues

OWNER = Principal.user("google_1234567890", "access-token").owner
JOB_FIELDS = {"ts", "level", "logger", "msg", "event", "job_id", "owner", "status", "outcome",
              "attempts", "duration_ms", "queued_ms", "input_tokens", "output_tokens",
              "reasoning_tokens", "cost_usd", "calls"}  # fmt: skip


async def test_each_job_is_one_json_line_with_its_calls_and_a_hashed_owner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    container = build_container(load_settings(api_settings(tmp_path)))
    count_model_calls(container)
    with json_logs(capsys) as lines:
        try:
            start, run = container.start_job(), container.run_job()
            done = (await start(GenerateRequest("Tides"), OWNER, "client-a")).job
            await run(done.job_id, "w1")
            failing = FailingGatherer(ProviderUnavailableError("down"))
            container.gatherer.override(providers.Object(failing))
            failed = (await start(GenerateRequest("Waves"), OWNER, "client-a")).job
            await container.run_job()(failed.job_id, "w1")
        finally:
            await shutdown(container)
    jobs = events(lines, "job")
    assert [(j["job_id"], j["status"], j["outcome"]) for j in jobs] == [
        (done.job_id, "done", "ok"),
        (failed.job_id, "failed", ProviderUnavailableError.code),
    ]
    ok = jobs[0]
    assert set(ok) == JOB_FIELDS | {"lesson_id"}
    assert set(jobs[1]) == JOB_FIELDS
    assert RFC3339_MS_UTC.fullmatch(ok["ts"])
    assert [(c["purpose"], c["provider"], c["model"]) for c in ok["calls"]] == [
        ("gatherer", "offline", "offline-sample"), ("structurer", "offline", "offline-sample"),
    ]  # fmt: skip
    assert ok["input_tokens"] == sum(c["input_tokens"] for c in ok["calls"])
    assert ok["cost_usd"] == round(sum(c["cost_usd"] for c in ok["calls"]), 8)
    assert ok["duration_ms"] >= 0
    # The owner as a keyed hash: the same for both jobs, and neither the subject nor the owner.
    assert jobs[0]["owner"] == jobs[1]["owner"]
    assert len(ok["owner"]) == 16
    text = "\n".join(str(line) for line in jobs)
    for private in ("google_1234567890", OWNER, "Tides", "Waves"):
        assert private not in text


async def test_the_queue_depth_gauge_follows_the_in_process_queue(tmp_path: Path) -> None:
    metrics = PrometheusMetrics()
    container = build_container(load_settings(api_settings(tmp_path)), metrics)
    count_model_calls(container)

    def depth() -> float:
        text = metrics.exposition()[0].decode()
        (value,) = [
            s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
            if s.name == "dgs_job_queue_depth"
        ]
        return value

    try:
        start = container.start_job()
        for topic in ("Tides", "Waves", "Rain"):
            await start(GenerateRequest(topic), OWNER, None)
        assert depth() == 3
        await container.in_process_queue().next()  # a worker takes one
        assert depth() == 2
    finally:
        await shutdown(container)


@pytest.mark.parametrize("worker", ["lambda", "dgs worker"])
async def test_the_workers_log_each_job_as_a_json_line(
    worker: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in api_settings(tmp_path).items():
        monkeypatch.setenv(name, value)
    container = build_container(load_settings())
    try:
        job = (await container.start_job()(GenerateRequest("Tides"), OWNER, None)).job
    finally:
        await shutdown(container)
    with preserved_logging():
        if worker == "lambda":  # the worker function's runner, as its handler builds it
            run = _production_runner()
        else:  # `dgs worker`: the same runner, logging as a container off a terminal
            configure_logging(load_settings(), "container")
            run = build_run_job(load_settings())
        capsys.readouterr()
        await run(job.job_id)
        captured = capsys.readouterr()
    stream = captured.out if worker == "lambda" else captured.err  # Lambda: stdout
    lines = [json.loads(line) for line in stream.splitlines() if line.strip()]
    (line,) = events(lines, "job")
    assert (line["job_id"], line["outcome"], line["logger"]) == (job.job_id, "ok", "dgs.jobs")
    assert RFC3339_MS_UTC.fullmatch(line["ts"])
    assert {"generation"} <= {entry.get("event") for entry in lines}


async def test_dgs_worker_logs_the_sqs_queue_depth(
    sqs: SqsQueues, capsys: pytest.CaptureFixture[str]
) -> None:
    queue = sqs.queue()
    for job_id in ("a", "b", "c"):
        sqs.send(queue.url, encode_job_message(job_id))
    sqs.receive(queue.url, count=1)  # one taken by a worker, not yet deleted
    client = SqsQueue(SqsSettings(queue_url=queue.url))
    metrics = PrometheusMetrics()
    try:
        with json_logs(capsys) as lines:
            await report_depth(client, metrics)
    finally:
        await client.close()
    (line,) = events(lines, "queue")
    assert (line["waiting"], line["in_flight"], line["logger"]) == (2, 1, "dgs.worker")
    assert b"dgs_job_queue_depth 2.0" in metrics.exposition()[0]
