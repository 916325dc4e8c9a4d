"""The generation pipeline over the real openai client and agents code, against a scripted
OpenAI-compatible server on 127.0.0.1: the calls made, what they carry, and every failure."""

from __future__ import annotations

import asyncio
import copy
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest

from adapters.dynamodb.schema import create_table
from adapters.json_input import decode_json
from adapters.llm.clients import ProviderClients
from adapters.llm.config import LlmSettings
from adapters.llm.material_output import material_output
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
from application.principal import DEV_TENANT
from application.records import LessonQuery
from application.use_cases.generate_lesson import GenerateLesson, GenerateRequest
from domain.conversion.forms import expand
from domain.generation import LessonConstraints
from domain.schema.llm import llm_json_schema, shared_llm_json_schema
from entrypoints.container import Container, build_container, shutdown
from entrypoints.http_app import build_app
from entrypoints.settings import load_settings
from tests.conftest import use_test_credentials
from tests.http.conftest import KEY, api_settings
from tests.support.dynamo_proxy import DynamoProxy
from tests.support.fakes import FakeClock
from tests.support.scripted_openai import (
    Reply,
    ScriptedOpenAI,
    completion,
    error,
    json_completion,
    slow,
)

# Every test drives the real openai and agents clients against the scripted model scripted_model.
pytestmark = pytest.mark.slow

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


@dataclass
class Pipeline:
    generate: GenerateLesson
    lessons: SqliteLessonRepository
    database: SqliteDatabase
    scripted_model: ScriptedOpenAI

    async def stored(self) -> int:
        return len((await self.lessons.list_summaries(DEV_TENANT, LessonQuery(limit=100))).items)

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
async def pipeline(scripted_model: ScriptedOpenAI, tmp_path: Path) -> AsyncIterator[Pipeline]:
    async with make_pipeline(
        scripted_model, tmp_path, settings_for(scripted_model.base_url)
    ) as built:
        yield built


@asynccontextmanager
async def make_pipeline(
    scripted_model: ScriptedOpenAI, tmp_path: Path, settings: LlmSettings, repair: bool = True
) -> AsyncIterator[Pipeline]:
    """The real pipeline: agents steps over the scripted scripted_model, SQLite on a temp file."""
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
        deadline=timedelta(seconds=settings.deadline),
    )
    try:
        yield Pipeline(generate, lessons, database, scripted_model)
    finally:
        await clients.close()
        database.close()


async def test_success_is_exactly_two_calls_with_strict_json_schema(pipeline: Pipeline) -> None:
    pipeline.scripted_model.script(
        json_completion(IDM, prompt_tokens=1200, completion_tokens=800, reasoning_tokens=64),
        json_completion(LESSON, prompt_tokens=2100, completion_tokens=1500),
    )
    generated = await pipeline.generate(GenerateRequest("Photosynthesis"))
    requests = pipeline.scripted_model.requests
    assert len(requests) == 2
    gather, structure = requests
    assert gather["model"] == "scripted-gatherer"
    assert structure["model"] == "scripted-structurer"
    for body in requests:
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["strict"] is True
    # a compatible server gets the grammar-engine profile's schema (recursion unrolled)
    assert structure["response_format"]["json_schema"]["schema"] == llm_json_schema(
        "1.1", "grammar"
    )
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
    assert (
        await pipeline.lessons.get(DEV_TENANT, record.lesson_id)
    ).lesson_json == record.lesson_json
    assert await pipeline.repairs() == []


async def test_the_shared_schemas_are_sent_as_built_and_left_unchanged(pipeline: Pipeline) -> None:
    """One schema per catalog version and profile serves every call: nothing may change it."""
    shared = shared_llm_json_schema("1.1", "grammar")
    before = copy.deepcopy(shared)
    for _ in range(2):
        pipeline.scripted_model.script(json_completion(IDM), json_completion(LESSON))
        await pipeline.generate(GenerateRequest("Photosynthesis"))
    assert shared == before
    sent = [r["response_format"]["json_schema"]["schema"] for r in pipeline.scripted_model.requests]
    assert sent[1] == sent[3] == before
    assert sent[0] == sent[2] == material_output().json_schema()


