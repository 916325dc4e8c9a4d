"""Idempotency, rate limits and the cache, through the API."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from tests.http.conftest import KEY, ORIGIN, Api, open_api
from tests.support.fakes import FakeClock

GEN = "/v1/lessons/generate"


async def test_a_completed_key_replays_the_identical_response_without_a_model_call(
    api: Api,
) -> None:
    first = await api.client.post(
        GEN, json={"topic": "Tides", "idempotency_key": "k-1"}, headers=KEY
    )
    calls = api.calls.count
    again = await api.client.post(
        GEN, json={"topic": "Tides"}, headers={**KEY, "Idempotency-Key": "k-1"}
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert api.calls.count == calls
    assert await api.stored() == 1


async def test_a_reused_key_with_another_body_is_422(api: Api) -> None:
    await api.client.post(GEN, json={"topic": "Tides", "idempotency_key": "k-2"}, headers=KEY)
    other = await api.client.post(
        GEN, json={"topic": "Volcanoes", "idempotency_key": "k-2"}, headers=KEY
    )
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    fmt = await api.client.post(
        GEN + "?format=full", json={"topic": "Tides", "idempotency_key": "k-2"}, headers=KEY
    )
    assert fmt.status_code == 422  # another response shape is another request
    assert await api.stored() == 1


async def test_twenty_concurrent_requests_with_one_key_generate_once(api: Api) -> None:
    api.calls.delay = 0.3
    responses = await asyncio.gather(
        *(
            api.client.post(GEN, json={"topic": "Tides", "idempotency_key": "k-3"}, headers=KEY)
            for _ in range(20)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}
    lesson_ids = {r.json()["lesson_id"] for r in responses if r.status_code == 201}
    assert len(lesson_ids) == 1
    for busy in (r for r in responses if r.status_code == 409):
        assert busy.json()["code"] == "idempotency_in_progress"
        assert int(busy.headers["retry-after"]) >= 1
    assert api.calls.count == 2  # one gather, one structure: one generation
    assert await api.stored() == 1


async def test_a_failed_generation_releases_its_key(api: Api) -> None:
    from dependency_injector import providers

    from application.errors import ProviderUnavailableError

    class Down:
        def route_for(self, constraints: object) -> object:
            return api.container.structurer().route_for(constraints)  # type: ignore[arg-type]

        async def gather(self, *args: object) -> object:
            raise ProviderUnavailableError("the provider failed the gatherer step")

    with api.container.gatherer.override(providers.Object(Down())):
        failed = await api.client.post(
            GEN, json={"topic": "Tides", "idempotency_key": "k-4"}, headers=KEY
        )
    assert (failed.status_code, failed.json()["code"]) == (503, "provider_unavailable")
    assert failed.headers["retry-after"]
    assert await api.stored() == 0
    retried = await api.client.post(
        GEN, json={"topic": "Tides", "idempotency_key": "k-4"}, headers=KEY
    )
    assert retried.status_code == 201


async def test_rate_limit_per_client_with_retry_after_and_free_replays(tmp_path: Path) -> None:
    client, _, _ = await open_api(tmp_path, DGS_RATE_LIMIT_PER_HOUR="2")
    async with client:
        assert (
            await client.post(GEN, json={"topic": "A", "idempotency_key": "r-1"}, headers=KEY)
        ).status_code == 201
        assert (
            await client.post(GEN, json={"topic": "  "}, headers=KEY)
        ).status_code == 422  # costs no token
        assert (
            await client.post(GEN, json={"topic": "A", "idempotency_key": "r-1"}, headers=KEY)
        ).status_code == 201  # replay
        assert (await client.post(GEN, json={"topic": "B"}, headers=KEY)).status_code == 201
        limited = await client.post(GEN, json={"topic": "C"}, headers=KEY)
        assert (limited.status_code, limited.json()["code"]) == (429, "rate_limited")
        assert 1700 <= int(limited.headers["retry-after"]) <= 1800  # a token every 30 minutes
        keyed = await client.post(GEN, json={"topic": "D", "idempotency_key": "r-2"}, headers=KEY)
        assert keyed.status_code == 429
        assert (
            await client.post(GEN, json={"topic": "D", "idempotency_key": "r-2"}, headers=KEY)
        ).status_code == 429  # released


async def test_the_daily_budget_limits_every_client(tmp_path: Path) -> None:
    client, _, _ = await open_api(tmp_path, DGS_DAILY_GENERATION_BUDGET="1")
    async with client:
        assert (await client.post(GEN, json={"topic": "A"}, headers=KEY)).status_code == 201
        spent = await client.post(GEN, json={"topic": "B"}, headers=KEY)
        assert spent.status_code == 429
        assert "budget" in spent.json()["detail"]


async def test_the_cache_serves_repeats_and_the_idm_serves_variants(api: Api) -> None:
    first = await api.generate("Tides")
    assert (first["meta"]["cache"], api.calls.count) == (None, 2)
    repeat = await api.generate("  tides ")
    assert repeat["meta"]["cache"] == "lesson"
    assert repeat["lesson_id"] != first["lesson_id"]
    assert repeat["meta"]["usage"] == []
    assert api.calls.count == 2  # no model call
    variant = await api.generate("Tides", constraints={"length": "Highlights"})
    assert variant["meta"]["cache"] == "idm"
    assert api.calls.count == 3  # the structure call only
    bypass = await api.client.post(GEN + "?cache=false", json={"topic": "Tides"}, headers=KEY)
    assert bypass.json()["meta"]["cache"] is None
    assert api.calls.count == 5
    assert await api.stored() == 4


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket(
    tmp_path: Path,
) -> None:
    client, _, _ = await open_api(
        tmp_path, DGS_RATE_LIMIT_PER_HOUR="1", DGS_TRUSTED_PROXY_HEADER="x-forwarded-for"
    )
    async with client:
        first = {**KEY, "X-Forwarded-For": "198.51.100.7, 203.0.113.1"}
        second = {**KEY, "X-Forwarded-For": "198.51.100.7, 203.0.113.2"}
        assert (await client.post(GEN, json={"topic": "A"}, headers=first)).status_code == 201
        assert (await client.post(GEN, json={"topic": "B"}, headers=first)).status_code == 429
        assert (await client.post(GEN, json={"topic": "C"}, headers=second)).status_code == 201


async def test_without_a_trusted_proxy_forwarded_headers_are_ignored(tmp_path: Path) -> None:
    client, _, _ = await open_api(tmp_path, DGS_RATE_LIMIT_PER_HOUR="1")
    async with client:
        assert (
            await client.post(
                GEN, json={"topic": "A"}, headers={**KEY, "X-Forwarded-For": "1.1.1.1"}
            )
        ).status_code == 201
        spoofed = await client.post(
            GEN, json={"topic": "B"}, headers={**KEY, "X-Forwarded-For": "2.2.2.2"}
        )
        assert spoofed.status_code == 429


async def post_with_header_lines(
    client: AsyncTestClient[Any], lines: list[tuple[str, str]], topic: str
) -> int:
    """POST straight to the ASGI app: the test client would merge repeated header lines."""
    body = json.dumps({"topic": topic}).encode()
    headers = [
        (b"host", b"testserver"),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((name.lower().encode(), value.encode()) for name, value in [*KEY.items(), *lines]),
    ]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": GEN, "raw_path": GEN.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }  # fmt: skip
    incoming = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await client.app(scope, receive, send)
    return int(next(m["status"] for m in sent if m["type"] == "http.response.start"))


async def test_the_trusted_proxy_address_is_taken_across_every_header_line(
    tmp_path: Path,
) -> None:
    client, _, _ = await open_api(
        tmp_path, DGS_RATE_LIMIT_PER_HOUR="2", DGS_TRUSTED_PROXY_HEADER="x-forwarded-for"
    )
    async with client:
        statuses = []
        for n in range(5):
            # The client writes its own first line; the proxy appends a line with the
            # address it saw. Lines combine in order (RFC 9110 section 5.3).
            lines = [("X-Forwarded-For", f"10.0.0.{n}"), ("X-Forwarded-For", "203.0.113.9")]
            statuses.append(await post_with_header_lines(client, lines, f"T{n}"))
        assert statuses == [201, 201, 429, 429, 429]


async def test_with_two_trusted_hops_the_client_is_the_second_address_from_the_right(
    tmp_path: Path,
) -> None:
    client, _, _ = await open_api(
        tmp_path,
        DGS_RATE_LIMIT_PER_HOUR="1",
        DGS_TRUSTED_PROXY_HEADER="x-forwarded-for",
        DGS_TRUSTED_PROXY_HOPS="2",
    )

    def through_cdn(spoofed: str, client_address: str) -> list[tuple[str, str]]:
        # the CDN appends the client's address, the load balancer the CDN's
        return [("X-Forwarded-For", spoofed), ("X-Forwarded-For", client_address),
                ("X-Forwarded-For", "198.51.100.1")]  # fmt: skip

    async with client:
        statuses = [
            await post_with_header_lines(client, through_cdn("1.1.1.1", "203.0.113.5"), "A"),
            await post_with_header_lines(client, through_cdn("2.2.2.2", "203.0.113.5"), "B"),
            await post_with_header_lines(client, through_cdn("1.1.1.1", "203.0.113.6"), "C"),
        ]
        assert statuses == [201, 429, 201]
        # Fewer addresses than trusted hops: not what the proxies write, so the socket
        # peer counts (the proxy's own address, shared by every such request).
        short = [("X-Forwarded-For", "203.0.113.7")]
        assert await post_with_header_lines(client, short, "D") == 201
        assert await post_with_header_lines(client, short, "E") == 429


def limits_of(response: httpx.Response) -> dict[str, dict[str, int]]:
    """The RateLimit field's items as {policy: {r, t}}."""
    items = {}
    for item in response.headers["ratelimit"].split(","):
        name, *params = item.strip().split(";")
        items[name.strip('"')] = {k: int(v) for k, v in (p.split("=") for p in params)}
    return items


