"""Each caller sees only its own lessons over HTTP (issue 14), on both stores.

Another caller's lesson answers GET and PATCH exactly as a missing one (404, the same
problem), listings hold only the caller's lessons, a cursor is refused to anyone but the
caller it was issued to, and the same Idempotency-Key is a different key per caller.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.http.auth_api import GENERATE, bearer, lambda_call, token_lambda_settings
from tests.http.conftest import fresh_lambda
from tests.http.owners import open_callers
from tests.support.cognito import Pool
from tests.support.dynamo_proxy import DynamoProxy

STORES = ["sqlite", "dynamodb"]


def _without_id(body: bytes, lesson_id: str) -> dict[str, object]:
    problem: dict[str, object] = json.loads(body.decode().replace(lesson_id, "ID"))
    problem.pop("request_id")  # each request's own
    return problem


@pytest.mark.parametrize("store", STORES)
async def test_another_callers_lesson_answers_as_a_missing_one(
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
        assert created.status == 201, created.body
        lesson_id = created.json()["lesson_id"]
        missing = str(uuid.uuid4())
        patch = b'{"tags_add": ["stolen"]}'
        for intruder in ("u1", "dev"):
            for method, body in (("GET", b""), ("PATCH", patch)):
                foreign = await api.call(
                    method, f"/v1/lessons/{lesson_id}", headers[intruder], body
                )
                absent = await api.call(method, f"/v1/lessons/{missing}", headers[intruder], body)
                assert (foreign.status, absent.status) == (404, 404)
                assert foreign.headers["content-type"] == absent.headers["content-type"]
                assert _without_id(foreign.body, lesson_id) == _without_id(absent.body, missing)
            listed = await api.call("GET", "/v1/lessons", headers[intruder])
            assert listed.json()["items"] == []
        mine = await api.call("GET", f"/v1/lessons/{lesson_id}", headers["u0"])
        assert mine.status == 200
        assert mine.json()["tags"] == []  # no intruder's patch landed
        assert mine.json()["version"] == 1


@pytest.mark.parametrize("store", STORES)
async def test_a_cursor_is_refused_to_another_caller(
    tmp_path: Path,
    cognito_pool: Pool,
    moto_proxy: DynamoProxy,
    monkeypatch: pytest.MonkeyPatch,
    store: str,
) -> None:
    callers = await open_callers(tmp_path, cognito_pool, store, moto_proxy, monkeypatch)
    api, headers = callers.api, callers.headers
    async with api.client:
        for topic in ("Tides", "Volcanoes"):
            body = json.dumps({"topic": topic}).encode()
            assert (
                await api.call("POST", "/v1/lessons/generate", headers["u0"], body)
            ).status == 201
        first = await api.call("GET", "/v1/lessons?limit=1", headers["u0"])
        cursor = first.json()["next_cursor"]
        assert cursor
        for intruder in ("u1", "dev"):
            refused = await api.call(
                "GET", f"/v1/lessons?limit=1&cursor={cursor}", headers[intruder]
            )
            assert refused.status == 400
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["code"] == "foreign_cursor"
        second = await api.call("GET", f"/v1/lessons?limit=1&cursor={cursor}", headers["u0"])
        assert second.status == 200
        assert len(second.json()["items"]) == 1


@pytest.mark.parametrize("store", STORES)
async def test_one_idempotency_key_is_each_callers_own(
    tmp_path: Path,
    cognito_pool: Pool,
    moto_proxy: DynamoProxy,
    monkeypatch: pytest.MonkeyPatch,
    store: str,
) -> None:
    callers = await open_callers(tmp_path, cognito_pool, store, moto_proxy, monkeypatch)
    api, headers = callers.api, callers.headers
    async with api.client:
        key = {"Idempotency-Key": "same-key-1"}
        first = await api.call("POST", "/v1/lessons/generate", {**headers["u0"], **key}, GENERATE)
        other = await api.call("POST", "/v1/lessons/generate", {**headers["u1"], **key}, GENERATE)
        replay = await api.call("POST", "/v1/lessons/generate", {**headers["u0"], **key}, GENERATE)
    assert (first.status, other.status, replay.status) == (201, 201, 201)
    assert "idempotent-replayed" not in other.headers  # not u0's response replayed
    assert other.json()["lesson_id"] != first.json()["lesson_id"]
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["lesson_id"] == first.json()["lesson_id"]


async def test_the_shared_cache_never_hands_out_another_callers_lesson(
    tmp_path: Path, cognito_pool: Pool
) -> None:
    callers = await open_callers(tmp_path, cognito_pool, "sqlite")
    api, headers = callers.api, callers.headers
    async with api.client:
        first = await api.call("POST", "/v1/lessons/generate", headers["u0"], GENERATE)
        calls = api.calls.count
        second = await api.call("POST", "/v1/lessons/generate", headers["u1"], GENERATE)
        assert api.calls.count == calls  # the same public request: served from the cache
        assert second.json()["lesson_id"] != first.json()["lesson_id"]
        assert second.json()["meta"]["cache"] == "lesson"
        own = await api.call("GET", f"/v1/lessons/{second.json()['lesson_id']}", headers["u1"])
        assert own.status == 200
        theirs = await api.call("GET", f"/v1/lessons/{first.json()['lesson_id']}", headers["u1"])
        assert theirs.status == 404


def test_another_callers_lesson_is_missing_through_lambda(
    tmp_path: Path, cognito_pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, intruder = cognito_pool.user().access, cognito_pool.user().access
    settings = token_lambda_settings(tmp_path, cognito_pool.settings())
    with fresh_lambda(monkeypatch, settings) as module:
        auth = bearer(owner)
        created = lambda_call(module, "POST", "/v1/lessons/generate", auth, GENERATE)
        assert created.status == 201, created.body
        lesson_id = created.json()["lesson_id"]
        other = bearer(intruder)
        foreign = lambda_call(module, "GET", f"/v1/lessons/{lesson_id}", other)
        mine = lambda_call(module, "GET", f"/v1/lessons/{lesson_id}", auth)
    assert (foreign.status, foreign.json()["code"], mine.status) == (404, "not_found", 200)
