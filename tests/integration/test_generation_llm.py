"""The generation pipeline over the real openai client and agents code, against a scripted
OpenAI-compatible server on 127.0.0.1: the calls made, what they carry, and every failure."""

from __future__ import annotations

import copy
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.llm.clients import ProviderClients
from adapters.llm.config import LlmSettings
from adapters.llm.offline import sample_idm, sample_lesson
from adapters.llm.steps import AgentsGatherer, AgentsRepairer, AgentsStructurer
from adapters.serialization import repair_document
from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.lessons import SqliteLessonRepository
from adapters.sqlite.repairs import SqliteRepairLog
from adapters.system import RandomIds
from application.cursor import CursorCodec
from application.errors import (
    BadModelOutputError,
    GenerationError,
    InvalidLessonError,
    ModelRefusedError,
    OutputTruncatedError,
    ProviderRateLimitedError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    StructuredOutputUnavailableError,
)
from application.records import LessonQuery
from application.use_cases.generate_lesson import GenerateLesson, GenerateRequest
from domain.conversion.forms import expand
from domain.generation import LessonConstraints
from domain.schema.llm import llm_json_schema
from tests.support.fakes import FakeClock
from tests.support.scripted_openai import Reply, ScriptedOpenAI, completion, error, json_completion

CONSTRAINTS = LessonConstraints()
IDM = sample_idm("Photosynthesis", CONSTRAINTS).model_dump(mode="json")
LESSON = expand(sample_lesson(sample_idm("Photosynthesis", CONSTRAINTS), "1.1"))


def invalid_lesson() -> dict[str, Any]:
    """The lesson with one fill-in-the-blank prompt that has no blank."""
    broken = copy.deepcopy(LESSON)
    for block in broken["blocks"]:
        for item in block.get("items", []):
            if item["type"] == "fillblank":
                item["prompt"] = "No blank in this prompt."
                return broken
    raise AssertionError("the sample lesson has a fillblank")


@pytest.fixture
def server() -> Iterator[ScriptedOpenAI]:
    scripted = ScriptedOpenAI()
    scripted.start()
    yield scripted
    scripted.stop()


@dataclass
class Pipeline:
    generate: GenerateLesson
    lessons: SqliteLessonRepository
    database: SqliteDatabase
    server: ScriptedOpenAI

    async def stored(self) -> int:
        return len((await self.lessons.list_summaries(LessonQuery(limit=100))).items)

    async def repairs(self) -> list[dict[str, Any]]:
        rows = await self.database.read(
            lambda c: c.execute("SELECT outcome, record FROM repairs").fetchall()
        )
        return [{"outcome": row["outcome"], **repair_document(row["record"])} for row in rows]


def settings_for(base_url: str, **overrides: Any) -> LlmSettings:
    values: dict[str, Any] = {
        "keys": {"DGS_COMPATIBLE_API_KEY": "sk-test-never-sent-anywhere-else"},
        "providers": {"gatherer": "compatible", "structurer": "compatible"},
        "models": {"gatherer": "scripted-gatherer", "structurer": "scripted-structurer"},
        "compatible_base_url": base_url,
        "call_timeout": 2.0,
        "deadline": 10.0,
        "max_attempts": 3,
    }
    values.update(overrides)
    return LlmSettings(**values)


@pytest.fixture
async def pipeline(server: ScriptedOpenAI, tmp_path: Path) -> AsyncIterator[Pipeline]:
    async with make_pipeline(server, tmp_path, settings_for(server.base_url)) as built:
        yield built


@asynccontextmanager
async def make_pipeline(
    server: ScriptedOpenAI, tmp_path: Path, settings: LlmSettings, repair: bool = True
) -> AsyncIterator[Pipeline]:
    """The real pipeline: agents steps over the scripted server, SQLite on a temp file."""
    clock, ids = FakeClock(), RandomIds()
    database = SqliteDatabase(tmp_path / "dgs.sqlite3")
    lessons = SqliteLessonRepository(database, CursorCodec(b"x" * 32), clock)
    clients = ProviderClients(settings)
    generate = GenerateLesson(
        AgentsGatherer(settings, clients),
        AgentsStructurer(settings, clients),
        AgentsRepairer(settings, clients),
        lessons,
        SqliteRepairLog(database, clock, ids, timedelta(days=30)),
        clock,
        ids,
        repair_enabled=repair,
        prompt_version="v1-test",
    )
    try:
        yield Pipeline(generate, lessons, database, server)
    finally:
        await clients.close()
        database.close()


