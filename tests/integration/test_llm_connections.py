"""The HTTP transport under the OpenAI clients (``adapters.llm.connections``): idle pooled
connections are probed through the socket itself, and one the server closed is not reused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx2
import pytest
from openai import DEFAULT_CONNECTION_LIMITS
from openai.types.chat import ChatCompletionMessageParam

from adapters.llm.clients import ProviderClients
from adapters.llm.config import LlmSettings
from adapters.llm.connections import pooled_transport
from tests.support.scripted_openai import ScriptedOpenAI, json_completion

# These tests run the scripted model server (a scripted_model: ``make test``, not ``make unit``).
pytestmark = pytest.mark.slow

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


@pytest.fixture
def attribute_lookups(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Each socket attribute looked up through anyio's attribute table."""
    looked_up: list[Any] = []
    original = anyio.TypedAttributeProvider.extra

    def spy(self: anyio.TypedAttributeProvider, attribute: Any, *default: Any) -> Any:
        looked_up.append(attribute)
        return original(self, attribute, *default)

    monkeypatch.setattr(anyio.TypedAttributeProvider, "extra", spy)
    return looked_up


async def test_an_idle_connection_is_probed_without_anyios_attribute_table(
    scripted_model: ScriptedOpenAI, attribute_lookups: list[Any]
) -> None:
    """The pool probes every idle connection on every request: it must stay cheap."""
    settings = LlmSettings(
        keys={"DGS_COMPATIBLE_API_KEY": "sk-test"},
        compatible_base_url=scripted_model.base_url,
        providers={"gatherer": "compatible"},
    )
    clients = ProviderClients(settings)
    try:
        client = clients.client("compatible")
        messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "x"}]
        scripted_model.script(json_completion({}), json_completion({}))
        await client.chat.completions.create(model="g", messages=messages)  # connects
        attribute_lookups.clear()
        await client.chat.completions.create(model="g", messages=messages)  # reuses it
    finally:
        await clients.close()
    assert len(scripted_model.requests) == 2
    assert attribute_lookups == []


@pytest.fixture
async def closes_after_answering() -> AsyncIterator[tuple[str, list[int]]]:
    """A server that answers one request per connection, then closes it without saying so
    (no ``Connection: close``): its base URL, and how many connections it accepted."""
    accepted: list[int] = []
    handlers: list[asyncio.Task[Any]] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.append(asyncio.current_task())  # type: ignore[arg-type]
        accepted.append(1)
        await reader.readuntil(b"\r\n\r\n")
        writer.write(ANSWER)
        await writer.drain()
        await asyncio.sleep(0.05)  # the client has put the connection back in its pool
        writer.close()
        await writer.wait_closed()

    listening = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", accepted
    await asyncio.gather(*handlers)
    listening.close()
    await listening.wait_closed()


async def test_a_connection_the_server_closed_is_not_reused(
    closes_after_answering: tuple[str, list[int]],
) -> None:
    base, accepted = closes_after_answering
    transport = pooled_transport(DEFAULT_CONNECTION_LIMITS)
    async with httpx2.AsyncClient(transport=transport, base_url=base) as client:
        assert (await client.get("/")).text == "ok"
        await asyncio.sleep(0.2)  # the server has closed the idle connection
        assert (await client.get("/")).text == "ok"
    assert len(accepted) == 2
