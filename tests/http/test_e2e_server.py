"""A real ``dgs serve`` process (hypercorn) over HTTP, with SQLite and with DynamoDB on moto."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_CREDENTIALS
from tests.http.serve import free_port, serving, wait_until_healthy
from tests.support.dynamo_proxy import DynamoProxy

pytestmark = pytest.mark.slow  # a real dgs serve process per test

KEY = "e2e-dev-key-0123456789abcdef"


def call(
    base: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("X-DGS-Dev-Key", KEY)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return (
                response.status,
                dict(response.headers.items()),
                json.loads(response.read() or b"null"),
            )
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), json.loads(error.read() or b"null")


@pytest.fixture(params=["sqlite", "dynamodb"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    env = {**os.environ, "DGS_DEV_KEY": KEY, "DGS_SQLITE_PATH": str(tmp_path / "dgs.sqlite3")}
    if request.param == "dynamodb":
        proxy: DynamoProxy = request.getfixturevalue("moto_proxy")
        env.update(TEST_CREDENTIALS)
        env.update(DGS_STORAGE="dynamodb", DGS_DYNAMODB_ENDPOINT_URL=proxy.url,
                   DGS_DYNAMODB_TABLE=f"e2e-{uuid.uuid4().hex[:8]}", DGS_CURSOR_SECRET="e2e-cursor-secret-0123456789")  # fmt: skip
        subprocess.run(
            [sys.executable, "-m", "entrypoints.cli", "store", "init"],
            env=env,
            check=True,
            capture_output=True,
        )
    with serving(env) as (port, output):
        yield f"http://127.0.0.1:{port}"
    assert not any(KEY in line for line in output), "the dev key must never be logged"


def test_a_lesson_round_trip_over_real_http(server: str) -> None:
    status, headers, created = call(
        server, "POST", "/v1/lessons/generate", {"topic": "Tides", "schema_version": "1.0"}
    )
    assert status == 201, created
    assert "server" not in {h.lower() for h in headers}
    lesson_id = created["lesson_id"]
    status, headers, lesson = call(server, "GET", f"/v1/lessons/{lesson_id}")
    assert (status, lesson["schema_version"]) == (200, "1.0")
    etag = headers["etag"]
    status, _, patched = call(
        server, "PATCH", f"/v1/lessons/{lesson_id}", {"tags_add": ["sea"]}, {"If-Match": etag}
    )
    assert (status, patched["tags"], patched["version"]) == (200, ["sea"], 2)
    status, _, page = call(server, "GET", "/v1/lessons?tag=sea")
    assert [i["lesson_id"] for i in page["items"]] == [lesson_id]
    status, _, problem = call(server, "GET", "/v1/lessons", headers={"X-DGS-Dev-Key": "wrong"})
    assert (status, problem["code"]) in {(401, "unauthorized")}
    status, _, ready = call(server, "GET", "/ready")
    assert (status, ready["checks"]) == (200, {"store": "ok", "provider": "ok"})


def test_without_a_key_serve_generates_one_and_prints_it_once(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DGS_DEV_KEY"}
    env["DGS_SQLITE_PATH"] = str(tmp_path / "dgs.sqlite3")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().decode() for _ in range(4)]
        key = lines[2].strip()
        assert "DGS_DEV_KEY was not set" in lines[0]
        assert len(key) >= 16
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base)
        request = urllib.request.Request(base + "/v1/catalog", headers={"X-DGS-Dev-Key": key})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/v1/catalog", timeout=10)
        assert refused.value.code == 401
        refused.value.close()
    finally:
        process.terminate()
        output = process.communicate(timeout=15)[0].decode(errors="replace")
    assert output.count(key) == 0  # printed once, above, and never logged again
