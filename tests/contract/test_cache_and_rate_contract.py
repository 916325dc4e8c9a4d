"""The Cache and RateLimiter contracts, for every store."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from application.ports.rate_limit import BucketPolicy, utc_day
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


async def test_a_peek_reports_the_bucket_without_taking(stores: Stores) -> None:
    policy = BucketPolicy(capacity=3, refill_per_second=1 / 60)  # a token a minute
    fresh = await stores.rate.peek("client-p", policy)
    assert (fresh.allowed, fresh.remaining) == (True, 3)
    taken = await stores.rate.take("client-p", policy)
    assert (taken.allowed, taken.remaining, taken.next_token) == (True, 2, timedelta(minutes=1))
    stores.clock.advance(timedelta(seconds=15))
    for _ in range(2):  # peeks change nothing
        peeked = await stores.rate.peek("client-p", policy)
        assert (peeked.remaining, peeked.next_token) == (2, timedelta(seconds=45))
    await stores.rate.take("client-p", policy)
    last = await stores.rate.take("client-p", policy)
    assert (last.allowed, last.remaining) == (True, 0)
    refused = await stores.rate.take("client-p", policy)
    assert (refused.allowed, refused.remaining) == (False, 0)
    assert refused.retry_after == refused.next_token == timedelta(seconds=45)


async def test_the_daily_budget_counts_per_utc_calendar_day(stores: Stores) -> None:
    stores.clock.advance(timedelta(hours=-9))  # midnight UTC, 21 November
    counted = [await stores.rate.count_today("global", 3) for _ in range(4)]
    assert [c.allowed for c in counted] == [True, True, True, False]
    assert [c.used for c in counted] == [1, 2, 3, 3]
    assert counted[0].resets_after == timedelta(days=1)
    stores.clock.advance(timedelta(hours=23, minutes=59, seconds=59))
    late = await stores.rate.count_today("global", 3)  # a refilling bucket would admit it
    assert (late.allowed, late.used, late.resets_after) == (False, 3, timedelta(seconds=1))
    assert (await stores.rate.counted_today("global", 3)).used == 3
    stores.clock.advance(timedelta(seconds=1))  # 22 November: a new day, a new count
    assert (await stores.rate.counted_today("global", 3)).used == 0
    fresh = await stores.rate.count_today("global", 3)
    assert (fresh.allowed, fresh.used, fresh.resets_after) == (True, 1, timedelta(days=1))
    assert (await stores.rate.count_today("another", 3)).used == 1  # counters are per identity


async def test_fifty_concurrent_counts_with_a_budget_of_five_allow_exactly_five(
    stores: Stores,
) -> None:
    results = await asyncio.gather(*(stores.rate.count_today("global", 5) for _ in range(50)))
    assert sum(r.allowed for r in results) == 5
    assert sorted(r.used for r in results if r.allowed) == [1, 2, 3, 4, 5]
    assert (await stores.rate.counted_today("global", 5)).used == 5


async def test_a_refund_puts_back_one_token_never_above_capacity(stores: Stores) -> None:
    policy = BucketPolicy(capacity=2, refill_per_second=0.0)
    assert [(await stores.rate.take("client-r", policy)).allowed for _ in range(3)] == [
        True, True, False,
    ]  # fmt: skip
    await stores.rate.refund("client-r", policy)
    assert (await stores.rate.peek("client-r", policy)).remaining == 1
    assert (await stores.rate.take("client-r", policy)).allowed
    await asyncio.gather(*(stores.rate.refund("client-r", policy) for _ in range(10)))
    assert (await stores.rate.peek("client-r", policy)).remaining == 2  # never above capacity
    await stores.rate.refund("never-took", policy)  # no bucket: already full
    assert (await stores.rate.peek("never-took", policy)).remaining == 2


async def test_concurrent_refunds_each_give_back_exactly_one(stores: Stores) -> None:
    policy = BucketPolicy(capacity=20, refill_per_second=0.0)
    await asyncio.gather(*(stores.rate.take("client-c", policy) for _ in range(20)))
    await asyncio.gather(*(stores.rate.refund("client-c", policy) for _ in range(7)))
    assert (await stores.rate.peek("client-c", policy)).remaining == 7


async def test_a_day_refund_uncounts_one_from_that_day_never_below_zero(stores: Stores) -> None:
    for _ in range(3):
        await stores.rate.count_today("global", 5)
    day = utc_day(stores.clock.now())
    await asyncio.gather(*(stores.rate.refund_day("global", day) for _ in range(2)))
    assert (await stores.rate.counted_today("global", 5)).used == 1
    await asyncio.gather(*(stores.rate.refund_day("global", day) for _ in range(3)))
    assert (await stores.rate.counted_today("global", 5)).used == 0
    await stores.rate.refund_day("global", "2026-11-20")  # another day's: nothing to give back
    assert (await stores.rate.count_today("global", 5)).used == 1
