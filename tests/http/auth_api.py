"""The API in a token mode, over a real container (SQLite file, offline provider) and a
clock the test controls, and the same settings for a Lambda execution environment."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dependency_injector import providers
from litestar.testing import AsyncTestClient

from entrypoints.container import Container, build_container
from entrypoints.http_app import build_app
from entrypoints.settings import load_settings
from tests.http.conftest import DEV_KEY, Calls, api_settings, count_model_calls, lambda_settings
from tests.http.wire_calls import Answer, HeaderValue, call_asgi, call_lambda, function_url_event
from tests.support.fakes import FakeClock
from tests.support.jobs import IdlePool

PROBLEM = "application/problem+json"
BEARER_CHALLENGE = 'Bearer error="invalid_token"'
GENERATE = b'{"topic": "Tides"}'


def bearer(token: str) -> dict[str, HeaderValue]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class TokenApi:
    """An app in a token mode; ``call`` sends one exact request through ASGI."""

    client: AsyncTestClient[Any]
    container: Container
    calls: Calls
    clock: FakeClock

    async def call(
        self, method: str, target: str, headers: dict[str, HeaderValue], body: bytes = b""
    ) -> Answer:
        if body:
            headers = {**headers, "Content-Type": "application/json"}
        return await call_asgi(self.client.app, method, target, headers, body)

    async def stored(self) -> int:
        """Every lesson in the store's file, whoever owns it."""
        database = self.container.stores.database()
        row = await database.read(lambda c: c.execute("SELECT count(*) FROM lessons").fetchone())
        return int(row[0])


def open_token_api(
    tmp_path: Path, settings: dict[str, str], clock: FakeClock | None = None, dev_key: bool = False
) -> TokenApi:
    """The app with ``settings`` (a pool's), without the dev key unless asked for."""
    values = api_settings(tmp_path, **settings, DGS_DEV_KEY=DEV_KEY if dev_key else "")
    container = build_container(load_settings(values))
    clock = clock or FakeClock(datetime.now(UTC))
    container.clock.override(providers.Object(clock))  # before the verifier is built
    calls = count_model_calls(container)
    # No job workers: these tests start no jobs, and the test client runs the app's
    # lifespan (where the pool's sweeper would run) in another event loop than its
    # requests, while a DynamoDB client serves one loop. The job tests run the pool.
    container.worker_pool.override(providers.Object(IdlePool()))
    return TokenApi(AsyncTestClient(app=build_app(container)), container, calls, clock)


def token_lambda_settings(tmp_path: Path, settings: dict[str, str]) -> dict[str, str]:
    """A Lambda environment for a token mode: the pool's settings, no dev key."""
    return {**lambda_settings(tmp_path), **settings, "DGS_DEV_KEY": ""}


def lambda_call(
    module: Any,
    method: str,
    target: str,
    headers: dict[str, HeaderValue],
    body: bytes | None = None,
) -> Answer:
    if body:
        headers = {**headers, "Content-Type": "application/json"}
    return call_lambda(module, function_url_event(method, target, headers, body))


def refusal(answer: Answer) -> tuple[int, str, str]:
    """(status, code, challenge) of a 401, after checking it is a problem+json."""
    assert answer.headers["content-type"] == PROBLEM, answer
    return (
        answer.status,
        json.loads(answer.body)["code"],
        answer.headers.get("www-authenticate", ""),
    )
