"""Metrics: Prometheus text at /metrics after known requests (behind the key unless public),
and CloudWatch Embedded Metric Format lines on the Lambda path."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from adapters.llm.offline import OfflineGatherer
from adapters.observability.emf import EmfMetrics
from adapters.observability.metrics import METRICS, Point
from application.errors import ProviderUnavailableError
from application.ports.generation import Gathered, ModelRoute
from application.records import StepUsage
from domain.generation import LessonConstraints
from tests.http.conftest import KEY, LAMBDA_KEY, open_api
from tests.http.observed import observed_api, sample
from tests.http.test_errors import FailingGatherer
from tests.http.wire_calls import call_lambda, function_url_event, sample_event

GEN = "/v1/lessons/generate"
PRICED = ModelRoute("gemini", "gemini-2.5-flash")


class PricedGatherer:
    """The offline material, reported as a priced model's call with known tokens."""

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        return PRICED

    async def gather(
        self, topic: str, constraints: LessonConstraints, prompt: str | None = None
    ) -> Gathered:
        gathered = await OfflineGatherer().gather(topic, constraints, prompt)
        usage = StepUsage("gatherer", PRICED.provider, PRICED.model, 400, 1600, 30, 0.004195)
        return Gathered(gathered.idm, usage)


async def test_known_requests_show_in_the_prometheus_text(tmp_path: Path) -> None:
    async with observed_api(tmp_path) as api:
        for _ in range(3):
            assert (await api.client.get("/health")).status_code == 200
        await api.client.get("/v1/lessons")  # no key: 401
        created = (await api.client.post(GEN, json={"topic": "Tides"}, headers=KEY)).json()
        await api.client.get(f"/v1/lessons/{created['lesson_id']}", headers=KEY)
        await api.client.get("/v1/lessons/not-a-uuid", headers=KEY)
        await api.client.get("/wp-login.php", headers=KEY)
        with api.container.gatherer.override(providers.Object(PricedGatherer())):
            await api.client.post(GEN, json={"topic": "Volcanoes"}, headers=KEY)
            await api.client.post(GEN, json={"topic": "Volcanoes"}, headers=KEY)  # cached
        with api.container.gatherer.override(
            providers.Object(FailingGatherer(ProviderUnavailableError("down")))
        ):
            await api.client.post(GEN, json={"topic": "Glaciers"}, headers=KEY)
        scraped = await api.scrape()

    def requests(route: str, method: str, status: str) -> float:
        labels = {"route": route, "method": method, "status": status}
        return sample(scraped, "dgs_http_requests_total", **labels)

    assert requests("/health", "GET", "200") == 3
    assert requests("/v1/lessons", "GET", "401") == 1
    assert requests("/v1/lessons/generate", "POST", "201") == 3
    assert requests("/v1/lessons/generate", "POST", "503") == 1
    assert requests("/v1/lessons/{lesson_id}", "GET", "200") == 1
    assert requests("/v1/lessons/{lesson_id}", "GET", "400") == 1
    assert requests("unmatched", "GET", "404") == 1
    health = {"route": "/health", "method": "GET", "status": "200"}
    assert sample(scraped, "dgs_http_request_duration_seconds_count", **health) == 3
    assert sample(scraped, "dgs_http_request_duration_seconds_bucket", **health, le="+Inf") == 3
    assert not any("not-a-uuid" in dict(labels).get("route", "") for _, labels in scraped)

    def generations(outcome: str, cache: str) -> float:
        return sample(scraped, "dgs_generations_total", outcome=outcome, cache=cache)

    assert generations("ok", "none") == 2
    assert generations("ok", "lesson") == 1
    assert generations("provider_unavailable", "none") == 1
    assert sample(scraped, "dgs_generation_duration_seconds_count", outcome="ok", cache="none") == 2

    def calls(step: str, provider: str, model: str, outcome: str) -> float:
        labels = {"step": step, "provider": provider, "model": model, "outcome": outcome}
        return sample(scraped, "dgs_model_calls_total", **labels)

    assert calls("gatherer", "offline", "offline-sample", "ok") == 1
    assert calls("gatherer", "gemini", "gemini-2.5-flash", "ok") == 1  # the cache made no call
    assert calls("gatherer", "offline", "offline-sample", "provider_unavailable") == 1
    assert calls("structurer", "offline", "offline-sample", "ok") == 2
    priced = {"step": "gatherer", "provider": "gemini", "model": "gemini-2.5-flash"}
    assert sample(scraped, "dgs_model_input_tokens_total", **priced) == 400
    assert sample(scraped, "dgs_model_output_tokens_total", **priced) == 1600
    assert sample(scraped, "dgs_model_reasoning_tokens_total", **priced) == 30
    assert sample(scraped, "dgs_model_cost_usd_total", **priced) == pytest.approx(0.004195)


