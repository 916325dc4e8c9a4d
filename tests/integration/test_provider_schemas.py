"""Every shipped route sends a schema its provider accepts, and a provider that refuses a
schema fails the generation at once with ``provider_rejected_schema``, naming the rule.

The scripted server stands in for each provider and holds requests to that provider's
profile (``tests.support.provider_rules``); the real openai client and agents code run.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agents.models.chatcmpl_converter import Converter

from adapters.llm.config import PROFILES, LlmSettings, Step
from adapters.llm.offline import sample_full_lesson, sample_idm
from adapters.llm.steps import output_schema
from application.errors import ProviderRejectedSchemaError
from application.ports.generation import ModelRoute
from application.use_cases.generate_lesson import GenerateRequest
from domain.catalog.registry import SUPPORTED_VERSIONS
from domain.generation import LessonConstraints
from domain.schema.llm import llm_json_schema
from domain.schema.profiles import PROFILES as SCHEMA_PROFILES
from domain.schema.profiles import profile_violations
from tests.integration.test_generation_llm import make_pipeline
from tests.support.scripted_openai import ScriptedOpenAI, json_completion

SHIPPED = [p for p in PROFILES if p != "offline"]
STEPS: tuple[Step, ...] = ("gatherer", "structurer", "repair")
KEY = "sk-test-never-sent-anywhere-else"
IDM = sample_idm("Photosynthesis", LessonConstraints()).model_dump(mode="json")


def sent_schema(step: Step, provider: str, version: str) -> dict[str, Any]:
    """The JSON schema a step sends on a provider's route, as the agents SDK sends it."""
    fmt: Any = Converter.convert_response_format(
        output_schema(step, ModelRoute(provider, "any-model"), version)
    )
    schema: dict[str, Any] = fmt["json_schema"]["schema"]
    return schema


@pytest.mark.parametrize("provider", SHIPPED)
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_each_shipped_route_passes_its_profile(provider: str, step: Step, version: str) -> None:
    profile = PROFILES[provider].schema_profile
    assert [str(v) for v in profile_violations(sent_schema(step, provider, version), profile)] == []


def test_the_gathered_material_schema_passes_every_profile() -> None:
    # OpenRouter's default gatherer is a Google model behind an OpenAI-compatible API.
    schema = sent_schema("gatherer", "openrouter", "1.1")
    for profile in SCHEMA_PROFILES:
        assert profile_violations(schema, profile) == [], profile


def test_routes_follow_their_provider_profile() -> None:
    assert {p: PROFILES[p].schema_profile for p in SHIPPED} == {
        "gemini": "gemini",
        "openrouter": "openai",
        "openai": "openai",
        "compatible": "grammar",
    }


@pytest.fixture
def provider_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Point a provider at a scripted server enforcing that provider's profile."""
    servers: list[ScriptedOpenAI] = []

    def start(provider: str, profile: str | None = None) -> ScriptedOpenAI:
        server = ScriptedOpenAI(profile or PROFILES[provider].schema_profile)
        server.start()
        servers.append(server)
        monkeypatch.setitem(
            PROFILES, provider, dataclasses.replace(PROFILES[provider], base_url=server.base_url)
        )
        return server

    yield start
    for server in servers:
        server.stop()


def settings_for(provider: str, base_url: str) -> LlmSettings:
    models = {"gatherer": "g", "structurer": "s"} if provider == "compatible" else {}
    return LlmSettings(
        keys={PROFILES[provider].key_variable or "": KEY},
        providers={"gatherer": provider, "structurer": provider},
        models=models,
        compatible_base_url=base_url,
        call_timeout=5.0,
        deadline=20.0,
        max_attempts=3,
    )


def lessons(version: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A lesson a model could write, and the same lesson with an invalid item."""
    valid = sample_full_lesson(sample_idm("Photosynthesis", LessonConstraints()), version)
    invalid = copy.deepcopy(valid)
    invalid["blocks"][0]["items"][0]["text"] = " "
    return valid, invalid


@pytest.mark.slow  # every provider profile and catalog version
@pytest.mark.parametrize("provider", SHIPPED)
@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_gather_structure_and_repair_pass_the_provider_that_judges_them(
    provider: str, version: str, provider_at: Any, tmp_path: Path
) -> None:
    server = provider_at(provider)
    valid, invalid = lessons(version)
    server.script(json_completion(IDM), json_completion(invalid), json_completion(valid))
    async with make_pipeline(server, tmp_path, settings_for(provider, server.base_url)) as pipeline:
        generated = await pipeline.generate(
            GenerateRequest("Photosynthesis", schema_version=version)
        )
    assert [u.step for u in generated.record.meta.usage] == ["gatherer", "structurer", "repair"]
    sent = [r["response_format"]["json_schema"]["schema"] for r in server.requests]
    profile = PROFILES[provider].schema_profile
    assert sent[1] == sent[2] == llm_json_schema(version, profile)


@pytest.mark.parametrize(
    ("provider", "judge", "rule", "status_word"),
    [
        # a "compatible" server that is really OpenAI strict: the unrolled schema nests too deep
        ("compatible", "openai", "openai.max_nesting", "invalid_request_error"),
        # OpenAI's recursive schema sent to Gemini: a cycle through required properties
        ("openai", "gemini", "gemini.recursion", "INVALID_ARGUMENT"),
    ],
)
@pytest.mark.slow  # the scripted model server
async def test_a_refused_schema_fails_at_once_naming_the_rule(
    provider: str, judge: str, rule: str, status_word: str, provider_at: Any, tmp_path: Path
) -> None:
    server = provider_at(provider, judge)
    server.script(json_completion(IDM), json_completion(lessons("1.1")[0]))
    async with make_pipeline(server, tmp_path, settings_for(provider, server.base_url)) as pipeline:
        with pytest.raises(ProviderRejectedSchemaError) as info:
            await pipeline.generate(GenerateRequest("Photosynthesis"))
        assert await pipeline.stored() == 0
    assert info.value.code == "provider_rejected_schema"
    assert "structurer" in str(info.value)
    assert rule in str(info.value)
    assert len(server.requests) == 2  # gathered, then one refused structurer call: no retry
    assert len(server.replies) == 1  # the refusal used no scripted answer
    status, body = post(server, server.requests[1])
    assert status == 400
    assert status_word in json.dumps(body)


def post(server: ScriptedOpenAI, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{server.base_url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ("openai", {"type": "invalid_request_error", "param": "response_format", "code": None}),
        ("grammar", {"type": "BadRequestError", "param": None, "code": 400}),
        ("gemini", {"code": 400, "status": "INVALID_ARGUMENT"}),
    ],
)
@pytest.mark.slow  # the scripted model server
def test_the_server_refuses_with_the_error_body_of_the_provider(
    profile: str, expected: dict[str, Any]
) -> None:
    server = ScriptedOpenAI(profile)
    server.start()
    try:
        bad = {"type": "object", "properties": {"a": {"type": "object"}}, "required": ["a"],
               "oneOf": [{"allOf": []}], "not": {}}  # fmt: skip
        body = {"model": "m", "messages": [], "response_format": {
            "type": "json_schema", "json_schema": {"name": "final_output", "strict": True, "schema": bad}}}  # fmt: skip
        status, answer = post(server, body)
    finally:
        server.stop()
    assert status == 400
    error = answer["error"]
    assert {k: error[k] for k in expected} == expected
    assert f"{profile}." in error["message"]  # the message names the broken rule