async def test_the_daily_budget_is_a_utc_calendar_day_counter(tmp_path: Path) -> None:
    client, container, _ = await open_api(tmp_path, DGS_DAILY_GENERATION_BUDGET="2")
    clock = FakeClock(datetime(2026, 11, 21, 0, 0, 10, tzinfo=UTC))
    container.clock.override(providers.Object(clock))
    async with client:
        assert (await client.post(GEN, json={"topic": "A"}, headers=KEY)).status_code == 201
        assert (await client.post(GEN, json={"topic": "B"}, headers=KEY)).status_code == 201
        spent = await client.post(GEN, json={"topic": "C"}, headers=KEY)
        assert (spent.status_code, spent.json()["code"]) == (429, "rate_limited")
        assert "budget" in spent.json()["detail"]
        assert spent.headers["retry-after"] == "86390"  # at midnight UTC, not sooner
        clock.advance(timedelta(hours=12))
        assert (await client.post(GEN, json={"topic": "D"}, headers=KEY)).status_code == 429
        clock.advance(timedelta(hours=11, minutes=59, seconds=40))  # 23:59:50, the same day
        late = await client.post(GEN, json={"topic": "E"}, headers=KEY)
        assert late.status_code == 429  # a refilling bucket had let 999 of 500 through a day
        assert late.headers["retry-after"] == "10"
        clock.advance(timedelta(seconds=10))  # midnight UTC: a new day
        assert (await client.post(GEN, json={"topic": "F"}, headers=KEY)).status_code == 201


