"""DELETE /v1/lessons/{id} (issue 14): gone from reads and lists at once, If-Match
honoured, another caller's lesson not found, purged with its body after the retention."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from tests.http.auth_api import GENERATE
from tests.http.owners import open_callers
from tests.support.cognito import Pool
from tests.support.dynamo_proxy import DynamoProxy


@pytest.mark.parametrize("store", ["sqlite", "dynamodb"])
async def test_a_deleted_lesson_is_gone_at_once(
    tmp_path: Path,
    cognito_pool: Pool,
    moto_proxy: DynamoProxy,
    monkeypatch: pytest.MonkeyPatch,
    store: str,
) -> None:
    callers = await open_callers(tmp_path, cognito_pool, store, moto_proxy, monkeypatch)
    api, headers = callers.api, callers.headers
    async with api.client:
        created = await api.call("POST", "/v1/lessons/generate", headers["u0"], GENERATE)
        kept = await api.call("POST", "/v1/lessons/generate", headers["u0"], GENERATE)
        lesson_id = created.json()["lesson_id"]
        target = f"/v1/lessons/{lesson_id}"
        # Another caller cannot delete it: not found, and the lesson stays.
        assert (await api.call("DELETE", target, headers["u1"])).status == 404
        stale = {**headers["u0"], "If-Match": f'"{lesson_id}.7"'}
        refused = await api.call("DELETE", target, stale)
        assert (refused.status, refused.json()["code"]) == (412, "precondition_failed")
        assert (await api.call("GET", target, headers["u0"])).status == 200
        current = {**headers["u0"], "If-Match": f'"{lesson_id}.1"'}
        deleted = await api.call("DELETE", target, current)
        assert (deleted.status, deleted.body) == (204, b"")
        for method, body in (("GET", b""), ("PATCH", b'{"title": "Back"}'), ("DELETE", b"")):
            gone = await api.call(method, target, headers["u0"], body)
            assert (gone.status, gone.json()["code"]) == (404, "not_found"), method
        listed = await api.call("GET", "/v1/lessons", headers["u0"])
        assert [i["lesson_id"] for i in listed.json()["items"]] == [kept.json()["lesson_id"]]
        me = await api.call("GET", "/v1/me", headers["u0"])
        assert me.json()["lessons"] == 1


async def test_sqlite_purges_a_deleted_lesson_and_its_body_after_the_retention(
    tmp_path: Path, cognito_pool: Pool
) -> None:
    callers = await open_callers(tmp_path, cognito_pool, "sqlite", DGS_DELETED_RETENTION_DAYS="7")
    api, dev = callers.api, callers.headers["dev"]
    path = tmp_path / "data" / "dgs.sqlite3"

    def rows(lesson_id: str) -> list[int]:
        """The lesson's rows in the summary and body tables (read from the file itself)."""
        connection = sqlite3.connect(path)
        try:
            return [
                connection.execute(
                    f"SELECT count(*) FROM {t} WHERE lesson_id = ?", (lesson_id,)
                ).fetchone()[0]
                for t in ("lessons", "lesson_bodies")
            ]
        finally:
            connection.close()

    async with api.client:
        first = (await api.call("POST", "/v1/lessons/generate", dev, GENERATE)).json()["lesson_id"]
        body = json.dumps({"topic": "Volcanoes"}).encode()
        second = (await api.call("POST", "/v1/lessons/generate", dev, body)).json()["lesson_id"]
        assert (await api.call("DELETE", f"/v1/lessons/{first}", dev)).status == 204
        assert rows(first) == [1, 1]  # kept through the retention (recoverable by an operator)
        api.clock.advance(timedelta(days=7, seconds=1))
        assert (await api.call("DELETE", f"/v1/lessons/{second}", dev)).status == 204
        assert rows(first) == [0, 0]  # the next delete's sweep purged it, body and all
        assert rows(second) == [1, 1]
        search = await api.call("GET", "/v1/lessons?q=tides", dev)
        assert search.json()["items"] == []
