"""An API whose logs and metrics the test reads: JSON lines captured, Prometheus metrics."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families

from adapters.observability.prometheus import PrometheusMetrics
from entrypoints.container import Container, build_container
from entrypoints.http_app import build_app
from entrypoints.observability import configure_logging
from entrypoints.settings import load_settings
from tests.http.conftest import KEY, api_settings, count_model_calls
from tests.support.logs import preserved_logging

RFC3339_MS_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@contextmanager
def json_logs(capsys: pytest.CaptureFixture[str], **extra: str) -> Iterator[list[dict[str, Any]]]:
    """Log as ``dgs serve`` does off a terminal (JSON on standard error); the block's lines,
    each parsed (a line that is not one JSON object fails the test), once it ends."""
    lines: list[dict[str, Any]] = []
    with preserved_logging():
        configure_logging(load_settings({"DGS_LOG_FORMAT": "json", **extra}), "container")
        capsys.readouterr()
        yield lines
        err = capsys.readouterr().err
    lines.extend(json.loads(line) for line in err.splitlines() if line.strip())


def events(lines: list[dict[str, Any]], event: str) -> list[dict[str, Any]]:
    """The lines of one event ("request", "generation")."""
    return [line for line in lines if line.get("event") == event]


@dataclass
class Observed:
    client: AsyncTestClient[Any]
    container: Container
    metrics: PrometheusMetrics

    async def scrape(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        """``GET /metrics``, parsed: (sample name, labels) -> value."""
        response = await self.client.get("/metrics", headers=KEY)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }


@asynccontextmanager
async def observed_api(tmp_path: Path, **extra: str) -> AsyncIterator[Observed]:
    """The API with Prometheus metrics, over SQLite and the offline steps (counted)."""
    metrics = PrometheusMetrics()
    container = build_container(load_settings(api_settings(tmp_path, **extra)), metrics)
    count_model_calls(container)
    async with AsyncTestClient(app=build_app(container)) as client:
        yield Observed(client, container, metrics)


def sample(
    scraped: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    """One sample's value (0 when absent: a counter never incremented)."""
    return scraped.get((name, frozenset(labels.items())), 0.0)
