"""``dgs serve`` as a new user runs it: the .env key, bad settings, a taken port, and a
slow client, each against a real hypercorn process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.http.serve import free_port, wait_until_healthy
from tests.integration.test_generation_llm import IDM, LESSON
from tests.support.scripted_openai import Reply, ScriptedOpenAI, json_completion

pytestmark = pytest.mark.slow  # a real dgs serve process per test

KEY = "key-from-the-dotenv-file-0123"


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    """This process's (test-isolated) environment, a temp SQLite file and ``values``."""
    env = {**os.environ, "DGS_SQLITE_PATH": str(tmp_path / "dgs.sqlite3"), **values}
    return {name: value for name, value in env.items() if value != ""}


@contextmanager
def serving(env: dict[str, str], cwd: Path | None = None) -> Iterator[tuple[str, list[str]]]:
    """A running ``dgs serve``; yields its base URL and, once stopped, its output lines."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    output: list[str] = []
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}", output
    finally:
        process.terminate()
        output.extend(process.communicate(timeout=15)[0].decode(errors="replace").splitlines())


def refused(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run ``dgs serve`` expecting it to stop: its exit code and output."""
    result = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "serve", *args],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return result.returncode, result.stdout + result.stderr


def get(url: str, key: str) -> int:
    request = urllib.request.Request(url, headers={"X-DGS-Dev-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def test_the_dev_key_in_dotenv_is_the_key_serve_uses(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DGS_DEV_KEY={KEY}\n", encoding="utf-8")
    env = environment(tmp_path, DGS_DOTENV_FILE="")  # the default: ./.env
    with serving(env, cwd=tmp_path) as (base, output):
        assert get(base + "/v1/catalog", KEY) == 200
        assert get(base + "/v1/catalog", "another-key-0123456789") == 401
    assert not any("DGS_DEV_KEY was not set" in line for line in output)
    assert not any(KEY in line for line in output)


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"DGS_STORGE": "dynamodb"}, "DGS_STORGE: not a DGS setting; did you mean DGS_STORAGE?"),
        ({"DGS_STORAGE": "dynamodb"}, "DGS_CURSOR_SECRET: required when DGS_STORAGE=dynamodb"),
        (
            {"DGS_DOTENV_FILE": "/nowhere/prod.env"},
            "DGS_DOTENV_FILE: no such file: /nowhere/prod.env",
        ),
    ],
)
def test_a_bad_setting_stops_serve_before_a_key_is_made(
    tmp_path: Path, values: dict[str, str], named: str
) -> None:
    code, output = refused(environment(tmp_path, **values))
    assert code == 2
    assert output.strip().splitlines() == [f"dgs serve: {named}"]


def test_a_port_in_use_is_one_line_and_exit_3(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, output = refused(environment(tmp_path, DGS_DEV_KEY=KEY), "--port", str(port))
    assert code == 3
    assert "Traceback" not in output
    assert output.strip().splitlines()[-1] == (
        f"dgs serve: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


HEAD = (
    "POST /v1/lessons/validate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    f"X-DGS-Dev-Key: {KEY}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
)


def closed_after(base: str, trickle_every: float, limit: float) -> float:
    """Send a request head, then one body byte per ``trickle_every`` seconds; return how
    long after the last byte the server closed the connection (inf: still open at limit)."""
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=limit) as client:
        client.sendall(HEAD.encode() + b"{")
        started = last = time.monotonic()
        client.settimeout(trickle_every)
        while time.monotonic() - started < limit:
            try:
                if client.recv(65536) == b"":
                    return time.monotonic() - last
            except TimeoutError:
                try:
                    client.sendall(b" ")
                except OSError:
                    return time.monotonic() - last
                last = time.monotonic()
            except ConnectionResetError:
                return time.monotonic() - last
        return float("inf")


def test_a_client_trickling_its_body_is_disconnected_after_the_read_timeout(
    tmp_path: Path,
) -> None:
    env = environment(tmp_path, DGS_DEV_KEY=KEY, DGS_HTTP_READ_TIMEOUT_SECONDS="1")
    with serving(env) as (base, _):
        # one byte every 2 s (the review's client sent one every 5 s and held 60 s)
        assert closed_after(base, trickle_every=2.0, limit=10) < 1.8
        assert get(base + "/health", KEY) == 200  # the server itself is fine


def test_a_generation_longer_than_the_read_timeout_still_answers(tmp_path: Path) -> None:
    """Waiting for a slow model is not reading: the read timeout must not cut it short."""
    provider = ScriptedOpenAI()
    provider.start()
    provider.script(Reply(body=json_completion(IDM).body, delay=2.5), json_completion(LESSON))
    env = environment(
        tmp_path, DGS_DEV_KEY=KEY, DGS_HTTP_READ_TIMEOUT_SECONDS="1",
        DGS_COMPATIBLE_BASE_URL=provider.base_url, DGS_GATHERER_MODEL="g",
        DGS_STRUCTURER_MODEL="s", DGS_MODEL_TIMEOUT_SECONDS="10",
    )  # fmt: skip
    try:
        with serving(env) as (base, output):
            request = urllib.request.Request(
                base + "/v1/lessons/generate", data=b'{"topic": "Photosynthesis"}', method="POST",
                headers={"X-DGS-Dev-Key": KEY, "Content-Type": "application/json"},
            )  # fmt: skip
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 201
        assert any(
            "models: gatherer compatible/g, structurer compatible/s" in line for line in output
        )
    finally:
        provider.stop()


def test_a_body_trickled_faster_than_the_read_timeout_still_ends_at_the_body_deadline(
    tmp_path: Path,
) -> None:
    """hypercorn's read timeout is per read: a byte every 0.5 s never trips a 1 s timeout.
    The whole body has its own deadline, after which the request is answered 408."""
    env = environment(
        tmp_path, DGS_DEV_KEY=KEY, DGS_HTTP_READ_TIMEOUT_SECONDS="1",
        DGS_HTTP_BODY_TIMEOUT_SECONDS="2",
    )  # fmt: skip
    with serving(env) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(HEAD.encode() + b"{")
            started = time.monotonic()
            client.settimeout(0.5)
            answer = b""
            while time.monotonic() - started < 8 and b"\r\n\r\n" not in answer:
                try:
                    answer += client.recv(65536)
                except TimeoutError:
                    client.sendall(b" ")
            took = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b"request_timeout" in answer or b"application/problem+json" in answer
        assert took < 2 + 1.5
        assert get(base + "/health", KEY) == 200
