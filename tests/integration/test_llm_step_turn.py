"""A step is one model turn (``adapters.llm.step``): what each kind of answer becomes,
against the scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from agents import set_trace_processors
from agents.tracing import Span, Trace, TracingProcessor

from adapters.llm.clients import ProviderClients
from adapters.llm.config import LlmSettings
from adapters.llm.offline import sample_idm
from adapters.llm.steps import AgentsGatherer, AgentsStructurer
from application.errors import BadModelOutputError, ModelRefusedError
from application.ports.generation import UnreadableOutput
from domain.generation import LessonConstraints
from tests.support.scripted_openai import Reply, ScriptedOpenAI, completion, json_completion

# These tests run the scripted model server (a scripted_model: ``make test``, not ``make unit``).
pytestmark = pytest.mark.slow

CONSTRAINTS = LessonConstraints()
IDM = sample_idm("Photosynthesis", CONSTRAINTS).model_dump(mode="json")


def settings_for(scripted_model: ScriptedOpenAI, **overrides: Any) -> LlmSettings:
    values: dict[str, Any] = {
        "keys": {"DGS_COMPATIBLE_API_KEY": "sk-test-never-sent-anywhere-else"},
        "providers": {"gatherer": "compatible", "structurer": "compatible"},
        "models": {"gatherer": "g", "structurer": "s"},
        "compatible_base_url": scripted_model.base_url,
        "max_attempts": 1,
    }
    return LlmSettings(**{**values, **overrides})


@pytest.fixture
async def gatherer(scripted_model: ScriptedOpenAI) -> AsyncIterator[AgentsGatherer]:
    settings = settings_for(scripted_model)
    clients = ProviderClients(settings)
    yield AgentsGatherer(settings, clients)
    await clients.close()


def tool_call() -> Reply:
    """An answer that calls a function (the step offers none) besides writing the IDM."""
    reply = json_completion(IDM)
    reply.body["choices"][0]["message"]["tool_calls"] = [
        {"id": "call_1", "type": "function", "function": {"name": "search", "arguments": "{}"}}
    ]
    return reply


@pytest.mark.parametrize("content", ["", None], ids=["empty", "null"])
async def test_material_without_text_is_bad_output_after_one_call(
    gatherer: AgentsGatherer, scripted_model: ScriptedOpenAI, content: str | None
) -> None:
    """Not asked again (the agents Runner asked ten times, then failed unmapped)."""
    scripted_model.script(*[completion(content)] * 10)
    with pytest.raises(BadModelOutputError):
        await gatherer.gather("Photosynthesis", CONSTRAINTS)
    assert len(scripted_model.requests) == 1


@pytest.mark.parametrize("content", ["", None], ids=["empty", "null"])
async def test_a_lesson_without_text_is_unreadable_output_after_one_call(
    scripted_model: ScriptedOpenAI, content: str | None
) -> None:
    """Unreadable output, which the pipeline repairs once (as any lesson it cannot read)."""
    settings = settings_for(scripted_model)
    clients = ProviderClients(settings)
    try:
        scripted_model.script(*[completion(content)] * 10)
        idm = sample_idm("Photosynthesis", CONSTRAINTS)
        structured = await AgentsStructurer(settings, clients).structure(idm, CONSTRAINTS, "1.1")
    finally:
        await clients.close()
    assert isinstance(structured.lesson, UnreadableOutput)
    assert len(scripted_model.requests) == 1


async def test_a_tool_call_is_bad_output(
    gatherer: AgentsGatherer, scripted_model: ScriptedOpenAI
) -> None:
    scripted_model.script(tool_call())
    with pytest.raises(BadModelOutputError):
        await gatherer.gather("Photosynthesis", CONSTRAINTS)
    assert len(scripted_model.requests) == 1


async def test_a_refusal_beside_text_is_a_refusal(
    gatherer: AgentsGatherer, scripted_model: ScriptedOpenAI
) -> None:
    scripted_model.script(completion(json.dumps(IDM), refusal="I won't."))
    with pytest.raises(ModelRefusedError):
        await gatherer.gather("Photosynthesis", CONSTRAINTS)


async def test_the_answer_and_its_usage_are_the_steps(
    gatherer: AgentsGatherer, scripted_model: ScriptedOpenAI
) -> None:
    scripted_model.script(
        json_completion(IDM, prompt_tokens=1200, completion_tokens=800, reasoning_tokens=64)
    )
    gathered = await gatherer.gather("Photosynthesis", CONSTRAINTS)
    assert gathered.idm.model_dump(mode="json") == IDM
    usage = gathered.usage
    assert (usage.input_tokens, usage.output_tokens, usage.reasoning_tokens) == (1200, 800, 64)
    (request,) = scripted_model.requests
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert request["max_tokens"] == 6000


class Collected(TracingProcessor):
    """Keeps what the agents SDK traced, in memory."""

    def __init__(self) -> None:
        self.traces: list[Trace] = []
        self.spans: list[Span[Any]] = []

    def on_trace_start(self, trace: Trace) -> None:
        self.traces.append(trace)

    def on_trace_end(self, trace: Trace) -> None:
        return

    def on_span_start(self, span: Span[Any]) -> None:
        return

    def on_span_end(self, span: Span[Any]) -> None:
        self.spans.append(span)

    def shutdown(self) -> None:
        return

    def force_flush(self) -> None:
        return


@pytest.fixture
def collected() -> Iterator[Collected]:
    from agents.tracing import get_trace_provider
    from agents.tracing.processors import default_processor

    processor = Collected()
    set_trace_processors([processor])  # no exporter: nothing leaves the machine
    yield processor
    set_trace_processors([default_processor()])
    get_trace_provider().set_disabled(True)


async def test_with_tracing_asked_for_each_call_is_traced_with_its_generation(
    scripted_model: ScriptedOpenAI, collected: Collected
) -> None:
    settings = settings_for(scripted_model, tracing=True)
    clients = ProviderClients(settings)
    try:
        scripted_model.script(json_completion(IDM))
        await AgentsGatherer(settings, clients).gather("Photosynthesis", CONSTRAINTS)
    finally:
        await clients.close()
    (traced,) = collected.traces
    spans = {span.span_data.type: span for span in collected.spans}
    assert spans["agent"].span_data.export()["name"] == "gatherer"
    assert spans["generation"].span_data.export()["model"] == "g"
    assert {spans["agent"].trace_id, spans["generation"].trace_id} == {traced.trace_id}
