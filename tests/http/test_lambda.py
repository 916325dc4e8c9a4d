"""The Lambda handler with real Function URL (payload 2.0) events, against the HTTP path."""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

EVENTS = Path(__file__).parents[2] / "deploy" / "events"
SAMPLE_ID = "00000000-0000-4000-8000-000000000000"
SAMPLE_KEY = "sample-dev-key-change-me-0123"


@pytest.fixture
def lambda_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``entrypoints.lambda_handler`` imported fresh, as a new execution environment would."""
    monkeypatch.setenv("DGS_SQLITE_PATH", str(tmp_path / "dgs.sqlite3"))
    monkeypatch.setenv("DGS_DEV_KEY", SAMPLE_KEY)
    monkeypatch.setenv("DGS_ALLOWED_ORIGINS", "https://dle.example.org")
    sys.modules.pop("entrypoints.lambda_handler", None)
    module = importlib.import_module("entrypoints.lambda_handler")
    yield module
    sys.modules.pop("entrypoints.lambda_handler", None)
    # Mangum installs an event loop and keeps it for warm invocations; a test must close it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        loop = asyncio.get_event_loop_policy().get_event_loop()
    loop.close()
    asyncio.set_event_loop(None)


def event(name: str, lesson_id: str | None = None) -> dict[str, Any]:
    text = (EVENTS / f"{name}.json").read_text()
    loaded: dict[str, Any] = json.loads(text.replace(SAMPLE_ID, lesson_id) if lesson_id else text)
    return loaded


def invoke(module: Any, payload: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    result = module.handler(payload, None)
    body = result.get("body", "")
    if result.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    headers = {k.lower(): v for k, v in result["headers"].items()}
    return result["statusCode"], headers, json.loads(body) if body else None


def test_each_sample_event_is_served(lambda_module: Any) -> None:
    status, headers, body = invoke(lambda_module, event("health"))
    assert (status, body) == (200, {"status": "ok", "checks": {}})
    assert headers["x-content-type-options"] == "nosniff"

    status, headers, created = invoke(lambda_module, event("generate"))
    assert status == 201
    lesson_id = created["lesson_id"]
    assert headers["location"] == f"/v1/lessons/{lesson_id}"

    status, headers, lesson = invoke(lambda_module, event("get", lesson_id))
    assert status == 200
    assert headers["etag"] == f'"{lesson_id}.1"'
    assert lesson["lesson_json"] == created["lesson_json"]

    status, _, page = invoke(lambda_module, event("list"))
    assert (status, [i["lesson_id"] for i in page["items"]]) == (200, [lesson_id])

    status, _, patched = invoke(lambda_module, event("patch", lesson_id))
    assert (status, patched["title"], patched["tags"]) == (200, "Light into sugar", ["biology"])


def test_the_lambda_path_answers_as_the_http_path(lambda_module: Any) -> None:
    _, _, created = invoke(lambda_module, event("generate"))
    lesson_id = created["lesson_id"]
    with TestClient(app=lambda_module.app) as http:
        for name in ("health", "get", "list"):
            payload = event(name, lesson_id)
            status, headers, body = invoke(lambda_module, payload)
            response = http.get(
                payload["rawPath"],
                params=payload.get("queryStringParameters"),
                headers=payload["headers"],
            )
            assert status == response.status_code, name
            assert body == response.json(), name
            for header in (
                "content-type",
                "cache-control",
                "content-security-policy",
                "vary",
                "etag",
            ):
                assert headers.get(header) == response.headers.get(header), (name, header)
        no_key = {**event("list"), "headers": {"host": "abcdefghij.lambda-url.eu-west-1.on.aws"}}
        status, headers, body = invoke(lambda_module, no_key)
        assert (status, body["code"], headers["content-type"]) == (
            401,
            "unauthorized",
            "application/problem+json",
        )


def test_importing_the_handler_loads_neither_openai_nor_agents(lambda_module: Any) -> None:
    code = (
        "import os, sys, json\n"
        "import entrypoints.lambda_handler\n"
        "print(json.dumps([m for m in ('openai', 'agents', 'botocore') if m in sys.modules]))"
    )
    import subprocess

    env = {
        "DGS_DEV_KEY": SAMPLE_KEY,
        "DGS_SQLITE_PATH": "/tmp/dgs-lambda-import.sqlite3",
        "PATH": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
