"""/docs works with no internet: its files come from the app under an exact CSP, the
document declares how to authenticate, "Try it out" works from the page (a same-origin
POST), and the examples are a real topic and a real lesson."""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from adapters.http import wire
from adapters.http.docs import ASSETS, ASSETS_DIR
from adapters.http.examples import GENERATE_REQUEST, USAGE, example_lesson, examples
from adapters.llm.catalogue import cost_usd
from adapters.llm.config import PROFILES
from adapters.llm.prompt_files import prompt_version
from domain.catalog.registry import get_registry
from domain.conversion.forms import compact_full, expand
from domain.validation.document import validate_lesson
from tests.http.conftest import KEY, ORIGIN, Api
from tests.http.serve import serving
from tests.http.wire_calls import call_asgi
from tests.support.browser import Browser, chromium

pytestmark = pytest.mark.slow  # headless Chromium against a real dgs serve

GEN = "/v1/lessons/generate"
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SUMMARIES = ["Get a lesson", "Retag or rename a lesson", "Generate a lesson", "List lessons",
             "Validate a lesson", "Widget catalogs", "Lesson JSON Schema", "Liveness", "Readiness"]  # fmt: skip
SERVE_KEY = "docs-dev-key-0123456789abcdef"


def documented_summaries(base: str) -> list[str]:
    """The summary of every operation the served OpenAPI document lists."""
    with urllib.request.urlopen(base + "/docs/openapi.json", timeout=10) as answer:
        document = json.load(answer)
    return [
        operation["summary"]
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "summary" in operation
    ]


async def test_the_docs_page_loads_only_its_own_files(api: Api) -> None:
    page = await api.client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == DOCS_CSP
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sorted(urls) == [
        "/docs/assets/dgs-docs.js",
        "/docs/assets/favicon-32x32.png",
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/swagger-ui.css",
    ]
    assert "<script>" not in page.text
    assert "style=" not in page.text
    for url in urls:
        asset = await api.client.get(url)  # no key: the docs are public while they are on
        assert asset.status_code == 200, url
        assert asset.headers["content-security-policy"] == DOCS_CSP
        name = url.rsplit("/", 1)[1]
        media = ASSETS[name][1]
        charset = "; charset=utf-8" if media.startswith("text/") else ""
        assert asset.headers["content-type"] == media + charset
        assert asset.content == (ASSETS_DIR / ASSETS[name][0]).read_bytes()


def test_the_vendored_swagger_ui_is_the_published_one_with_its_licence() -> None:
    vendored = ASSETS_DIR / "swagger-ui"
    readme = (vendored / "README.md").read_text()
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        digest = hashlib.sha256((vendored / name).read_bytes()).hexdigest()
        assert f"| {name} | {digest} |" in readme, name
    assert "Apache License" in (vendored / "LICENSE").read_text()
    assert "SmartBear" in (vendored / "NOTICE").read_text()
    assert (vendored / "swagger-ui-bundle.js.LICENSE.txt").exists()


async def test_the_document_declares_the_key_on_exactly_the_routes_that_need_it(
    api: Api,
) -> None:
    document = (await api.client.get("/docs/openapi.json")).json()
    assert document["components"]["securitySchemes"] == {
        "devKey": {
            "type": "apiKey",
            "name": "X-DGS-Dev-Key",
            "in": "header",
            "description": "The service's key (x-dgs-dev-key; `dgs serve` prints it when unset).",
        }
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            keyless = await call_asgi(
                api.client.app, method.upper(), path.replace("{", "").replace("}", "")
            )
            if path in ("/health", "/ready"):
                assert "security" not in operation, path
                assert keyless.status != 401, path
            else:
                assert operation["security"] == [{"devKey": []}], (method, path)
                assert keyless.status == 401, (method, path)


async def test_a_same_origin_post_from_the_docs_page_is_served(api: Api) -> None:
    # Browsers send Origin on a same-origin POST; the page's origin is the Host it came from.
    same = await call_asgi(
        api.client.app, "POST", GEN, {**KEY, "Origin": "http://testserver",
                                      "Content-Type": "application/json"},
        json.dumps({"topic": "Tides"}).encode(),
    )  # fmt: skip
    assert same.status == 201, same.body


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://testserver.evil.example",
        "http://testserver:8080",  # another port is another origin
        "https://testserver",  # and another scheme
        "null",
    ],
)
async def test_a_cross_origin_post_is_still_refused(api: Api, origin: str) -> None:
    answer = await call_asgi(
        api.client.app, "POST", GEN, {**KEY, "Origin": origin, "Content-Type": "application/json"},
        json.dumps({"topic": "Tides"}).encode(),
    )  # fmt: skip
    assert (answer.status, answer.json()["code"]) == (403, "origin_not_allowed")
    assert await api.stored() == 0


