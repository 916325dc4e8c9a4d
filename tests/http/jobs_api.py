"""The jobs API over a real container whose model is the scripted server, its worker pool
started by the app's lifespan (Litestar's test client runs it), and polling helpers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from litestar.testing import AsyncTestClient

from entrypoints.container import Container, build_container, shutdown
from entrypoints.http_app import build_app
from entrypoints.settings import load_settings
from tests.http.conftest import KEY, api_settings
from tests.support.scripted_openai import ScriptedOpenAI

FINAL = ("done", "failed", "canceled")


def scripted_settings(server: ScriptedOpenAI, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The API's settings with the scripted server as the provider of every step."""
    return api_settings(
        tmp_path,
        DGS_COMPATIBLE_BASE_URL=server.base_url,
        DGS_COMPATIBLE_API_KEY="sk-test-never-sent-anywhere-else",
        DGS_GATHERER_PROVIDER="compatible",
        DGS_STRUCTURER_PROVIDER="compatible",
        DGS_GATHERER_MODEL="scripted-gatherer",
        DGS_STRUCTURER_MODEL="scripted-structurer",
        DGS_MODEL_TIMEOUT_SECONDS="10",
        **extra,
    )


@dataclass
class JobsApi:
    client: httpx.AsyncClient
    container: Container

    async def start(
        self, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        response = await self.client.post(
            "/v1/jobs", json=body or {"topic": "Photosynthesis"}, headers={**KEY, **(headers or {})}
        )
        assert response.status_code == 202, response.text
        return response

    async def get(self, job_id: str, **params: str) -> dict[str, Any]:
        response = await self.client.get(f"/v1/jobs/{job_id}", params=params, headers=KEY)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    async def until(self, job_id: str, *statuses: str, phase: str | None = None) -> dict[str, Any]:
        """Poll every 20 ms until the job has one of ``statuses`` (and ``phase``); 20 s at most."""
        for _ in range(1000):
            job = await self.get(job_id)
            if job["status"] in statuses and (phase is None or job["phase"] == phase):
                return job
            if job["status"] in FINAL:
                raise AssertionError(f"the job ended {job['status']}: {job}")
            await asyncio.sleep(0.02)
        raise AssertionError(f"the job never reached {statuses} {phase}")

    async def stored(self) -> int:
        from application.principal import DEV_TENANT
        from application.records import LessonQuery

        lessons = self.container.lessons()
        return len((await lessons.list_summaries(DEV_TENANT, LessonQuery(limit=100))).items)


@asynccontextmanager
async def jobs_api(
    server: ScriptedOpenAI, tmp_path: Path, container: Container | None = None, **extra: str
) -> AsyncIterator[JobsApi]:
    """The app (lifespan run: the in-process workers start and stop with it)."""
    container = container or build_container(
        load_settings(scripted_settings(server, tmp_path, **extra))
    )
    async with AsyncTestClient(app=build_app(container)) as client:
        yield JobsApi(client, container)


@asynccontextmanager
async def concurrent_api(
    server: ScriptedOpenAI, tmp_path: Path, **extra: str
) -> AsyncIterator[JobsApi]:
    """The app served in this event loop, so that requests run at once (Litestar's test
    client serves one request at a time). No lifespan, as on Lambda: no worker pool, so
    only the jobs generations run inline are run."""
    container = build_container(load_settings(scripted_settings(server, tmp_path, **extra)))
    transport = httpx.ASGITransport(app=build_app(container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield JobsApi(client, container)
    finally:
        await shutdown(container)


def sse_events(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The ``state`` events (id, event, data parsed) and the comments of an SSE body."""
    events: list[dict[str, Any]] = []
    comments: list[str] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, Any] = {}
        for line in block.split("\n"):
            if line.startswith(":"):
                comments.append(line[1:].strip())
            elif ": " in line:
                name, value = line.split(": ", 1)
                fields[name] = value
        if "data" in fields:
            fields["data"] = json.loads(fields["data"])
            events.append(fields)
    return events, comments
