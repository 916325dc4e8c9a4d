"""Store failures through HTTP: 503 store_unavailable with a generic detail, specifics logged.

The stores fail for real: DynamoDB behind a proxy that answers HTML pages (what a load
balancer or a crashed server sends), an SQLite file that is corrupt, or locked by
another writer.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.dynamodb.client import DynamoSettings, DynamoTable
from adapters.dynamodb.schema import create_table
from adapters.sqlite import database as sqlite_database
from tests.conftest import use_test_credentials
from tests.http.conftest import KEY, Api, open_api
from tests.support.dynamo_proxy import DynamoProxy

GENERIC = "the store is unavailable; try again later"
MISSING = "00000000-0000-4000-8000-000000000000"
REQUESTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/v1/lessons", None),
    ("GET", f"/v1/lessons/{MISSING}", None),
    ("POST", "/v1/lessons/generate", {"topic": "Tides"}),
    ("PATCH", f"/v1/lessons/{MISSING}", {"tags_add": ["x"]}),
]


def assert_store_unavailable(
    response: httpx.Response, caplog: pytest.LogCaptureFixture, *specifics: str
) -> None:
    assert response.status_code == 503, response.text
    body = response.json()
    assert (body["code"], body["detail"]) == ("store_unavailable", GENERIC)
    assert response.headers["retry-after"]
    for word in ("SQLite", "sqlite", "DynamoDB", "html", "locked", "database"):
        assert word not in response.text
    logged = [
        r for r in caplog.records if r.name == "dgs.http" and body["request_id"] in r.getMessage()
    ]
    assert len(logged) == 1, "the specifics go to the log, once, with the request id"
    text = logged[0].getMessage() + str(logged[0].exc_info[1] if logged[0].exc_info else "")
    for specific in specifics:
        assert specific in text


async def send(api: Api, method: str, path: str, body: dict[str, Any] | None) -> httpx.Response:
    return await api.client.request(method, path, json=body, headers=KEY)


@pytest.fixture
async def dynamo_api(
    tmp_path: Path, moto_proxy: DynamoProxy, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Api]:
    use_test_credentials(monkeypatch)
    moto_proxy.reset()
    name = f"dgs-{uuid.uuid4().hex[:12]}"
    table = DynamoTable(DynamoSettings(table=name, endpoint_url=moto_proxy.url))
    await create_table(table)
    await table.close()
    client, container, calls = await open_api(
        tmp_path,
        DGS_STORAGE="dynamodb",
        DGS_DYNAMODB_ENDPOINT_URL=moto_proxy.url,
        DGS_DYNAMODB_TABLE=name,
        DGS_DYNAMODB_MAX_ATTEMPTS="2",
        DGS_CURSOR_SECRET="store-failure-cursor-secret-01",
    )
    async with client:
        yield Api(client, container, calls)
    moto_proxy.reset()


@pytest.mark.parametrize("status", [200, 500, 502, 403])
@pytest.mark.parametrize(
    ("method", "path", "body"), REQUESTS, ids=[f"{m} {p[:13]}" for m, p, _ in REQUESTS]
)
async def test_dynamodb_answering_html_is_store_unavailable(
    dynamo_api: Api,
    moto_proxy: DynamoProxy,
    caplog: pytest.LogCaptureFixture,
    status: int,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    moto_proxy.faults.html_status = status
    with caplog.at_level(logging.WARNING, logger="dgs.http"):
        response = await send(dynamo_api, method, path, body)
    moto_proxy.faults.html_status = None
    assert_store_unavailable(response, caplog, "html")
    listed = await dynamo_api.client.get("/v1/lessons", headers=KEY)
    assert (listed.status_code, listed.json()["items"]) == (200, [])  # nothing was stored


async def test_a_corrupt_sqlite_file_is_store_unavailable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "data" / "dgs.sqlite3"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not an SQLite database, it is a text file " * 100)
    client, _, _ = await open_api(tmp_path)
    async with client:
        for method, route, body in REQUESTS:
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="dgs.http"):
                response = await client.request(method, route, json=body, headers=KEY)
            assert_store_unavailable(response, caplog, "file is not a database")


async def test_a_locked_sqlite_file_is_store_unavailable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_database, "BUSY_TIMEOUT_MS", 100)
    client, container, calls = await open_api(tmp_path)
    async with client:
        api = Api(client, container, calls)
        lesson_id = (await api.generate("Tides"))["lesson_id"]
        other = sqlite3.connect(tmp_path / "data" / "dgs.sqlite3", isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        try:
            with caplog.at_level(logging.WARNING, logger="dgs.http"):
                response = await client.patch(
                    f"/v1/lessons/{lesson_id}", json={"tags_add": ["x"]}, headers=KEY
                )
        finally:
            other.rollback()
            other.close()
        assert_store_unavailable(response, caplog, "database is locked")
        patched = await client.patch(
            f"/v1/lessons/{lesson_id}", json={"tags_add": ["x"]}, headers=KEY
        )
        assert patched.status_code == 200  # the lock is gone: the store serves again