async def test_success_is_exactly_two_calls_with_strict_json_schema(pipeline: Pipeline) -> None:
    pipeline.server.script(
        json_completion(IDM, prompt_tokens=1200, completion_tokens=800, reasoning_tokens=64),
        json_completion(LESSON, prompt_tokens=2100, completion_tokens=1500),
    )
    generated = await pipeline.generate(GenerateRequest("Photosynthesis"))
    requests = pipeline.server.requests
    assert len(requests) == 2
    gather, structure = requests
    assert gather["model"] == "scripted-gatherer"
    assert structure["model"] == "scripted-structurer"
    for body in requests:
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["strict"] is True
    assert structure["response_format"]["json_schema"]["schema"] == llm_json_schema("1.1")
    assert "Photosynthesis" in json.dumps(gather["messages"])
    assert "## fillblank" in json.dumps(structure["messages"])  # the catalog's widgets.md
    record = generated.record
    assert (record.provider_a, record.model_a, record.provider_b, record.model_b) == (
        "compatible", "scripted-gatherer", "compatible", "scripted-structurer",
    )  # fmt: skip
    assert [
        (u.step, u.input_tokens, u.output_tokens, u.reasoning_tokens) for u in record.meta.usage
    ] == [
        ("gatherer", 1200, 800, 64),
        ("structurer", 2100, 1500, 0),
    ]
    assert record.meta.repaired is False
    assert (await pipeline.lessons.get(record.lesson_id)).lesson_json == record.lesson_json
    assert await pipeline.repairs() == []


async def test_an_invalid_lesson_is_repaired_once_with_the_full_error_list(
    pipeline: Pipeline,
) -> None:
    pipeline.server.script(
        json_completion(IDM), json_completion(invalid_lesson()), json_completion(LESSON)
    )
    generated = await pipeline.generate(GenerateRequest("Photosynthesis"))
    assert len(pipeline.server.requests) == 3
    repair_request = json.dumps(pipeline.server.requests[2]["messages"])
    assert "value.missing_text" in repair_request
    assert "/blocks/" in repair_request
    assert "widgets-1.1.md#fillblank" in repair_request
    assert generated.record.meta.repaired is True
    assert [u.step for u in generated.record.meta.usage] == ["gatherer", "structurer", "repair"]
    assert await pipeline.stored() == 1
    (repair,) = await pipeline.repairs()
    assert repair["outcome"] == "valid"
    assert repair["errors"][0]["code"] == "value.missing_text"
    assert repair["idm"]["metadata"]["topic"] == "Photosynthesis"


async def test_invalid_before_and_after_repair_stores_nothing_but_the_repair_record(
    pipeline: Pipeline,
) -> None:
    pipeline.server.script(
        json_completion(IDM), json_completion(invalid_lesson()), json_completion(invalid_lesson())
    )
    with pytest.raises(InvalidLessonError) as info:
        await pipeline.generate(GenerateRequest("Photosynthesis"))
    assert info.value.errors[0]["code"] == "value.missing_text"
    assert len(pipeline.server.requests) == 3
    assert await pipeline.stored() == 0
    assert [r["outcome"] for r in await pipeline.repairs()] == ["invalid"]


async def test_with_repair_off_an_invalid_lesson_fails_after_two_calls(
    server: ScriptedOpenAI, tmp_path: Path
) -> None:
    async with make_pipeline(
        server, tmp_path, settings_for(server.base_url), repair=False
    ) as pipeline:
        server.script(json_completion(IDM), json_completion(invalid_lesson()))
        with pytest.raises(InvalidLessonError):
            await pipeline.generate(GenerateRequest("Photosynthesis"))
        assert len(server.requests) == 2
        assert await pipeline.stored() == 0


async def test_a_model_without_structured_output_fails_before_any_call(
    server: ScriptedOpenAI, tmp_path: Path
) -> None:
    settings = settings_for(server.base_url, compatible_structured_output=False)
    async with make_pipeline(server, tmp_path, settings) as pipeline:
        with pytest.raises(StructuredOutputUnavailableError):
            await pipeline.generate(GenerateRequest("Photosynthesis"))
        assert server.requests == []


RETRY_AFTER = {"Retry-After": "1"}