@pytest.mark.parametrize("host", ["", "evil.example/x", "a b", "testserver@evil.example", "[::1"])
async def test_a_malformed_host_makes_no_origin_its_own(api: Api, host: str) -> None:
    answer = await call_asgi(
        api.client.app, "GET", "/v1/lessons", {**KEY, "Host": host, "Origin": f"http://{host}"}
    )
    assert (answer.status, answer.json()["code"]) == (403, "origin_not_allowed")


async def test_a_listed_origin_is_served_as_before(api: Api) -> None:
    response = await api.client.post(
        GEN, json={"topic": "Tides"}, headers={**KEY, "Origin": ORIGIN}
    )
    assert response.status_code == 201
    assert response.headers["access-control-allow-origin"] == ORIGIN


async def test_the_examples_are_what_the_api_really_takes_and_answers(api: Api) -> None:
    document = (await api.client.get("/docs/openapi.json")).json()
    wire_types: dict[tuple[str, str], tuple[Any, dict[str, type[Any]]]] = {
        ("/v1/lessons/generate", "post"): (wire.GenerateBody, {"201": wire.Generated}),
        ("/v1/lessons/{lesson_id}", "get"): (None, {"200": wire.Lesson}),
        ("/v1/lessons/{lesson_id}", "patch"): (wire.PatchBody, {"200": wire.Lesson}),
        ("/v1/lessons", "get"): (None, {"200": wire.SummaryPage}),
        ("/v1/lessons/validate", "post"): (Any, {"200": wire.Validation}),
        ("/health", "get"): (None, {"200": wire.Health}),
        ("/ready", "get"): (None, {"200": wire.Health}),
    }
    assert set(examples(prompt_version())) == set(wire_types)
    for (path, method), (request_type, responses) in wire_types.items():
        operation = document["paths"][path][method]
        if request_type is not None:
            value = operation["requestBody"]["content"]["application/json"]["example"]
            msgspec.convert(value, request_type)  # the wire type accepts it
        for status, response_type in responses.items():
            value = operation["responses"][status]["content"]["application/json"]["example"]
            msgspec.convert(value, response_type, strict=False)
    # The validate example's answer is the real answer to its request.
    validate = document["paths"]["/v1/lessons/validate"]["post"]
    request = validate["requestBody"]["content"]["application/json"]["example"]
    answered = await api.client.post("/v1/lessons/validate", json=request, headers=KEY)
    assert answered.json() == validate["responses"]["200"]["content"]["application/json"]["example"]
    # The generate example's request is served (offline here), and is a real topic.
    served = await api.client.post(GEN, json=GENERATE_REQUEST, headers=KEY)
    assert served.status_code == 201
    meta = document["paths"][GEN]["post"]["responses"]["201"]["content"]["application/json"][
        "example"
    ]["meta"]
    assert meta["prompt_version"] == prompt_version()
    assert meta["widgets_version"] == get_registry().catalog("1.1").widgets_version


async def test_every_problem_example_is_a_real_answer(api: Api) -> None:
    document = (await api.client.get("/docs/openapi.json")).json()
    shown = [
        response["content"]["application/problem+json"]["example"]
        for item in document["paths"].values()
        for operation in item.values()
        for response in operation["responses"].values()
        if "application/problem+json" in response.get("content", {})
    ]
    assert len(shown) > 40
    for example in shown:
        msgspec.convert(example, wire.Problem)
        assert example["type"] == f"https://dgs.dev/problems/{example['code']}"
    # Those a request can provoke here are what the service answers, request id aside.
    real = {
        401: await api.client.get("/v1/lessons"),
        404: await api.client.get("/v1/nothing", headers=KEY),
        415: await api.client.post(
            GEN, content=b"topic", headers={**KEY, "Content-Type": "text/plain"}
        ),
    }
    by_status = {example["status"]: example for example in shown}
    for status, response in real.items():
        body = {**response.json(), "request_id": by_status[status]["request_id"]}
        assert body == by_status[status], status


def test_the_example_lesson_is_valid_without_warnings_and_in_the_api_form() -> None:
    lesson = example_lesson()
    result = validate_lesson(lesson)
    assert (result.ok, result.errors, result.warnings) == (True, (), ())
    assert compact_full(expand(lesson), get_registry().catalog("1.1")) == lesson  # as served
    texts = json.dumps(lesson)
    assert "Which is right?" not in texts
    assert "This one" not in texts