async def test_metrics_need_the_key_unless_made_public(tmp_path: Path) -> None:
    async with observed_api(tmp_path / "a") as api:
        refused = await api.client.get("/metrics")
        assert (refused.status_code, refused.json()["code"]) == (401, "unauthorized")
    async with observed_api(tmp_path / "b", DGS_METRICS_PUBLIC="true") as api:
        assert (await api.client.get("/metrics")).status_code == 200
        assert (await api.client.get("/v1/lessons")).status_code == 401  # only /metrics


async def test_there_is_no_metrics_route_where_nothing_can_be_scraped(tmp_path: Path) -> None:
    client, _, _ = await open_api(tmp_path)  # the container's default: no metrics backend
    async with client:
        response = await client.get("/metrics", headers=KEY)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def emf_documents(out: str) -> list[dict[str, Any]]:
    """Every line of standard output is one JSON object; the EMF ones are returned."""
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [line for line in lines if "_aws" in line]


def test_the_lambda_path_writes_emf_lines_for_requests_and_generations(
    lambda_module: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    started = time.time()
    created = call_lambda(lambda_module, sample_event("generate")).json()
    call_lambda(lambda_module, sample_event("get", created["lesson_id"]))
    call_lambda(lambda_module, function_url_event("GET", "/v1/lessons", {"x-dgs-dev-key": "no"}))
    documents = emf_documents(capsys.readouterr().out)
    requests = [d for d in documents if "dgs_http_requests" in d]
    assert [(d["method"], d["route"], d["status"]) for d in requests] == [
        ("POST", "/v1/lessons/generate", "201"),
        ("GET", "/v1/lessons/{lesson_id}", "200"),
        ("GET", "/v1/lessons", "401"),
    ]
    for document in requests:
        aws = document["_aws"]
        assert started * 1000 - 1 <= aws["Timestamp"] <= time.time() * 1000 + 1
        assert aws["CloudWatchMetrics"] == [
            {
                "Namespace": "DGS",
                "Dimensions": [["method", "route", "status"]],
                "Metrics": [
                    {"Name": "dgs_http_requests", "Unit": "Count"},
                    {"Name": "dgs_http_request_duration_seconds", "Unit": "Seconds"},
                ],
            }
        ]
        assert document["dgs_http_requests"] == 1
        assert 0 <= document["dgs_http_request_duration_seconds"] < 30
    (generation,) = [d for d in documents if "dgs_generations" in d]
    assert (generation["outcome"], generation["cache"], generation["dgs_generations"]) == (
        "ok", "none", 1,
    )  # fmt: skip
    model_calls = [d for d in documents if "dgs_model_calls" in d]
    assert [(d["step"], d["provider"], d["outcome"]) for d in model_calls] == [
        ("gatherer", "offline", "ok"),
        ("structurer", "offline", "ok"),
    ]
    directives = model_calls[0]["_aws"]["CloudWatchMetrics"]
    assert [d["Dimensions"] for d in directives] == [
        [["model", "outcome", "provider", "step"]],
        [["model", "provider", "step"]],
    ]
    assert LAMBDA_KEY not in json.dumps(documents)


def test_an_emf_document_follows_the_specification() -> None:
    """Every metric of the table, as the spec's rules say: string dimension values that are
    root members, numeric metric values, units CloudWatch knows, one namespace."""
    written: list[str] = []
    emf = EmfMetrics(write=written.append, clock=lambda: 1_764_000_000.5)
    for spec in METRICS:
        emf.record([Point(spec.name, 2.5, {label: f"{label}-value" for label in spec.labels})])
    assert len(written) == len(METRICS)
    units = {"Count", "Seconds", "None"}
    for line, spec in zip(written, METRICS, strict=True):
        document = json.loads(line)
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        assert document["_aws"]["Timestamp"] == 1_764_000_000_500
        assert directive["Namespace"] == "DGS"
        assert directive["Metrics"] == [{"Name": spec.name, "Unit": spec.unit}]
        assert spec.unit in units
        (dimensions,) = directive["Dimensions"]
        assert sorted(dimensions) == sorted(spec.labels)
        assert len(dimensions) <= 30
        assert all(isinstance(document[d], str) and document[d] for d in dimensions)
        assert document[spec.name] == 2.5
