"""Log lines: one JSON object per line, one per request and one per generation, with the
request id a client sent (when it is safe) and nothing secret or private in them."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from adapters.observability.logs import JsonFormatter, TextFormatter, fields
from application.errors import ProviderUnavailableError
from entrypoints.observability import log_format
from entrypoints.settings import load_settings
from tests.http.conftest import DEV_KEY, KEY, ORIGIN
from tests.http.observed import RFC3339_MS_UTC, events, json_logs, observed_api
from tests.http.test_errors import FailingGatherer
from tests.http.wire_calls import call_asgi

GEN = "/v1/lessons/generate"
REQUEST_FIELDS = {"ts", "level", "logger", "msg", "request_id", "trace_id", "event", "method",
                  "route", "status", "duration_ms", "client"}  # fmt: skip
GENERATION_FIELDS = {"ts", "level", "logger", "msg", "request_id", "trace_id", "event",
                     "lesson_id", "outcome", "duration_ms", "repaired", "cost_usd", "steps"}  # fmt: skip


async def test_each_request_is_one_json_line_with_its_route_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with json_logs(capsys) as lines:
        async with observed_api(tmp_path) as api:
            created = (await api.client.post(GEN, json={"topic": "Tides"}, headers=KEY)).json()
            lesson_id = created["lesson_id"]
            await api.client.get(f"/v1/lessons/{lesson_id}", headers=KEY)
            await api.client.get("/v1/lessons", headers={"X-DGS-Dev-Key": "wrong-key-0123456789"})
            await api.client.get("/no/such/path", headers=KEY)
            await api.client.head("/health")
    requests = events(lines, "request")
    assert [(r["method"], r["route"], r["status"]) for r in requests] == [
        ("POST", "/v1/lessons/generate", 201),
        ("GET", "/v1/lessons/{lesson_id}", 200),
        ("GET", "/v1/lessons", 401),
        ("GET", "unmatched", 404),
        ("HEAD", "/health", 200),
    ]
    for line in requests:
        assert set(line) == REQUEST_FIELDS, line
        assert RFC3339_MS_UTC.fullmatch(line["ts"]), line["ts"]
        assert (line["level"], line["logger"], line["msg"]) == ("INFO", "dgs.request", "request")
        assert isinstance(line["duration_ms"], float)
        assert line["duration_ms"] >= 0
        assert len(line["client"]) == 16
        assert int(line["client"], 16) >= 0
    assert len({line["client"] for line in requests}) == 1  # one client, one hash
    assert len({line["request_id"] for line in requests}) == len(requests)
    assert lesson_id not in json.dumps(requests)  # the template, never the path


async def test_no_key_address_lesson_or_topic_reaches_a_log_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    topic = "Mitochondria and the secret life of cells"
    with json_logs(capsys) as lines:
        async with observed_api(tmp_path) as api:
            created = (await api.client.post(GEN, json={"topic": topic}, headers=KEY)).json()
            await api.client.get("/v1/lessons", headers={"X-DGS-Dev-Key": DEV_KEY[:-1] + "x"})
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    ours = json.dumps(events(lines, "request") + events(lines, "generation"), ensure_ascii=False)
    assert events(lines, "request")
    assert events(lines, "generation")
    for private in (DEV_KEY, DEV_KEY[:-1] + "x", "testclient", json.dumps(created["lesson_json"])):
        assert private not in text, private
    sections = [
        block["section"] for block in created["lesson_json"]["blocks"] if "section" in block
    ]
    for private in (topic, created["lesson_json"]["title"], *sections):
        assert private not in ours, private


async def test_a_valid_request_id_is_kept_and_echoed_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    given = "req-2026-11-26.abc:42"
    with json_logs(capsys) as lines:
        async with observed_api(tmp_path) as api:
            refused = await api.client.get("/v1/lessons", headers={"X-Request-ID": given})
            served = await api.client.post(
                GEN, json={"topic": "Tides"}, headers={**KEY, "X-Request-ID": given}
            )
    assert refused.headers["x-request-id"] == given
    assert refused.json()["request_id"] == given  # the problem body says it too
    assert served.headers["x-request-id"] == given
    assert {line["request_id"] for line in lines if "request_id" in line} == {given}
    # The generation runs as a job inline: its job line is logged in the request's context.
    assert [line["event"] for line in lines if "event" in line] == [
        "request", "generation", "job", "request",
    ]  # fmt: skip
    (job,) = events(lines, "job")
    assert (job["request_id"], job["job_id"]) == (given, served.json()["lesson_id"])


@pytest.mark.parametrize(
    "bad",
    [
        "x" * 129,  # too long
        "has space",
        'quote"d',
        "semi;colon",
        "",
        "caf\u00e9",  # not ASCII
        "line\tbreak",
    ],
)
async def test_an_unsafe_request_id_is_replaced_by_a_new_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    with json_logs(capsys) as lines:
        async with observed_api(tmp_path) as api:
            answer = await call_asgi(
                api.client.app, "GET", "/v1/lessons", {**KEY, "X-Request-ID": bad.encode()}
            )
    request_id = answer.headers["x-request-id"]
    assert request_id != bad
    assert len(request_id) == 32
    assert int(request_id, 16) >= 0
    assert [line["request_id"] for line in events(lines, "request")] == [request_id]
    if bad:
        assert bad not in json.dumps(lines, ensure_ascii=False)


async def test_each_generation_is_one_line_with_its_usage_and_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with json_logs(capsys) as lines:
        async with observed_api(tmp_path) as api:
            first = await api.client.post(GEN, json={"topic": "Tides"}, headers=KEY)
            again = await api.client.post(GEN, json={"topic": "Tides"}, headers=KEY)
            with api.container.gatherer.override(
                providers.Object(FailingGatherer(ProviderUnavailableError("down")))
            ):
                failed = await api.client.post(GEN, json={"topic": "Volcanoes"}, headers=KEY)
    assert (first.status_code, again.status_code, failed.status_code) == (201, 201, 503)
    made, cached, broken = events(lines, "generation")
    assert set(made) == GENERATION_FIELDS  # cache is left out when none served it
    assert (made["lesson_id"], made["outcome"], made["repaired"]) == (
        first.json()["lesson_id"], "ok", False,
    )  # fmt: skip
    assert made["steps"] == [
        {"step": s, "provider": "offline", "model": "offline-sample", "input_tokens": 0,
         "output_tokens": 0, "reasoning_tokens": 0, "cost_usd": 0.0}
        for s in ("gatherer", "structurer")
    ]  # fmt: skip
    assert (cached["lesson_id"], cached["outcome"], cached["cache"], cached["steps"]) == (
        again.json()["lesson_id"], "ok", "lesson", [],
    )  # fmt: skip
    assert (broken["outcome"], broken["steps"], "lesson_id" in broken) == (
        "provider_unavailable", [], False,
    )  # fmt: skip
    requests = events(lines, "request")
    assert [g["request_id"] for g in (made, cached, broken)] == [r["request_id"] for r in requests]


async def test_a_same_origin_post_is_logged_as_the_origin_check_let_it_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with json_logs(capsys) as lines:
        async with observed_api(tmp_path) as api:
            await api.client.post(GEN, json={"topic": "Tides"}, headers={**KEY, "Origin": ORIGIN})
            await api.client.options(
                GEN, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
            )
    assert [(r["route"], r["status"]) for r in events(lines, "request")] == [
        ("/v1/lessons/generate", 201),
        ("/v1/lessons/generate", 204),  # a preflight the edge answered: still its route
    ]


def test_the_text_format_says_the_same_on_one_line() -> None:
    record = logging.LogRecord("dgs.request", logging.INFO, __file__, 1, "request", None, None)
    record.__dict__.update(
        fields(event="request", route="/v1/lessons/{lesson_id}", status=200, note='a "b"\nc')
    )
    text = TextFormatter().format(record)
    as_json: dict[str, Any] = json.loads(JsonFormatter().format(record))
    assert "\n" not in text
    head, rest = text.split(" INFO    dgs.request request ")
    assert RFC3339_MS_UTC.fullmatch(head)
    assert head == as_json["ts"]
    assert rest == 'event=request route=/v1/lessons/{lesson_id} status=200 note="a \\"b\\"\\nc"'
    assert as_json["route"] == "/v1/lessons/{lesson_id}"
    assert as_json["note"] == 'a "b"\nc'


def test_the_format_is_text_on_a_terminal_json_otherwise_and_always_json_on_lambda(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unset, text = load_settings({}), load_settings({"DGS_LOG_FORMAT": "text"})
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert (log_format(unset, "container"), log_format(unset, "lambda")) == ("text", "json")
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert (log_format(unset, "container"), log_format(text, "container")) == ("json", "text")
    assert log_format(text, "lambda") == "json"