async def test_an_invalid_lesson_is_repaired_once_with_the_full_error_list(
    pipeline: Pipeline,
) -> None:
    pipeline.scripted_model.script(
        json_completion(IDM), json_completion(invalid_lesson()), json_completion(LESSON)
    )
    generated = await pipeline.generate(GenerateRequest("Photosynthesis"))
    assert len(pipeline.scripted_model.requests) == 3
    repair_request = json.dumps(pipeline.scripted_model.requests[2]["messages"])
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
    pipeline.scripted_model.script(
        json_completion(IDM), json_completion(invalid_lesson()), json_completion(invalid_lesson())
    )
    with pytest.raises(InvalidLessonError) as info:
        await pipeline.generate(GenerateRequest("Photosynthesis"))
    assert info.value.errors[0]["code"] == "value.missing_text"
    assert len(pipeline.scripted_model.requests) == 3
    assert await pipeline.stored() == 0
    assert [r["outcome"] for r in await pipeline.repairs()] == ["invalid"]


async def test_with_repair_off_an_invalid_lesson_fails_after_two_calls(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    async with make_pipeline(
        scripted_model, tmp_path, settings_for(scripted_model.base_url), repair=False
    ) as pipeline:
        scripted_model.script(json_completion(IDM), json_completion(invalid_lesson()))
        with pytest.raises(InvalidLessonError):
            await pipeline.generate(GenerateRequest("Photosynthesis"))
        assert len(scripted_model.requests) == 2
        assert await pipeline.stored() == 0


async def test_a_model_without_structured_output_fails_before_any_call(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    settings = settings_for(scripted_model.base_url, compatible_structured_output=False)
    async with make_pipeline(scripted_model, tmp_path, settings) as pipeline:
        with pytest.raises(StructuredOutputUnavailableError):
            await pipeline.generate(GenerateRequest("Photosynthesis"))
        assert scripted_model.requests == []


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
@pytest.mark.slow  # real retries and back-off against the scripted server
async def test_fault_matrix(
    pipeline: Pipeline,
    replies: list[Reply],
    expected: type[GenerationError] | None,
    attempts: int,
    repaired_calls: int,
) -> None:
    pipeline.scripted_model.script(*replies)
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
    assert len(pipeline.scripted_model.requests) == attempts
    if replies[0].headers == RETRY_AFTER:
        assert time.monotonic() - started >= 1.0  # the Retry-After was waited for


async def test_a_connection_failure_is_retried_then_unavailable(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings = settings_for(f"http://127.0.0.1:{closed}/v1")
    async with make_pipeline(scripted_model, tmp_path, settings) as pipeline:
        with pytest.raises(ProviderUnavailableError):
            await pipeline.generate(GenerateRequest("Photosynthesis"))
        assert await pipeline.stored() == 0


async def test_the_rate_limit_error_carries_the_providers_retry_after(pipeline: Pipeline) -> None:
    pipeline.scripted_model.script(error(429, headers={"Retry-After": "60"}))
    with pytest.raises(ProviderRateLimitedError) as info:
        await pipeline.generate(GenerateRequest("Photosynthesis"))
    assert info.value.retry_after == 60.0


async def test_streamed_completions_are_understood_by_the_sdk(
    scripted_model: ScriptedOpenAI,
) -> None:
    """The scripted server speaks SSE too: the same answer, streamed, reaches the agent."""
    from agents import Agent, Runner

    settings = settings_for(scripted_model.base_url)
    clients = ProviderClients(settings)
    try:
        route = settings.route("gatherer", CONSTRAINTS)
        agent: Agent[Any] = Agent(
            name="g",
            instructions="x",
            model=clients.model(route),
            output_type=type(sample_idm("x", CONSTRAINTS)),
        )
        scripted_model.script(json_completion(IDM))
        result = Runner.run_streamed(agent, "Topic: Photosynthesis")
        async for _ in result.stream_events():
            pass
        assert result.final_output.model_dump(mode="json") == IDM
        assert scripted_model.requests[0]["stream"] is True
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


# One deadline for the whole generation ------------------------------------------------


async def test_one_deadline_covers_every_model_call_of_a_generation(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    """Three answers of 0.6 s each fit a 1.5 s deadline one by one, but not together."""
    async with make_pipeline(
        scripted_model, tmp_path, settings_for(scripted_model.base_url, deadline=1.5)
    ) as pipe:
        scripted_model.script(
            slow(json_completion(IDM), 0.6),
            slow(json_completion(invalid_lesson()), 0.6),
            slow(json_completion(LESSON), 0.6),
        )
        started = time.monotonic()
        with pytest.raises(ProviderTimeoutError):
            await pipe.generate(GenerateRequest("Photosynthesis"))
        assert time.monotonic() - started < 1.5 + 0.4  # it ends at the deadline, not after
        assert await pipe.stored() == 0


async def test_retries_draw_from_the_same_deadline(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    """A Retry-After of 1 s does not fit the 0.7 s the gather step left of a 1.5 s deadline."""
    async with make_pipeline(
        scripted_model, tmp_path, settings_for(scripted_model.base_url, deadline=1.5)
    ) as pipe:
        scripted_model.script(
            slow(json_completion(IDM), 0.8), error(429, headers={"Retry-After": "1"})
        )
        with pytest.raises(ProviderRateLimitedError):
            await pipe.generate(GenerateRequest("Photosynthesis"))
        assert len(scripted_model.requests) == 2  # no retry was started past the deadline
        assert await pipe.stored() == 0


# Model output that is not strict JSON --------------------------------------------------


def lesson_with_code(value: Any) -> dict[str, Any]:
    """The lesson with its codeviewer showing ``value`` as a JSON object (an open object)."""
    lesson = copy.deepcopy(LESSON)
    for block in lesson["blocks"]:
        for item in block.get("items", []):
            if item["type"] == "codeviewer":
                item["code"] = {"value": value}
                item["language"] = "json"
                return lesson
    raise AssertionError("the sample lesson has a codeviewer")


def lesson_with_pattern(pattern: str) -> dict[str, Any]:
    """The lesson with an interactive console whose one entry matches ``pattern``."""
    lesson = copy.deepcopy(LESSON)
    for block in lesson["blocks"]:
        for item in block.get("items", []):
            if item["type"] == "console":
                item["mode"] = 1
                item["entries"] = [
                    {"kind": "interactive", "pattern": pattern, "level": "ok", "output": "x"}
                ]
                return lesson
    raise AssertionError("the sample lesson has a console")


def nested(depth: int) -> str:
    """A JSON array nested ``depth`` levels deep (as text: too deep for ``json.dumps``)."""
    return "[" * depth + '"leaf"' + "]" * depth


MARK = "__dgs_token__"


def text_with(token: str) -> str:
    """The lesson's JSON text with ``token`` written where the codeviewer's value is."""
    return json.dumps(lesson_with_code(MARK)).replace(f'"{MARK}"', token)


UNREADABLE = {
    "nan": text_with("NaN"),
    "infinity": text_with("Infinity"),
    "minus-infinity": text_with("-Infinity"),
    "lone-surrogate-escape": text_with('"\\ud800"'),
    "lone-surrogate-char": text_with('"\ud800"'),
    "deeper-than-the-limit": text_with(nested(100)),
    "deeper-than-python-recursion": text_with(nested(1500)),
    "not-json": text_with("{oops"),
}


@pytest.mark.parametrize("text", UNREADABLE.values(), ids=UNREADABLE.keys())
async def test_unreadable_lesson_output_is_repaired_and_only_strict_json_is_stored(
    pipeline: Pipeline, text: str
) -> None:
    pipeline.scripted_model.script(json_completion(IDM), completion(text), json_completion(LESSON))
    generated = await pipeline.generate(GenerateRequest("Photosynthesis"))
    assert len(pipeline.scripted_model.requests) == 3
    repair_request = json.dumps(pipeline.scripted_model.requests[2]["messages"], ensure_ascii=False)
    assert "json." in repair_request  # an error that says why the output was unreadable
    assert "Sample lesson from the offline provider" in repair_request  # the raw text itself
    assert generated.record.meta.repaired is True
    stored = await pipeline.lessons.get(DEV_TENANT, generated.record.lesson_id)
    assert decode_json(stored.lesson_json) == LESSON
    (repair,) = await pipeline.repairs()
    assert repair["outcome"] == "valid"


@pytest.mark.parametrize("text", UNREADABLE.values(), ids=UNREADABLE.keys())
async def test_unreadable_output_twice_is_invalid_model_output_and_stores_nothing(
    pipeline: Pipeline, text: str
) -> None:
    pipeline.scripted_model.script(json_completion(IDM), completion(text), completion(text))
    with pytest.raises(GenerationError) as info:
        await pipeline.generate(GenerateRequest("Photosynthesis"))
    assert info.value.code == "invalid_model_output"
    assert len(pipeline.scripted_model.requests) == 3
    assert await pipeline.stored() == 0
    assert [r["outcome"] for r in await pipeline.repairs()] == ["invalid"]


@pytest.mark.parametrize("pattern", ["a{4294967295}", "(" * 600 + "a" + ")" * 600])
async def test_a_pattern_validation_cannot_check_is_repaired_never_a_crash(
    pipeline: Pipeline, pattern: str
) -> None:
    pipeline.scripted_model.script(
        json_completion(IDM),
        json_completion(lesson_with_pattern(pattern)),
        json_completion(lesson_with_pattern(pattern)),
    )
    with pytest.raises(GenerationError) as info:
        await pipeline.generate(GenerateRequest("Photosynthesis"))
    # Unreadable to validation, or an error validation names: either way one repair, a 502.
    assert info.value.code in {"invalid_model_output", "invalid_after_repair"}
    assert len(pipeline.scripted_model.requests) == 3
    assert await pipeline.stored() == 0


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
async def test_gathered_material_with_nan_is_bad_model_output(
    pipeline: Pipeline, token: str
) -> None:
    text = json.dumps(IDM).replace('"Photosynthesis"', token, 1)
    pipeline.scripted_model.script(completion(text))
    with pytest.raises(BadModelOutputError):
        await pipeline.generate(GenerateRequest("Photosynthesis"))
    assert len(pipeline.scripted_model.requests) == 1  # the material is not repaired
    assert await pipeline.stored() == 0


# Through the API: the observed timeline, and every read path of what was stored ---------

GEN = "/v1/lessons/generate"


@pytest.fixture(params=["sqlite", "dynamodb"])
def storage(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The settings selecting a store: SQLite on a file, or DynamoDB on moto's scripted_model."""
    if request.param == "sqlite":
        return {}
    proxy: DynamoProxy = request.getfixturevalue("moto_proxy")
    use_test_credentials(monkeypatch)
    return {
        "DGS_STORAGE": "dynamodb",
        "DGS_DYNAMODB_ENDPOINT_URL": proxy.url,
        "DGS_DYNAMODB_TABLE": f"gen-{uuid.uuid4().hex[:12]}",
        "DGS_CURSOR_SECRET": "generation-test-cursor-secret",
    }


@asynccontextmanager
async def scripted_api(
    scripted_model: ScriptedOpenAI, tmp_path: Path, **extra: str
) -> AsyncIterator[tuple[httpx2.AsyncClient, Container]]:
    """The whole app, its settings naming the scripted server as the provider of every step.

    Requests go through ASGI in this event loop, so two of them really overlap (Litestar's
    test client serves one request at a time).
    """
    environ = api_settings(
        tmp_path,
        DGS_COMPATIBLE_BASE_URL=scripted_model.base_url,
        DGS_COMPATIBLE_API_KEY="sk-test-never-sent-anywhere-else",
        DGS_GATHERER_PROVIDER="compatible",
        DGS_STRUCTURER_PROVIDER="compatible",
        DGS_GATHERER_MODEL="scripted-gatherer",
        DGS_STRUCTURER_MODEL="scripted-structurer",
        DGS_MODEL_TIMEOUT_SECONDS="5",
        **extra,
    )
    container = build_container(load_settings(environ))
    try:
        if container.settings().storage == "dynamodb":
            await create_table(container.stores.table())
        transport = httpx2.ASGITransport(app=build_app(container))
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, container
    finally:
        await shutdown(container)


async def stored_lessons(container: Container) -> list[Any]:
    page = await container.lessons().list_summaries(DEV_TENANT, LessonQuery(limit=100))
    return [await container.lessons().get(DEV_TENANT, item.lesson_id) for item in page.items]


@pytest.mark.slow  # waits out a deadline
async def test_a_slow_generation_ends_at_its_deadline_and_frees_its_key(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    """The observed failure, at 1/50 scale: 3 slow calls, a retry while the first runs.

    Each answer fits the deadline alone; together they do not. The first attempt must end
    at the deadline with 504 and store nothing; a retry meanwhile is told how much of the
    deadline is left (not the lease); after the 504 the key is free and nothing is cached.
    """
    # Long enough steps that a loaded machine keeps the order: the retry lands while the
    # second call runs, well before the deadline.
    async with scripted_api(scripted_model, tmp_path, DGS_GENERATION_DEADLINE_SECONDS="3") as (
        client,
        container,
    ):
        scripted_model.script(
            slow(json_completion(IDM), 1.2),
            slow(json_completion(invalid_lesson()), 1.2),
            slow(json_completion(LESSON), 1.2),
        )
        body = {"topic": "Photosynthesis", "idempotency_key": "slow-1"}
        started = time.monotonic()
        first = asyncio.create_task(client.post(GEN, json=body, headers=KEY))
        await asyncio.sleep(1.0)
        busy = await client.post(GEN, json=body, headers=KEY)
        assert (busy.status_code, busy.json()["code"]) == (409, "idempotency_in_progress")
        # ~2 s of the deadline were left: that, not the lease (deadline + 15 s).
        assert 1 <= int(busy.headers["retry-after"]) <= 3
        failed = await first
        assert (failed.status_code, failed.json()["code"]) == (504, "provider_timeout")
        assert time.monotonic() - started < 3 + 1.0
        assert await stored_lessons(container) == []
        scripted_model.script(json_completion(IDM), json_completion(LESSON))
        retried = await client.post(GEN, json=body, headers=KEY)
        assert retried.status_code == 201, retried.text
        assert retried.json()["meta"]["cache"] is None  # the failed attempt cached nothing
        assert len(await stored_lessons(container)) == 1


async def test_what_the_pipeline_stores_reads_back_on_every_path(
    scripted_model: ScriptedOpenAI, tmp_path: Path, storage: dict[str, str]
) -> None:
    """A lesson first written with NaN is repaired; GET, replay and cache hit all read it."""
    async with scripted_api(scripted_model, tmp_path, **storage) as (client, container):
        scripted_model.script(
            json_completion(IDM), completion(text_with("NaN")), json_completion(LESSON)
        )
        body = {"topic": "Photosynthesis", "idempotency_key": "read-1"}
        created = await client.post(GEN + "?format=full", json=body, headers=KEY)
        assert created.status_code == 201, created.text
        lesson_id = created.json()["lesson_id"]
        got = await client.get(f"/v1/lessons/{lesson_id}?format=full", headers=KEY)
        assert got.status_code == 200, got.text
        replayed = await client.post(GEN + "?format=full", json=body, headers=KEY)
        assert (replayed.status_code, replayed.content) == (201, created.content)
        cached = await client.post(
            GEN + "?format=full", json={"topic": "Photosynthesis"}, headers=KEY
        )
        assert cached.status_code == 201, cached.text
        assert cached.json()["meta"]["cache"] == "lesson"
        assert len(scripted_model.requests) == 3  # gather, structure (NaN), repair; then no call
        records = await stored_lessons(container)
        assert len(records) == 2
        for record in records:  # the strict reader every read path uses
            assert decode_json(record.lesson_json) == LESSON
            assert decode_json(record.lesson_json) == created.json()["lesson_json"]


async def test_unreadable_output_twice_is_a_502_that_stores_and_caches_nothing(
    scripted_model: ScriptedOpenAI, tmp_path: Path, storage: dict[str, str]
) -> None:
    async with scripted_api(scripted_model, tmp_path, **storage) as (client, container):
        scripted_model.script(
            json_completion(IDM), completion(text_with("NaN")), completion(text_with("Infinity"))
        )
        body = {"topic": "Photosynthesis", "idempotency_key": "bad-1"}
        failed = await client.post(GEN, json=body, headers=KEY)
        assert (failed.status_code, failed.json()["code"]) == (502, "invalid_model_output")
        assert failed.json()["errors"][0]["code"].startswith("json.")
        assert await stored_lessons(container) == []
        scripted_model.script(json_completion(IDM), json_completion(LESSON))
        retried = await client.post(GEN, json=body, headers=KEY)  # the key was released
        assert retried.status_code == 201, retried.text
        assert retried.json()["meta"]["cache"] is None
        assert len(scripted_model.requests) == 5  # nothing of the failure was reused