def test_the_example_costs_follow_the_price_table() -> None:
    for step in USAGE:
        expected = cost_usd(
            step["provider"], step["model"], step["input_tokens"], step["output_tokens"],
            step["reasoning_tokens"], reasoning_in_output=PROFILES[step["provider"]].reasoning_in_output,
        )  # fmt: skip
        assert step["cost_usd"] == pytest.approx(expected, abs=1e-9), step["model"]


@pytest.fixture
def docs_server(tmp_path: Path) -> Iterator[str]:
    """A real ``dgs serve`` (hypercorn), offline provider, SQLite in the test's folder."""
    env = {**os.environ, "DGS_DEV_KEY": SERVE_KEY, "DGS_SQLITE_PATH": str(tmp_path / "dgs.sqlite3")}
    with serving(env) as (port, output):
        yield f"http://127.0.0.1:{port}"
    assert not any(SERVE_KEY in line for line in output)


TRY_IT_OUT = """
(async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const until = async (find, what) => {
    for (let i = 0; i < 400; i++) { const found = find(); if (found) return found; await sleep(50); }
    throw new Error('not found: ' + what);
  };
  document.querySelector('.auth-wrapper .authorize').click();
  const input = await until(() => document.querySelector('.modal-ux input'), 'the key field');
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, KEY);
  input.dispatchEvent(new Event('input', {bubbles: true}));
  (await until(() => document.querySelector('.modal-ux .auth-btn-wrapper .authorize'), 'Authorize')).click();
  (await until(() => document.querySelector('.modal-ux .btn-done'), 'Close')).click();
  const op = [...document.querySelectorAll('.opblock')].find(
    o => o.querySelector('.opblock-summary-path').textContent.trim() === '/v1/lessons/generate');
  op.querySelector('.opblock-summary-control').click();
  (await until(() => op.querySelector('.try-out__btn'), 'Try it out')).click();
  (await until(() => op.querySelector('.execute'), 'Execute')).click();
  const status = await until(
    () => op.querySelector('.live-responses-table tbody .response-col_status'), 'the response');
  const body = op.querySelector('.live-responses-table tbody .response-col_description pre');
  op.querySelector('.live-responses-table').scrollIntoView();
  return {status: status.textContent.trim(), body: body ? body.textContent : ''};
})()
"""


@pytest.mark.skipif(chromium() is None, reason="no chromium: `apt-get install chromium` runs it")
def test_a_browser_renders_the_docs_offline_and_tries_a_generation(
    docs_server: str, tmp_path: Path
) -> None:
    """Headless Chromium, every host but 127.0.0.1 unresolvable, against ``dgs serve``."""
    executable = chromium()
    assert executable is not None
    started = time.monotonic()
    with Browser(executable, tmp_path / "profile") as browser:
        expected = documented_summaries(docs_server)
        assert set(SUMMARIES) <= set(expected)  # the document itself is complete
        browser.open(docs_server + "/docs")
        browser.wait_for(f"document.querySelectorAll('.opblock').length === {len(expected)}")
        summaries = browser.evaluate(
            "[...document.querySelectorAll('.opblock-summary-description')].map(e => e.textContent)"
        )
        assert sorted(summaries) == sorted(expected)
        locked = browser.evaluate(
            "[...document.querySelectorAll('.opblock')].filter(o => o.querySelector('.authorization__btn'))"
            ".map(o => o.querySelector('.opblock-summary-path').textContent.trim())"
        )
        assert "/health" not in locked
        assert "/v1/lessons/generate" in locked
        browser.screenshot(tmp_path / "docs.png")  # the artefact: the rendered page
        assert browser.console == [], browser.console  # no CSP violation, no failed load
        answer = browser.evaluate(TRY_IT_OUT.replace("KEY", json.dumps(SERVE_KEY)), timeout=60)
        browser.screenshot(tmp_path / "docs-try-it-out.png", whole_page=False)
        assert answer["status"] == "201", answer
        assert json.loads(answer["body"])["lesson_json"]["title"] == "Photosynthesis"
        assert browser.console == [], browser.console
        # The capture works: a blocked inline script is reported as the CSP says.
        browser.evaluate("document.body.appendChild(document.createElement('script')).text = '1'")
        browser.wait_for("true")
        time.sleep(0.2)
        browser.evaluate("1")
        assert any("Content Security Policy" in line for line in browser.console), browser.console
    assert (tmp_path / "docs.png").stat().st_size > 20_000
    assert time.monotonic() - started < 90
