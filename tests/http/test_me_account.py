"""/v1/me, monthly quotas, export and erasure (issue 14), on both stores.

Only a generation that runs spends the caller's month: a cache hit, a replay and a
refused request are free. Past the quota, 429 ``quota_exceeded`` with the reset time,
exactly at the quota even under concurrent requests. The export holds all of the
caller's lessons and nothing else; after ``DELETE /v1/me`` it holds nothing.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.http.auth_api import GENERATE, bearer, lambda_call, token_lambda_settings
from tests.http.conftest import fresh_lambda
from tests.http.owners import Callers, open_callers
from tests.support.cognito import Pool
from tests.support.dynamo_proxy import DynamoProxy

STORES = ["sqlite", "dynamodb"]


def _topic(name: str) -> bytes:
    return json.dumps({"topic": name}).encode()


async def _generate(callers: Callers, who: str, body: bytes, **headers: str) -> int:
    answer = await callers.api.call(
        "POST", "/v1/lessons/generate", {**callers.headers[who], **headers}, body
    )
    return answer.status


async def _me(callers: Callers, who: str) -> dict[str, object]:
    answer = await callers.api.call("GET", "/v1/me", callers.headers[who])
    assert answer.status == 200, answer.body
    me: dict[str, object] = answer.json()
    return me


@pytest.mark.parametrize("store", STORES)
async def test_me_counts_lessons_and_only_generations_that_ran(
    tmp_path: Path,
    cognito_pool: Pool,
    moto_proxy: DynamoProxy,
    monkeypatch: pytest.MonkeyPatch,
    store: str,
) -> None:
    callers = await open_callers(
        tmp_path, cognito_pool, store, moto_proxy, monkeypatch, DGS_MONTHLY_QUOTA="5"
    )
    async with callers.api.client:
        assert await _generate(callers, "u0", GENERATE) == 201  # runs: 1
        assert await _generate(callers, "u0", GENERATE) == 201  # cache hit: free
        keyed = {"Idempotency-Key": "one"}
        assert await _generate(callers, "u0", _topic("Volcanoes"), **keyed) == 201  # runs: 2
        assert await _generate(callers, "u0", _topic("Volcanoes"), **keyed) == 201  # replay
        assert await _generate(callers, "u0", _topic("")) == 422  # refused: free
        me = await _me(callers, "u0")
        other = await _me(callers, "u1")
    now = datetime.now(UTC)
    next_month = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)
    assert me["lessons"] == 3
    assert me["usage"] == {
        "month": f"{now:%Y-%m}",
        "generations": 2,
        "quota": 5,
        "remaining": 3,
        "resets_at": next_month.isoformat().replace("+00:00", "Z"),
    }
    limits = {limit["policy"]: limit for limit in me["rate_limits"]}  # type: ignore[attr-defined]
    assert set(limits) == {"client", "daily"}
    assert limits["client"]["remaining"] == 100_000 - 3  # three generations took a token
    assert (other["lessons"], other["usage"]["generations"]) == (0, 0)  # type: ignore[index]


@pytest.mark.parametrize("store", STORES)
async def test_over_the_monthly_quota_is_429_quota_exceeded_exactly_at_the_quota(
    tmp_path: Path,
    cognito_pool: Pool,
    moto_proxy: DynamoProxy,
    monkeypatch: pytest.MonkeyPatch,
    store: str,
) -> None:
    callers = await open_callers(
        tmp_path, cognito_pool, store, moto_proxy, monkeypatch, DGS_MONTHLY_QUOTA="3"
    )
    api = callers.api
    async with api.client:
        topics = [f"Topic {n}" for n in range(8)]
        answers = await asyncio.gather(
            *(
                api.call("POST", "/v1/lessons/generate", callers.headers["u0"], _topic(t))
                for t in topics
            )
        )
        statuses = sorted(answer.status for answer in answers)
        assert statuses == [201] * 3 + [429] * 5  # atomic: never a fourth
        refused = next(answer for answer in answers if answer.status == 429)
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "quota_exceeded"
        assert int(refused.headers["retry-after"]) > 0
        assert "resets at" in refused.json()["detail"]
        made = next(t for t, answer in zip(topics, answers, strict=True) if answer.status == 201)
        calls = api.calls.count
        assert await _generate(callers, "u0", _topic(made)) == 201  # a cache hit is free
        assert api.calls.count == calls
        assert await _generate(callers, "u1", _topic("Topic new")) == 201  # per caller
        assert (await _me(callers, "u0"))["usage"]["remaining"] == 0  # type: ignore[index]


@pytest.mark.parametrize("store", STORES)
async def test_export_pages_through_the_callers_lessons_and_erasure_empties_it(
    tmp_path: Path,
    cognito_pool: Pool,
    moto_proxy: DynamoProxy,
    monkeypatch: pytest.MonkeyPatch,
    store: str,
) -> None:
    callers = await open_callers(tmp_path, cognito_pool, store, moto_proxy, monkeypatch)
    api, headers = callers.api, callers.headers
    async with api.client:
        for topic in ("Tides", "Volcanoes", "Glaciers"):
            assert (
                await _generate(callers, "u0", _topic(topic), **{"Idempotency-Key": topic}) == 201
            )
        assert await _generate(callers, "u1", _topic("Deserts")) == 201
        exported: list[dict[str, object]] = []
        target = "/v1/me/export?limit=2"
        while True:
            page = await api.call("GET", target, headers["u0"])
            assert page.status == 200, page.body
            exported += page.json()["lessons"]
            assert page.json()["usage"]["generations"] == 3
            if page.json()["next_cursor"] is None:
                break
            target = f"/v1/me/export?limit=2&cursor={page.json()['next_cursor']}"
        assert sorted(str(lesson["topic"]) for lesson in exported) == [
            "Glaciers",
            "Tides",
            "Volcanoes",
        ]
        assert all(isinstance(lesson["lesson_json"], dict) for lesson in exported)

        unconfirmed = await api.call("DELETE", "/v1/me", headers["u0"])
        assert (unconfirmed.status, unconfirmed.json()["code"]) == (400, "confirmation_required")
        erased = await api.call("DELETE", "/v1/me?confirm=true", headers["u0"])
        assert (erased.status, erased.json()) == (200, {"erased_lessons": 3})
        again = await api.call("DELETE", "/v1/me?confirm=true", headers["u0"])
        assert (again.status, again.json()) == (200, {"erased_lessons": 0})  # idempotent
        empty = (await api.call("GET", "/v1/me/export", headers["u0"])).json()
        assert (empty["lessons"], empty["usage"]["generations"]) == ([], 0)
        for lesson in exported:
            gone = await api.call("GET", f"/v1/lessons/{lesson['lesson_id']}", headers["u0"])
            assert gone.status == 404
        # The idempotency keys went too: the same key now makes a new lesson.
        replay = await api.call(
            "POST",
            "/v1/lessons/generate",
            {**headers["u0"], "Idempotency-Key": "Tides"},
            _topic("Tides"),
        )
        assert "idempotent-replayed" not in replay.headers
        assert (await _me(callers, "u1"))["lessons"] == 1  # another caller's data stays


def test_export_through_lambda(
    tmp_path: Path, cognito_pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = cognito_pool.user().access
    settings = token_lambda_settings(tmp_path, cognito_pool.settings())
    with fresh_lambda(monkeypatch, settings) as module:
        assert (
            lambda_call(module, "POST", "/v1/lessons/generate", bearer(token), GENERATE).status
            == 201
        )
        exported = lambda_call(module, "GET", "/v1/me/export", bearer(token))
        erased = lambda_call(module, "DELETE", "/v1/me?confirm=true", bearer(token))
        after = lambda_call(module, "GET", "/v1/me/export", bearer(token))
    assert [lesson["topic"] for lesson in exported.json()["lessons"]] == ["Tides"]
    assert erased.json() == {"erased_lessons": 1}
    assert after.json()["lessons"] == []
