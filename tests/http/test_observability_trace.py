"""W3C trace context: a valid ``traceparent`` is continued, an invalid one replaced, and the
trace reaches the model provider on every call (the scripted server records the headers)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.observability.correlation import trace_from
from tests.http.conftest import KEY
from tests.integration.test_generation_llm import IDM, LESSON, scripted_api
from tests.support.scripted_openai import ScriptedOpenAI, json_completion

GEN = "/v1/lessons/generate"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"  # the example of W3C Trace Context section 3.2
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"
VERSION_00 = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")


def sent_traces(scripted_model: ScriptedOpenAI) -> list[tuple[str, str, str]]:
    """(trace id, parent id, flags) of each call the provider received."""
    traces = []
    for headers in scripted_model.headers:
        match = VERSION_00.fullmatch(headers["traceparent"])
        assert match, headers["traceparent"]
        traces.append((match[1], match[2], match[3]))
    return traces


@pytest.mark.slow  # the scripted model server
async def test_the_callers_trace_reaches_every_model_call(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    scripted_model.script(json_completion(IDM), json_completion(LESSON))
    async with scripted_api(scripted_model, tmp_path) as (client, _):
        response = await client.post(
            GEN,
            json={"topic": "Photosynthesis"},
            headers={**KEY, "traceparent": TRACEPARENT, "tracestate": "congo=t61rcWkgMzE"},
        )
    assert response.status_code == 201, response.text
    traces = sent_traces(scripted_model)
    assert len(traces) == 2  # gather and structure
    assert {trace for trace, _, _ in traces} == {TRACE_ID}
    assert {flags for _, _, flags in traces} == {"01"}  # the caller's sampling decision
    (span,) = {parent for _, parent, _ in traces}  # this service's span, the same for both
    assert span not in (CALLER_SPAN, "0" * 16)
    assert [headers["tracestate"] for headers in scripted_model.headers] == [
        "congo=t61rcWkgMzE"
    ] * 2


@pytest.mark.parametrize(
    "invalid",
    [
        f"00-{'0' * 32}-{CALLER_SPAN}-01",  # all-zero trace id
        f"00-{TRACE_ID}-{'0' * 16}-01",  # all-zero parent id
        f"ff-{TRACE_ID}-{CALLER_SPAN}-01",  # version ff is invalid
        f"00-{TRACE_ID.upper()}-{CALLER_SPAN}-01",  # upper-case hex
        f"00-{TRACE_ID}-{CALLER_SPAN}-01-extra",  # version 00 has exactly four fields
        f"00-{TRACE_ID[:-1]}-{CALLER_SPAN}-01",  # short trace id
        "not a traceparent",
    ],
)
@pytest.mark.slow  # a generation per traceparent
async def test_an_invalid_traceparent_starts_a_new_trace(
    scripted_model: ScriptedOpenAI, tmp_path: Path, invalid: str
) -> None:
    scripted_model.script(json_completion(IDM), json_completion(LESSON))
    async with scripted_api(scripted_model, tmp_path) as (client, _):
        response = await client.post(
            GEN,
            json={"topic": "Photosynthesis"},
            headers={**KEY, "traceparent": invalid, "tracestate": "congo=t61rcWkgMzE"},
        )
    assert response.status_code == 201, response.text
    traces = sent_traces(scripted_model)
    assert len({trace for trace, _, _ in traces}) == 1
    assert traces[0][0] not in (TRACE_ID, TRACE_ID.upper(), "0" * 32)
    assert all("tracestate" not in headers for headers in scripted_model.headers)  # W3C section 3.3


@pytest.mark.slow  # the scripted model server
async def test_without_a_traceparent_each_request_starts_its_own_trace(
    scripted_model: ScriptedOpenAI, tmp_path: Path
) -> None:
    scripted_model.script(*[json_completion(value) for value in (IDM, LESSON, IDM, LESSON)])
    async with scripted_api(scripted_model, tmp_path) as (client, _):
        for topic in ("Photosynthesis", "Tides"):
            response = await client.post(GEN, json={"topic": topic}, headers=KEY)
            assert response.status_code == 201, response.text
    traces = [trace for trace, _, _ in sent_traces(scripted_model)]
    assert traces[0] == traces[1] != traces[2] == traces[3]


def test_a_later_version_is_read_as_version_00_and_sent_as_00() -> None:
    # W3C Trace Context section 4.3: parse what version 00 defines, ignore what follows.
    trace = trace_from(f"cc-{TRACE_ID}-{CALLER_SPAN}-01-what-the-future-adds")
    assert (trace.trace_id, trace.caller_span_id, trace.flags) == (TRACE_ID, CALLER_SPAN, "01")
    assert VERSION_00.fullmatch(trace.traceparent())
    assert trace.traceparent().startswith(f"00-{TRACE_ID}-")