@pytest.mark.parametrize(
    ("replies", "expected", "attempts", "repaired_calls"),
    [
        # rate limiting: honoured Retry-After, plain backoff, a wait longer than the deadline
        (
            [error(429, headers=RETRY_AFTER), json_completion(IDM), json_completion(LESSON)],
            None,
            3,
            0,
        ),
        ([error(429)] * 3, ProviderRateLimitedError, 3, 0),
        ([error(429, headers={"Retry-After": "60"})], ProviderRateLimitedError, 1, 0),
        # server errors: retried, then unavailable
        ([error(500), json_completion(IDM), error(503), json_completion(LESSON)], None, 4, 0),
        ([error(503)] * 3, ProviderUnavailableError, 3, 0),
        ([error(401, "bad key")], ProviderUnavailableError, 1, 0),
        # a read timeout (the call timeout is 2 s)
        ([Reply(delay=3.0, body=json_completion(IDM).body)], ProviderTimeoutError, 1, 0),
        # malformed output, truncation, refusal
        ([completion("{not json")], BadModelOutputError, 1, 0),
        ([json_completion({"unexpected": True})], BadModelOutputError, 1, 0),
        (
            [json_completion(IDM), completion(json.dumps(LESSON)[:500], finish_reason="length")],
            OutputTruncatedError,
            2,
            0,
        ),
        (
            [json_completion(IDM), completion(None, refusal="I can't help with that.")],
            ModelRefusedError,
            2,
            0,
        ),
        ([completion(json.dumps(IDM)[:300], finish_reason="length")], OutputTruncatedError, 1, 0),
    ],
    ids=[
        "429-retry-after",
        "429-no-retry-after",
        "429-beyond-deadline",
        "500-503-then-ok",
        "503-persistent",
        "401",
        "read-timeout",
        "malformed-json",
        "wrong-shape",
        "truncated-lesson",
        "refusal",
        "truncated-idm",
    ],
)
async def test_fault_matrix(
    pipeline: Pipeline,
    replies: list[Reply],
    expected: type[GenerationError] | None,
    attempts: int,
    repaired_calls: int,
) -> None:
    pipeline.server.script(*replies)
    started = time.monotonic()
    if expected is None:
        generated = await pipeline.generate(GenerateRequest("Photosynthesis"))
        assert generated.record.meta.repaired is False
        assert await pipeline.stored() == 1
    else:
        with pytest.raises(expected):
            await pipeline.generate(GenerateRequest("Photosynthesis"))
        assert await pipeline.stored() == 0
        assert await pipeline.repairs() == []  # truncation and refusals are not repaired
    assert len(pipeline.server.requests) == attempts
    if replies[0].headers == RETRY_AFTER:
        assert time.monotonic() - started >= 1.0  # the Retry-After was waited for


async def test_a_connection_failure_is_retried_then_unavailable(
    server: ScriptedOpenAI, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings = settings_for(f"http://127.0.0.1:{closed}/v1")
    async with make_pipeline(server, tmp_path, settings) as pipeline:
        with pytest.raises(ProviderUnavailableError):
            await pipeline.generate(GenerateRequest("Photosynthesis"))
        assert await pipeline.stored() == 0


async def test_the_rate_limit_error_carries_the_providers_retry_after(pipeline: Pipeline) -> None:
    pipeline.server.script(error(429, headers={"Retry-After": "60"}))
    with pytest.raises(ProviderRateLimitedError) as info:
        await pipeline.generate(GenerateRequest("Photosynthesis"))
    assert info.value.retry_after == 60.0


async def test_streamed_completions_are_understood_by_the_sdk(server: ScriptedOpenAI) -> None:
    """The scripted server speaks SSE too: the same answer, streamed, reaches the agent."""
    from agents import Agent, Runner

    settings = settings_for(server.base_url)
    clients = ProviderClients(settings)
    try:
        route = settings.route("gatherer", CONSTRAINTS)
        agent: Agent[Any] = Agent(
            name="g",
            instructions="x",
            model=clients.model(route),
            output_type=type(sample_idm("x", CONSTRAINTS)),
        )
        server.script(json_completion(IDM))
        result = Runner.run_streamed(agent, "Topic: Photosynthesis")
        async for _ in result.stream_events():
            pass
        assert result.final_output.model_dump(mode="json") == IDM
        assert server.requests[0]["stream"] is True
    finally:
        await clients.close()


async def test_a_connect_timeout_is_a_provider_timeout(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection that never completes (injected at the HTTP transport under the SDK)."""
    import httpx2

    async def never_connects(self: object, request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectTimeout("connect timed out", request=request)

    monkeypatch.setattr(httpx2.AsyncHTTPTransport, "handle_async_request", never_connects)
    with pytest.raises(ProviderTimeoutError):
        await pipeline.generate(GenerateRequest("Photosynthesis"))
    assert await pipeline.stored() == 0
