"""POST /v1/lessons/estimate: the generate body in, calls, tokens and costs out, for free."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.llm.catalogue import model_facts
from application.records import GenerationMeta, StepUsage
from entrypoints.settings import SettingsError
from tests.http.conftest import KEY, Api, open_api
from tests.support.fakes import FakeClock
from tests.support.records import make_record

GEMINI = {"GEMINI_API_KEY": "test-key-never-used-for-a-call"}
BODY = {
    "topic": "Photosynthesis",
    "constraints": {"learnerLevel": "Beginner", "length": "Detailed"},
}


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    """The API with Gemini configured (estimates priced) and one generation per hour."""
    client, container, calls = await open_api(tmp_path, **GEMINI, DGS_RATE_LIMIT_PER_HOUR="1")
    async with client:
        yield Api(client, container, calls)


async def estimate(api: Api, body: dict[str, Any] = BODY) -> dict[str, Any]:
    response = await api.client.post("/v1/lessons/estimate", json=body, headers=KEY)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def priced(model: str, tokens_in: int, tokens_out: int) -> float:
    facts = model_facts("gemini", model)
    assert facts is not None
    return (tokens_in * facts.input_per_mtok + tokens_out * facts.output_per_mtok) / 1_000_000


async def test_an_estimate_prices_each_step_with_the_configured_models(api: Api) -> None:
    body = await estimate(api)
    steps = {step["step"]: step for step in body["steps"]}
    assert [(s["provider"], s["model"]) for s in steps.values()] == [
        ("gemini", "gemini-2.5-flash"), ("gemini", "gemini-2.5-flash-lite"), ("gemini", "gemini-2.5-flash-lite"),
    ]  # fmt: skip
    for step in steps.values():
        for which in ("low", "expected", "high"):
            billed_output = step["output_tokens"][which] + step["reasoning_tokens"][which]
            cost = priced(step["model"], step["input_tokens"][which], billed_output)
            assert step["cost_usd"][which] == pytest.approx(cost, abs=1e-8)
        assert (
            step["input_tokens"]["low"]
            <= step["input_tokens"]["expected"]
            <= step["input_tokens"]["high"]
        )
        assert step["basis"] == "length"
    repair = steps["repair"]
    assert (repair["calls"], repair["probability"]) == ({"min": 0, "max": 1}, 0.2)
    total = body["cost_usd"]
    gather, structure = steps["gatherer"]["cost_usd"], steps["structurer"]["cost_usd"]
    assert total["low"] == pytest.approx(gather["low"] + structure["low"], abs=1e-8)
    assert total["high"] == pytest.approx(
        gather["high"] + structure["high"] + repair["cost_usd"]["high"], abs=1e-8
    )
    assert total["expected"] == pytest.approx(
        gather["expected"] + structure["expected"] + 0.2 * repair["cost_usd"]["expected"], abs=1e-8
    )
    assert body["model_calls"] == {"min": 2, "expected": 2.2, "max": 3}
    assert body["unpriced"] == []
    # The Structurer reads the widget guide and the lesson schema: far more input than the Gatherer.
    assert (
        steps["structurer"]["input_tokens"]["expected"]
        > 5 * steps["gatherer"]["input_tokens"]["expected"]
    )
    longer = await estimate(api, {**BODY, "constraints": {"length": "Training"}})
    assert longer["cost_usd"]["expected"] > total["expected"]


async def test_estimating_calls_no_model_and_takes_no_rate_limit_token(api: Api) -> None:
    for _ in range(3):
        await estimate(api)
    assert api.calls.count == 0
    assert await api.stored() == 0
    await api.generate("Photosynthesis")  # the one generation of this hour is still there
    limited = await api.client.post("/v1/lessons/generate", json={"topic": "Tides"}, headers=KEY)
    assert limited.status_code == 429


async def test_past_runs_of_the_same_models_inform_the_output(api: Api) -> None:
    clock = FakeClock()
    usage = (
        StepUsage("gatherer", "gemini", "gemini-2.5-flash", 1100, 700, 300),
        StepUsage("structurer", "gemini", "gemini-2.5-flash-lite", 9000, 3000, 0),
    )
    lessons = api.container.lessons()
    for _ in range(3):  # each stored lesson has one section
        await lessons.save(
            make_record(clock.now(), meta=GenerationMeta(usage=usage, repaired=False))
        )
    body = await estimate(api)  # Detailed: 6 sections
    gather, structure, repair = body["steps"]
    assert (structure["basis"], structure["samples"]) == ("history", 3)
    assert structure["output_tokens"] == {"low": 18_000, "expected": 18_000, "high": 18_000}
    assert gather["reasoning_tokens"]["expected"] == 1800
    assert body["repair_rate_basis"] == "history"
    assert repair["probability"] == 0.0


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (BODY, {}, 401),
        ({"topic": ""}, KEY, 422),
        ({"topic": "Tides", "colour": "red"}, KEY, 422),
        ({"topic": "Tides", "schema_version": "2.0"}, KEY, 422),
        ({"topic": "Tides", "constraints": {"length": "Epic"}}, KEY, 422),
    ],
)
async def test_a_bad_estimate_request_is_refused_like_a_bad_generate_request(
    api: Api, body: dict[str, Any], headers: dict[str, str], status: int
) -> None:
    response = await api.client.post("/v1/lessons/estimate", json=body, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    generate = await api.client.post("/v1/lessons/generate", json=body, headers=headers)
    assert generate.status_code == status  # the same body rules as generate
    assert response.json()["code"] == generate.json()["code"]


async def test_a_body_that_is_not_json_is_refused(api: Api) -> None:
    response = await api.client.post(
        "/v1/lessons/estimate",
        content=b"topic=Tides",
        headers={**KEY, "Content-Type": "text/plain"},
    )
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")


async def test_a_model_without_structured_output_is_refused_before_any_call(tmp_path: Path) -> None:
    # Start-up refuses such a model (naming the setting), so no estimate is ever served
    # for a route that could not generate.
    with pytest.raises(SettingsError, match=r"DGS_STRUCTURER_MODEL: .*JSON-schema"):
        await open_api(tmp_path, OPENAI_API_KEY="test-key", DGS_STRUCTURER_MODEL="gpt-3.5-turbo")


async def test_the_route_is_documented_with_the_generate_body(api: Api) -> None:
    document = (await api.client.get("/docs/openapi.json")).json()
    operation = document["paths"]["/v1/lessons/estimate"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    generate = document["paths"]["/v1/lessons/generate"]["post"]
    assert schema == generate["requestBody"]["content"]["application/json"]["schema"]
    assert "200" in operation["responses"]
