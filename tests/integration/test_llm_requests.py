"""The client DGS calls models with sends what the openai SDK sends, writing plain-JSON
requests itself, without the SDK's transform (``adapters.llm.plain_requests``), against
the scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from openai import AsyncOpenAI
from openai.resources.chat.completions import completions as completions_module

from adapters.llm.clients import ProviderClients
from adapters.llm.config import LlmSettings
from adapters.llm.offline import sample_idm
from domain.generation import LessonConstraints
from domain.schema.llm import shared_llm_json_schema
from tests.support.scripted_openai import ScriptedOpenAI, json_completion

# These tests run the scripted model server (a scripted_model: ``make test``, not ``make unit``).
pytestmark = pytest.mark.slow

KEY = "sk-test-never-sent-anywhere-else"
IDM = sample_idm("Photosynthesis", LessonConstraints()).model_dump(mode="json")
# As the agents SDK hands them over: the instructions, then the request's prompt.
MESSAGES: list[dict[str, Any]] = [
    {"content": "Write the lesson. " * 500 + "Ünïcode, \"quotes\" and \\ stay as they are.", "role": "system"},
    {"role": "user", "content": "Topic: Photosynthesis"},
]  # fmt: skip
RESPONSE_FORMAT: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {
        "name": "lesson_1_1",
        "strict": True,
        "schema": shared_llm_json_schema("1.1", "grammar"),
    },
}
# Not plain JSON (a tuple of content parts): the SDK's transform turns it into a list.
PART = {"type": "text", "text": "Topic: Photosynthesis"}
TUPLE_CONTENT = [{"role": "user", "content": (PART,)}]


@pytest.fixture
async def clients(scripted_model: ScriptedOpenAI) -> AsyncIterator[ProviderClients]:
    settings = LlmSettings(
        keys={"DGS_COMPATIBLE_API_KEY": KEY},
        providers={"gatherer": "compatible", "structurer": "compatible"},
        models={"gatherer": "g", "structurer": "s"},
        compatible_base_url=scripted_model.base_url,
    )
    made = ProviderClients(settings)
    yield made
    await made.close()


@pytest.fixture
def transformed(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The messages each ``chat.completions.create`` passed through the SDK's transform."""
    seen: list[Any] = []
    original = vars(completions_module)["async_maybe_transform"]

    async def spy(data: Any, expected_type: object) -> Any:
        seen.append(data["messages"])
        return await original(data, expected_type)

    monkeypatch.setattr(completions_module, "async_maybe_transform", spy)
    return seen


async def send(
    client: AsyncOpenAI, scripted_model: ScriptedOpenAI, **arguments: Any
) -> dict[str, Any]:
    """One Chat Completions call, as the agents SDK makes it; the body the server got."""
    scripted_model.script(json_completion(IDM))
    await client.chat.completions.create(model="s", max_tokens=12000, **arguments)
    return scripted_model.requests[-1]


async def test_a_plain_request_is_not_walked_by_the_sdks_transform(
    clients: ProviderClients, scripted_model: ScriptedOpenAI, transformed: list[Any]
) -> None:
    body = await send(
        clients.client("compatible"),
        scripted_model,
        messages=MESSAGES,
        response_format=RESPONSE_FORMAT,
    )
    assert transformed == []
    assert body["messages"] == MESSAGES
    assert body["response_format"] == RESPONSE_FORMAT


async def test_a_request_that_is_not_plain_json_goes_the_sdks_way(
    clients: ProviderClients, scripted_model: ScriptedOpenAI, transformed: list[Any]
) -> None:
    body = await send(clients.client("compatible"), scripted_model, messages=TUPLE_CONTENT)
    assert transformed == [TUPLE_CONTENT]
    assert body["messages"] == [{"role": "user", "content": [PART]}]


@pytest.mark.parametrize(
    "arguments",
    [
        {"messages": MESSAGES, "response_format": RESPONSE_FORMAT},
        # OpenRouter's provider routing rides in extra_body (adapters.llm.config.PROFILES)
        {"messages": MESSAGES, "extra_body": {"provider": {"require_parameters": True}}},
        # extra_body wins over a named argument, as the SDK documents
        {"messages": MESSAGES, "extra_body": {"messages": [{"role": "user", "content": "x"}]}},
        {"messages": MESSAGES, "extra_body": {"response_format": {"type": "json_object"}}},
        {"messages": MESSAGES, "extra_headers": {"X-Title": "DGS"}, "extra_query": {"q": "1"}},
        {"messages": MESSAGES, "stream": False, "temperature": 0.5, "timeout": 30.0},
        {"messages": MESSAGES, "response_format": None, "metadata": None},
        {"messages": TUPLE_CONTENT},
    ],
    ids=[
        "plain", "extra-body", "extra-body-messages", "extra-body-format", "headers-query",
        "options", "nulls", "not-plain",
    ],
)  # fmt: skip
async def test_the_request_sent_is_the_sdks_own(
    clients: ProviderClients, scripted_model: ScriptedOpenAI, arguments: dict[str, Any]
) -> None:
    """The same JSON body (members may come in another order) and the same headers."""
    ours = clients.client("compatible")
    async with AsyncOpenAI(
        base_url=scripted_model.base_url, api_key=KEY, max_retries=0, timeout=ours.timeout
    ) as stock:
        expected = await send(stock, scripted_model, **arguments)
        expected_headers = scripted_model.headers[-1]
    body = await send(ours, scripted_model, **arguments)
    assert body == expected
    assert scripted_model.headers[-1] == expected_headers


async def test_the_same_schema_is_written_once_and_sent_alike_every_time(
    clients: ProviderClients, scripted_model: ScriptedOpenAI
) -> None:
    client = clients.client("compatible")
    renamed = {**RESPONSE_FORMAT, "json_schema": {**RESPONSE_FORMAT["json_schema"], "name": "x"}}
    sent = [
        await send(client, scripted_model, messages=MESSAGES, response_format=response_format)
        for response_format in (RESPONSE_FORMAT, RESPONSE_FORMAT, renamed)
    ]
    assert sent[0] == sent[1]
    assert sent[2]["response_format"] == renamed  # the name is read on every call