async def test_generate_responses_report_both_limits_in_ratelimit_fields(tmp_path: Path) -> None:
    client, container, _ = await open_api(tmp_path, DGS_DAILY_GENERATION_BUDGET="2")
    container.clock.override(
        providers.Object(FakeClock(datetime(2026, 11, 21, 0, 0, 10, tzinfo=UTC)))
    )
    async with client:
        first = await client.post(GEN, json={"topic": "A"}, headers=KEY)
        # draft-ietf-httpapi-ratelimit-headers-11: the policies, then what is left of each
        # (a token every 3.6 s for 1000 an hour; the day ends in 86390 s)
        assert first.headers["ratelimit-policy"] == '"client";q=1000;w=3600, "daily";q=2;w=86400'
        assert limits_of(first) == {"client": {"r": 999, "t": 4}, "daily": {"r": 1, "t": 86390}}
        await client.post(GEN, json={"topic": "B"}, headers=KEY)
        spent = await client.post(GEN, json={"topic": "C"}, headers=KEY)
        assert spent.status_code == 429
        assert spent.headers["ratelimit-policy"] == first.headers["ratelimit-policy"]
        assert limits_of(spent)["daily"] == {"r": 0, "t": 86390}
        # Retry-After is not earlier than the end of the exhausted policy's window (section 6)
        assert spent.headers["retry-after"] == "86390"


async def test_replays_report_the_limits_without_spending_and_429s_report_them_too(
    tmp_path: Path,
) -> None:
    client, container, _ = await open_api(tmp_path, DGS_RATE_LIMIT_PER_HOUR="2")
    container.clock.override(providers.Object(FakeClock()))
    async with client:
        body = {"topic": "A", "idempotency_key": "q-1"}
        created = await client.post(GEN, json=body, headers=KEY)
        replayed = await client.post(GEN, json=body, headers=KEY)
        assert replayed.headers["idempotent-replayed"] == "true"
        assert limits_of(created) == limits_of(replayed)
        assert limits_of(created)["client"]["r"] == 1
        assert (await client.post(GEN, json={"topic": "B"}, headers=KEY)).status_code == 201
        limited = await client.post(GEN, json={"topic": "C"}, headers=KEY)
        assert limited.status_code == 429
        client_limit = limits_of(limited)["client"]
        assert client_limit["r"] == 0
        assert int(limited.headers["retry-after"]) == client_limit["t"] == 1800
        assert limits_of(limited)["daily"]["r"] == 498  # the budget is reported, not spent


async def test_browsers_may_read_the_ratelimit_fields(api: Api) -> None:
    response = await api.client.post(GEN, json={"topic": "A"}, headers={**KEY, "Origin": ORIGIN})
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"ratelimit", "ratelimit-policy", "retry-after"} <= exposed


async def test_the_openapi_document_lists_the_ratelimit_fields(api: Api) -> None:
    document = (await api.client.get("/docs/openapi.json")).json()
    responses = document["paths"]["/v1/lessons/generate"]["post"]["responses"]
    for status in ("201", "429"):
        assert {"RateLimit", "RateLimit-Policy"} <= set(responses[status]["headers"]), status
