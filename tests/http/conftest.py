"""An API over a real container (SQLite on a temp file, offline provider), counting model calls."""

from __future__ import annotations

import asyncio
import importlib
import sys
import warnings
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from adapters.llm.offline import OfflineGatherer, OfflineRepairer, OfflineStructurer
from application.ports.generation import Gathered, ModelRoute, Structured
from application.principal import DEV_TENANT
from application.records import LessonQuery
from domain.generation import IntermediateDataModel, LessonConstraints
from entrypoints.container import Container, build_container
from entrypoints.http_app import build_app
from entrypoints.settings import load_settings
from tests.support.logs import preserved_logging

DEV_KEY = "test-dev-key-0123456789abcdef"
ORIGIN = "https://dle.example.org"
KEY = {"X-DGS-Dev-Key": DEV_KEY}


class Calls:
    """Counts calls to the model steps; ``delay`` slows the gatherer (to overlap requests)."""

    def __init__(self) -> None:
        self.count = 0
        self.delay = 0.0


class CountingGatherer:
    def __init__(self, calls: Calls) -> None:
        self.calls, self.inner = calls, OfflineGatherer()

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        return self.inner.route_for(constraints)

    async def gather(
        self, topic: str, constraints: LessonConstraints, prompt: str | None = None
    ) -> Gathered:
        self.calls.count += 1
        await asyncio.sleep(self.calls.delay)
        return await self.inner.gather(topic, constraints, prompt)


class CountingStructurer:
    def __init__(self, calls: Calls) -> None:
        self.calls, self.inner = calls, OfflineStructurer()

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        return self.inner.route_for(constraints)

    async def structure(
        self, idm: IntermediateDataModel, constraints: LessonConstraints, schema_version: str
    ) -> Structured:
        self.calls.count += 1
        return await self.inner.structure(idm, constraints, schema_version)


@dataclass
class Api:
    client: AsyncTestClient[Any]
    container: Container
    calls: Calls

    async def stored(self) -> int:
        page = await self.container.lessons().list_summaries(DEV_TENANT, LessonQuery(limit=100))
        return len(page.items)

    async def generate(self, topic: str = "Tides", **body: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/v1/lessons/generate", json={"topic": topic, **body}, headers=KEY
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


def api_settings(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "DGS_SQLITE_PATH": str(tmp_path / "data" / "dgs.sqlite3"),
        "DGS_DEV_KEY": DEV_KEY,
        "DGS_ALLOWED_ORIGINS": ORIGIN,
        "DGS_RATE_LIMIT_PER_HOUR": "1000",
        **extra,
    }


def count_model_calls(container: Container) -> Calls:
    """Offline model steps that count their calls, in place of the container's."""
    calls = Calls()
    container.gatherer.override(providers.Object(CountingGatherer(calls)))
    container.structurer.override(providers.Object(CountingStructurer(calls)))
    container.repairer.override(providers.Object(OfflineRepairer()))
    return calls


async def open_api(tmp_path: Path, **extra: str) -> tuple[AsyncTestClient[Any], Container, Calls]:
    container = build_container(load_settings(api_settings(tmp_path, **extra)))
    calls = count_model_calls(container)
    client = AsyncTestClient(app=build_app(container))
    return client, container, calls


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    client, container, calls = await open_api(tmp_path)
    async with client:
        yield Api(client, container, calls)


LAMBDA_KEY = "sample-dev-key-change-me-0123"  # the key of deploy/events


@contextmanager
def fresh_lambda(monkeypatch: pytest.MonkeyPatch, settings: Mapping[str, str]) -> Iterator[Any]:
    """``entrypoints.lambda_handler`` imported fresh with ``settings`` in the environment (an
    empty value removes the variable), as a new execution environment would import it."""
    for name, value in settings.items():
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    sys.modules.pop("entrypoints.lambda_handler", None)
    try:
        with preserved_logging():  # the handler sets up the process's logging at import
            yield importlib.import_module("entrypoints.lambda_handler")
    finally:
        sys.modules.pop("entrypoints.lambda_handler", None)
        # Mangum installs an event loop and keeps it for warm invocations; close it.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            loop = asyncio.get_event_loop_policy().get_event_loop()
        loop.close()
        asyncio.set_event_loop(None)


def lambda_settings(tmp_path: Path) -> dict[str, str]:
    """The settings of the Lambda tests: a SQLite file, the sample events' key and origin."""
    return {
        "DGS_SQLITE_PATH": str(tmp_path / "dgs.sqlite3"),
        "DGS_DEV_KEY": LAMBDA_KEY,
        "DGS_ALLOWED_ORIGINS": ORIGIN,
        "DGS_RATE_LIMIT_PER_HOUR": "1000",
    }


@pytest.fixture
def lambda_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``entrypoints.lambda_handler`` imported fresh, as a new execution environment would."""
    with fresh_lambda(monkeypatch, lambda_settings(tmp_path)) as module:
        yield module
