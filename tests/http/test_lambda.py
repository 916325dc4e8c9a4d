"""The Lambda handler with real Function URL (payload 2.0) events, against the HTTP path."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.http.conftest import LAMBDA_KEY
from tests.http.wire_calls import call_lambda, sample_event


def invoke(module: Any, payload: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    answer = call_lambda(module, payload)
    return answer.status, answer.headers, answer.json() if answer.body else None


def test_each_sample_event_is_served(lambda_module: Any) -> None:
    status, headers, body = invoke(lambda_module, sample_event("health"))
    assert (status, body) == (200, {"status": "ok", "checks": {}})
    assert headers["x-content-type-options"] == "nosniff"

    status, headers, created = invoke(lambda_module, sample_event("generate"))
    assert status == 201
    lesson_id = created["lesson_id"]
    assert headers["location"] == f"/v1/lessons/{lesson_id}"

    status, headers, lesson = invoke(lambda_module, sample_event("get", lesson_id))
    assert status == 200
    assert headers["etag"] == f'"{lesson_id}.1"'
    assert lesson["lesson_json"] == created["lesson_json"]

    status, _, page = invoke(lambda_module, sample_event("list"))
    assert (status, [i["lesson_id"] for i in page["items"]]) == (200, [lesson_id])

    status, _, patched = invoke(lambda_module, sample_event("patch", lesson_id))
    assert (status, patched["title"], patched["tags"]) == (200, "Light into sugar", ["biology"])


def test_the_lambda_path_answers_as_the_http_path(lambda_module: Any) -> None:
    _, _, created = invoke(lambda_module, sample_event("generate"))
    lesson_id = created["lesson_id"]
    with TestClient(app=lambda_module.app) as http:
        for name in ("health", "get", "list"):
            payload = sample_event(name, lesson_id)
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
        no_key = {
            **sample_event("list"),
            "headers": {"host": "abcdefghij.lambda-url.eu-west-1.on.aws"},
        }
        status, headers, body = invoke(lambda_module, no_key)
        assert (status, body["code"], headers["content-type"]) == (
            401,
            "unauthorized",
            "application/problem+json",
        )


@pytest.mark.slow  # a fresh interpreter
def test_importing_the_handler_loads_neither_openai_nor_agents(lambda_module: Any) -> None:
    code = (
        "import os, sys, json\n"
        "import entrypoints.lambda_handler\n"
        "print(json.dumps([m for m in ('openai', 'agents', 'botocore') if m in sys.modules]))"
    )
    import subprocess

    env = {
        "DGS_DEV_KEY": LAMBDA_KEY,
        "DGS_SQLITE_PATH": "/tmp/dgs-lambda-import.sqlite3",
        "PATH": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
