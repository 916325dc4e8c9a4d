"""``GET /v1/me/export`` holds everything DGS keeps for the caller (issue 14), on both stores:
its lessons, its deleted lessons still within their retention (marked ``deleted``), and
the repair records of its generations; ``DELETE /v1/me`` erases the repair records too.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from tests.http.owners import Callers, open_callers
from tests.support.cognito import Pool
from tests.support.dynamo_proxy import DynamoProxy
from tests.support.fakes import FakeRepairer, FakeStructurer
from tests.support.generation import INVALID, VALID

STORES = ["sqlite", "dynamodb"]
EXPORT_KEYS = {"sub", "lessons", "usage", "next_cursor", "jobs"}  # the shape clients know


async def generate(callers: Callers, who: str, topic: str) -> str:
    answer = await callers.api.call(
        "POST", "/v1/lessons/generate", callers.headers[who], json.dumps({"topic": topic}).encode()
    )
    assert answer.status == 201, answer.body
    lesson_id: str = answer.json()["lesson_id"]
    return lesson_id


async def export(callers: Callers, who: str, limit: int = 1) -> dict[str, list[Any]]:
    """Every page of the caller's export, followed to the end, each list joined."""
    joined: dict[str, list[Any]] = {"lessons": [], "deleted_lessons": [], "repairs": []}
    target = f"/v1/me/export?limit={limit}"
    while True:
        page = await callers.api.call("GET", target, callers.headers[who])
        assert page.status == 200, page.body
        body = page.json()
        assert set(body) >= EXPORT_KEYS
        for name, items in joined.items():
            items += body[name]
        if body["next_cursor"] is None:
            return joined
        target = f"/v1/me/export?limit={limit}&cursor={body['next_cursor']}"


def repairing(callers: Callers, count: int) -> None:
    """Every generation's first lesson is invalid, and its one repair makes it valid."""
    container = callers.api.container
    container.structurer.override(providers.Object(FakeStructurer([INVALID] * count)))
    container.repairer.override(providers.Object(FakeRepairer([VALID] * count)))


@pytest.mark.parametrize("store", STORES)
async def test_the_export_holds_deleted_lessons_and_repairs_and_erasure_takes_them(
    tmp_path: Path,
    cognito_pool: Pool,
    moto_proxy: DynamoProxy,
    monkeypatch: pytest.MonkeyPatch,
    store: str,
) -> None:
    callers = await open_callers(
        tmp_path, cognito_pool, store, moto_proxy, monkeypatch, DGS_DELETED_RETENTION_DAYS="2"
    )
    api, headers = callers.api, callers.headers
    repairing(callers, 3)
    async with api.client:
        tides = await generate(callers, "u0", "Tides")
        volcanoes = await generate(callers, "u0", "Volcanoes")
        await generate(callers, "u1", "Deserts")
        deleted = await api.call("DELETE", f"/v1/lessons/{tides}", headers["u0"])
        assert deleted.status == 204, deleted.body

        mine = await export(callers, "u0")
        assert [lesson["lesson_id"] for lesson in mine["lessons"]] == [volcanoes]
        (gone,) = mine["deleted_lessons"]
        assert (gone["lesson_id"], gone["topic"], gone["status"]) == (tides, "Tides", "deleted")
        assert gone["lesson_json"]["title"] == VALID["title"]  # whole, as for a kept lesson
        purge_after = api.clock.now() + timedelta(days=2)
        assert gone["purge_after"] == purge_after.isoformat().replace("+00:00", "Z")
        assert len(mine["repairs"]) == 2  # one per generation of the caller's
        for kept in mine["repairs"]:
            assert kept["outcome"] == "valid"
            assert kept["record"]["invalid_lesson"] == INVALID
            assert kept["record"]["repaired_lesson"] == VALID
        theirs = await export(callers, "u1", limit=20)
        assert (len(theirs["repairs"]), theirs["deleted_lessons"]) == (1, [])

        erased = await api.call("DELETE", "/v1/me?confirm=true", headers["u0"])
        assert erased.status == 200, erased.body
        assert await export(callers, "u0") == {"lessons": [], "deleted_lessons": [], "repairs": []}
        log = [logged async for logged in api.container.repair_log().read()]
        assert [e.record.owner for e in log if e.record] == [callers.owners["u1"]]
        assert len((await export(callers, "u1"))["repairs"]) == 1  # another caller's stay


@pytest.mark.parametrize("store", STORES)
async def test_an_export_cursor_is_the_callers_and_unforgeable(
    tmp_path: Path,
    cognito_pool: Pool,
    moto_proxy: DynamoProxy,
    monkeypatch: pytest.MonkeyPatch,
    store: str,
) -> None:
    callers = await open_callers(tmp_path, cognito_pool, store, moto_proxy, monkeypatch)
    api, headers = callers.api, callers.headers
    async with api.client:
        await generate(callers, "u0", "Tides")
        page = await api.call("GET", "/v1/me/export?limit=1", headers["u0"])
        cursor = page.json()["next_cursor"]  # past the lessons: into the deleted ones
        assert cursor is not None
        other = await api.call("GET", f"/v1/me/export?cursor={cursor}", headers["u1"])
        assert (other.status, other.json()["code"]) == (400, "foreign_cursor")
        forged = await api.call("GET", f"/v1/me/export?cursor={cursor[:-3]}abc", headers["u0"])
        assert (forged.status, forged.json()["code"]) == (400, "invalid_cursor")
        assert forged.headers["content-type"] == "application/problem+json"
        rest = await api.call("GET", f"/v1/me/export?cursor={cursor}", headers["u0"])
        assert rest.status == 200
        assert (rest.json()["lessons"], rest.json()["next_cursor"]) == ([], None)
