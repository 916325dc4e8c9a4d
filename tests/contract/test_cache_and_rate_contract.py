"""The Cache and RateLimiter contracts, for every store."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from application.ports.rate_limit import BucketPolicy
from tests.contract.conftest import Stores


async def test_cache_values_expire_after_their_ttl(stores: Stores) -> None:
    assert await stores.cache.get("topic:photosynthesis") is None
    await stores.cache.put("topic:photosynthesis", '{"idm": 1}', timedelta(minutes=10))
    assert await stores.cache.get("topic:photosynthesis") == '{"idm": 1}'
    stores.clock.advance(timedelta(minutes=9, seconds=59))
    assert await stores.cache.get("topic:photosynthesis") == '{"idm": 1}'
    stores.clock.advance(timedelta(seconds=1))
    assert await stores.cache.get("topic:photosynthesis") is None
    await stores.cache.put("topic:photosynthesis", "second", timedelta(minutes=1))
    assert await stores.cache.get("topic:photosynthesis") == "second"


async def test_large_cache_values_round_trip(stores: Stores) -> None:
    value = "ü" * 50_000
    await stores.cache.put("big", value, timedelta(minutes=1))
    assert await stores.cache.get("big") == value


async def test_fifty_concurrent_takes_on_a_bucket_of_five_allow_exactly_five(
    stores: Stores,
) -> None:
    policy = BucketPolicy(capacity=5, refill_per_second=0.0)
    results = await asyncio.gather(*(stores.rate.take("client-a", policy) for _ in range(50)))
    assert sum(r.allowed for r in results) == 5
    assert all(r.retry_after > timedelta(0) for r in results if not r.allowed)


async def test_buckets_refill_with_time_and_say_how_long_to_wait(stores: Stores) -> None:
    policy = BucketPolicy(capacity=2, refill_per_second=0.5)  # one token every 2 s
    assert (await stores.rate.take("client-b", policy)).allowed
    assert (await stores.rate.take("client-b", policy)).allowed
    empty = await stores.rate.take("client-b", policy)
    assert not empty.allowed
    assert empty.retry_after == timedelta(seconds=2)
    stores.clock.advance(timedelta(seconds=1))
    assert (await stores.rate.take("client-b", policy)).retry_after == timedelta(seconds=1)
    stores.clock.advance(timedelta(seconds=1))
    assert (await stores.rate.take("client-b", policy)).allowed
    assert (await stores.rate.take("client-c", policy)).allowed  # buckets are per identity
    stores.clock.advance(timedelta(hours=1))
    results = [await stores.rate.take("client-b", policy) for _ in range(3)]
    assert [r.allowed for r in results] == [True, True, False]  # never more than capacity
