"""Every route under every spelling of its path: through raw ASGI, a real server and Lambda.

The edge must decide on the path the router routes, and refuse by default: without the
key every answer is 401 problem+json, except a public path (``/health``, ``/ready``, the
served docs) spelled so that the router serves it. With the key, a spelling the router
sends to the route answers as the route does; any other spelling is a problem+json
400/404/405, never a served page and never a 500.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from application.principal import DEV_TENANT
from tests.http.conftest import (
    DEV_KEY,
    LAMBDA_KEY,
    Api,
    count_model_calls,
    open_api,
)
from tests.http.serve import serving
from tests.http.wire_calls import (
    Answer,
    HeaderValue,
    call_asgi,
    call_lambda,
    call_socket,
    function_url_event,
)

NO_JOB = "7f1c9a52-3c1e-4a53-9f43-2f8e1c4d5b6a"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # "{id}" stands for a stored lesson's id
    status: int  # its answer with the key (spelled canonically)
    public: bool = False
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()  # "{id}" in a value stands for the lesson's id

    def headers_for(self, lesson_id: str) -> dict[str, HeaderValue]:
        return {name: value.replace("{id}", lesson_id) for name, value in self.headers}


ROUTES = [
    Route("GET", "/v1/lessons", 200),
    Route("HEAD", "/v1/lessons", 200),
    Route("POST", "/v1/lessons/generate", 422, body={"topic": ""}),  # refused: makes nothing
    Route("GET", "/v1/lessons/{id}", 200),
    Route("HEAD", "/v1/lessons/{id}", 200),
    Route("PATCH", "/v1/lessons/{id}", 200, body={"tags_add": ["spelled"]}),
    Route("OPTIONS", "/v1/lessons/{id}", 204),
    # A version the lesson never had: refused (412) each time, so the lesson stays.
    Route("DELETE", "/v1/lessons/{id}", 412, headers=(("If-Match", '"{id}.0"'),)),
    Route("POST", "/v1/lessons/validate", 200, body={"title": "T", "blocks": []}),
    Route("POST", "/v1/lessons/estimate", 200, body={"topic": "Tides"}),  # no model call
    Route("GET", "/v1/jobs", 200),
    Route("HEAD", "/v1/jobs", 200),
    Route("POST", "/v1/jobs", 422, body={"topic": ""}),  # refused: makes nothing
    # No such job (the sweep makes none): the job routes answer 404 like a missing lesson.
    Route("GET", "/v1/jobs/" + NO_JOB, 404),
    Route("GET", f"/v1/jobs/{NO_JOB}/events", 404),
    Route("POST", f"/v1/jobs/{NO_JOB}/cancel", 404),
    Route("GET", "/v1/catalog", 200),
    Route("GET", "/v1/schemas/lesson/1.1", 200),
    Route("GET", "/v1/me", 200),
    Route("HEAD", "/v1/me", 200),
    Route("GET", "/v1/me/export", 200),
    Route("DELETE", "/v1/me", 400),  # without ?confirm=true: erases nothing
    Route("OPTIONS", "/v1/me", 204),
    Route("GET", "/v1/nothing-here", 404),
    Route("GET", "/nope", 404),
    Route("GET", "/docs/redoc", 404),  # not served: no public path, and never HTML
    Route("GET", "/health", 200, public=True),
    Route("HEAD", "/health", 200, public=True),
    Route("GET", "/ready", 200, public=True),
    Route("HEAD", "/ready", 200, public=True),
    Route("GET", "/docs", 200, public=True),
    Route("GET", "/docs/swagger", 200, public=True),
    Route("GET", "/docs/openapi.json", 200, public=True),
]


def _inner(path: str, separator: str) -> str:
    """``separator`` in place of the slash after the first segment (or at the end)."""
    head, slash, rest = path[1:].partition("/")
    return f"/{head}{separator}{rest}" if slash else f"/{head}{separator}"


def _first(path: str) -> str:
    return "/" + path[1:].split("/", 1)[0]


@dataclass(frozen=True)
class Spelling:
    id: str
    spell: Callable[[str], str]  # the canonical path -> the request target sent
    routed: bool  # Litestar's router sends it to the canonical route


SPELLINGS = [
    Spelling("canonical", lambda p: p, True),
    Spelling("double-slash", lambda p: "/" + p, True),
    Spelling("triple-slash", lambda p: "//" + p, True),
    Spelling("inner-double-slash", lambda p: _inner(p, "//"), True),
    Spelling("trailing-slash", lambda p: p + "/", True),
    Spelling("encoded-slash", lambda p: "/%2F" + p[1:], True),
    Spelling("encoded-slash-lower", lambda p: "/%2f" + p[1:], True),
    Spelling("encoded-inner-slash", lambda p: _inner(p, "%2F"), True),
    Spelling("encoded-letter", lambda p: f"/%{ord(p[1]):02X}{p[2:]}", True),
    Spelling("dot-segment", lambda p: "/." + p, False),
    Spelling("dot-dot-segment", lambda p: _first(p) + "/.." + p, False),
    Spelling("encoded-dot-dot", lambda p: _first(p) + "/%2E%2E" + p, False),
    Spelling("upper-case", str.upper, False),
    Spelling("params", lambda p: p + ";x=1", False),
    Spelling("inner-params", lambda p: _inner(p, ";x=1/"), False),
    Spelling("encoded-backslash", lambda p: "/%5C" + p[1:], False),
    Spelling("double-encoded-slash", lambda p: "/%252F" + p[1:], False),
]
PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Request:
    route: Route
    spelling: Spelling
    keyed: bool
    target: str
    headers: dict[str, HeaderValue]
    body: bytes | None

    def __str__(self) -> str:
        key = "key" if self.keyed else "no key"
        return f"{self.route.method} {self.target} ({self.spelling.id}, {key})"


def requests(lesson_id: str, key: str, keyed: bool) -> Iterator[Request]:
    """Every route under every spelling, with or without the key."""
    for route in ROUTES:
        for spelling in SPELLINGS:
            headers = route.headers_for(lesson_id)
            if keyed:
                headers["X-DGS-Dev-Key"] = key
            body = None
            if route.body is not None:
                headers["Content-Type"] = "application/json"
                body = json.dumps(route.body).encode()
            target = spelling.spell(route.path.replace("{id}", lesson_id))
            yield Request(route, spelling, keyed, target, headers, body)


def mismatch(request: Request, answer: Answer) -> str | None:
    """What is wrong with this answer, or None."""
    route, spelling = request.route, request.spelling
    media = answer.headers.get("content-type", "")
    if not request.keyed and not (route.public and spelling.routed):
        expected: set[int] = {401}
    elif spelling.routed:
        expected = {route.status}
    else:
        expected = {400, 404, 405}
    problems = []
    if answer.status not in expected:
        problems.append(f"status {answer.status}, expected {sorted(expected)}")
    if answer.status >= 400 and media != PROBLEM:
        problems.append(f"content-type {media!r}")
    if route.method == "HEAD" and answer.body:
        problems.append("a body on HEAD")
    unauthorized = answer.status == 401 and route.method != "HEAD"
    if unauthorized and json.loads(answer.body).get("code") != "unauthorized":
        problems.append("401 without code unauthorized")
    return f"{request}: {'; '.join(problems)}" if problems else None


def report(failures: list[str]) -> str:
    return f"{len(failures)} wrong answers:\n" + "\n".join(failures[:40])


async def _asgi_sweep(api: Api, lesson_id: str, keyed: bool) -> list[str]:
    app = api.client.app
    failures = []
    for request in requests(lesson_id, DEV_KEY, keyed):
        answer = await call_asgi(
            app, request.route.method, request.target, request.headers, request.body or b""
        )
        if (wrong := mismatch(request, answer)) is not None:
            failures.append(wrong)
    return failures


async def test_the_table_covers_every_route_of_the_app(api: Api) -> None:
    documented = (await api.client.get("/docs/openapi.json")).json()["paths"]
    served = {(r.method, r.path) for r in ROUTES}
    for path, item in documented.items():
        path = path.replace("{lesson_id}", "{id}").replace("{version}", "1.1")
        path = path.replace("{job_id}", NO_JOB)
        for method in item:
            assert (method.upper(), path) in served, (method, path)
    assert len(ROUTES) * len(SPELLINGS) * 2 >= 700


async def test_every_spelling_through_asgi(api: Api) -> None:
    lesson_id = (await api.generate("Spelled"))["lesson_id"]
    api.calls.count = 0
    stored, version = (
        await api.stored(),
        (await api.container.lessons().get(DEV_TENANT, lesson_id)).version,
    )
    failures = await _asgi_sweep(api, lesson_id, keyed=False)
    assert (api.calls.count, await api.stored()) == (0, stored), "a request without a key acted"
    assert (await api.container.lessons().get(DEV_TENANT, lesson_id)).version == version
    failures += await _asgi_sweep(api, lesson_id, keyed=True)
    assert not failures, report(failures)


async def test_without_openapi_the_docs_are_not_public(tmp_path: Path) -> None:
    client, _, _ = await open_api(tmp_path, DGS_OPENAPI_ENABLED="false")
    docs = [r for r in ROUTES if r.path.startswith("/docs")]
    failures = []
    async with client:
        for keyed in (False, True):
            for route in docs:
                unserved = replace(route, status=404, public=False)
                for spelling in SPELLINGS:
                    headers: dict[str, HeaderValue] = {"X-DGS-Dev-Key": DEV_KEY} if keyed else {}
                    request = Request(
                        unserved, spelling, keyed, spelling.spell(route.path), headers, None
                    )
                    answer = await call_asgi(client.app, route.method, request.target, headers)
                    if (wrong := mismatch(request, answer)) is not None:
                        failures.append(wrong)
    assert not failures, report(failures)


def sweep(lesson_id: str, key: str, keyed: bool, send: Callable[[Request], Answer]) -> list[str]:
    """Every request of the table sent by ``send``: the wrong answers."""
    answers = ((request, send(request)) for request in requests(lesson_id, key, keyed))
    return [wrong for request, answer in answers if (wrong := mismatch(request, answer))]


def keyed_json(key: str) -> dict[str, HeaderValue]:
    return {"X-DGS-Dev-Key": key, "Content-Type": "application/json"}


SEED = b'{"topic": "Spelled"}'


@pytest.mark.slow  # a real dgs serve process
def test_every_spelling_through_a_real_server(tmp_path: Path) -> None:
    env = {**os.environ, "DGS_DEV_KEY": DEV_KEY, "DGS_SQLITE_PATH": str(tmp_path / "d.sqlite3")}
    with serving(env) as (port, _):

        def send(r: Request) -> Answer:
            return call_socket(port, r.route.method, r.target, r.headers, r.body)

        created = call_socket(port, "POST", "/v1/lessons/generate", keyed_json(DEV_KEY), SEED)
        assert created.status == 201, created.body
        lesson_id = created.json()["lesson_id"]
        failures = sweep(lesson_id, DEV_KEY, False, send) + sweep(lesson_id, DEV_KEY, True, send)
        listed = call_socket(port, "GET", "/v1/lessons", {"X-DGS-Dev-Key": DEV_KEY}).json()
    assert [i["lesson_id"] for i in listed["items"]] == [lesson_id]  # the refused made none
    assert not failures, report(failures)


def test_every_spelling_through_lambda_events(lambda_module: Any) -> None:
    def send(r: Request) -> Answer:
        event = function_url_event(r.route.method, r.target, r.headers, r.body)
        return call_lambda(lambda_module, event)

    calls = count_model_calls(lambda_module.container)
    event = function_url_event("POST", "/v1/lessons/generate", keyed_json(LAMBDA_KEY), SEED)
    created = call_lambda(lambda_module, event)
    assert created.status == 201, created.body
    lesson_id = created.json()["lesson_id"]
    calls.count = 0
    failures = sweep(lesson_id, LAMBDA_KEY, False, send)
    assert calls.count == 0, "a request without a key called a model"
    failures += sweep(lesson_id, LAMBDA_KEY, True, send)
    listed = function_url_event("GET", "/v1/lessons", {"X-DGS-Dev-Key": LAMBDA_KEY})
    items = call_lambda(lambda_module, listed).json()["items"]
    assert [i["lesson_id"] for i in items] == [lesson_id]
    assert not failures, report(failures)
