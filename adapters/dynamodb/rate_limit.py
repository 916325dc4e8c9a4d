"""``RateLimiter`` on DynamoDB.

A token bucket is read, refilled and written on condition of the version read (retried
when another request wrote first). A day's count is one conditional ``UpdateItem``: ADD
one if the count is still under the budget, atomically on DynamoDB's side.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from adapters.dynamodb import codec, keys
from adapters.dynamodb.client import ConditionFailed, DynamoTable
from application.errors import StoreUnavailableError
from application.ports.clock import Clock
from application.ports.rate_limit import (
    Bucket,
    BucketPolicy,
    DailyCount,
    TakeResult,
    full_at,
    month_identity,
    next_utc_midnight,
    next_utc_month,
    peek_at,
    refunded,
    take_from,
    utc_day,
    utc_month,
)

MAX_CONTENTION_ROUNDS = 64  # each lost round means another request took a token meanwhile
# DynamoDB's TTL deletes a bucket once it would be full again (it then reads as no bucket),
# and a day's counter after its day; the margin covers clock differences.
_TTL_MARGIN = timedelta(minutes=1)


class DynamoRateLimiter:
    """Token buckets (conditional on the version read) and day counters (conditional ADD)."""

    def __init__(self, table: DynamoTable, clock: Clock) -> None:
        self._table = table
        self._clock = clock

    async def take(self, identity: str, policy: BucketPolicy) -> TakeResult:
        """Take a token if there is one, retrying the read-modify-write when beaten to it."""
        for _ in range(MAX_CONTENTION_ROUNDS):
            stored = await self._read(keys.rate_key(identity))
            now = self._clock.now().timestamp()
            updated, result = take_from(_bucket(stored), policy, now)
            if not result.allowed:
                return result  # nothing to write: an empty bucket refills by time alone
            try:
                await self._put(identity, stored, updated, policy)
            except ConditionFailed:
                continue
            return result
        raise StoreUnavailableError(f"rate limit bucket {identity!r} is too contended")

    async def _put(
        self, identity: str, stored: dict[str, Any] | None, updated: Bucket, policy: BucketPolicy
    ) -> None:
        """Write the bucket on condition of the version read (``ConditionFailed`` if beaten)."""
        item: dict[str, Any] = {
            **keys.rate_key(identity),
            "tokens": updated.tokens,
            "updated_at": updated.updated_at,
            "version": 1 if stored is None else int(stored["version"]) + 1,
        }
        full = full_at(updated, policy)
        if full is not None:  # a bucket that never refills never expires
            item["ttl"] = math.ceil(full + _TTL_MARGIN.total_seconds())
        condition = (
            {"ConditionExpression": "attribute_not_exists(pk)"}
            if stored is None
            else {
                "ConditionExpression": "version = :version",
                "ExpressionAttributeValues": {":version": codec.value(int(stored["version"]))},
            }
        )
        await self._table.call(
            "put_item", TableName=self._table.name, Item=codec.to_attributes(item), **condition
        )

    async def peek(self, identity: str, policy: BucketPolicy) -> TakeResult:
        """The bucket as a take would find it now (one consistent read)."""
        stored = await self._read(keys.rate_key(identity))
        return peek_at(_bucket(stored), policy, self._clock.now().timestamp())

    async def count_today(self, identity: str, budget: int) -> DailyCount:
        """One UpdateItem: ADD 1 on condition that the count is under ``budget``."""
        now = self._clock.now()
        return await self._count_in(identity, utc_day(now), budget, now, next_utc_midnight(now))

    async def counted_today(self, identity: str, budget: int) -> DailyCount:
        """Today's count (one consistent read)."""
        now = self._clock.now()
        return await self._counted(identity, utc_day(now), now, next_utc_midnight(now))

    async def count_this_month(self, identity: str, budget: int) -> DailyCount:
        """One UpdateItem on the month's counter, as ``count_today`` on the day's."""
        now = self._clock.now()
        counter, month, reset = month_identity(identity), utc_month(now), next_utc_month(now)
        return await self._count_in(counter, month, budget, now, reset)

    async def counted_this_month(self, identity: str) -> DailyCount:
        """The current month's count (one consistent read)."""
        now = self._clock.now()
        month, reset = utc_month(now), next_utc_month(now)
        return await self._counted(month_identity(identity), month, now, reset)

    async def forget(self, identity: str) -> None:
        """Delete the identity's bucket and its current day and month counters."""
        now = self._clock.now()
        for key in (
            keys.rate_key(identity),
            keys.day_key(identity, utc_day(now)),
            keys.day_key(month_identity(identity), utc_month(now)),
        ):
            await self._table.call(
                "delete_item", TableName=self._table.name, Key=codec.to_attributes(key)
            )

    async def _count_in(
        self, identity: str, period: str, budget: int, now: datetime, reset: datetime
    ) -> DailyCount:
        try:
            response = await self._table.call(
                "update_item",
                TableName=self._table.name,
                Key=codec.to_attributes(keys.day_key(identity, period)),
                UpdateExpression="ADD #count :one SET #ttl = :ttl",
                ConditionExpression="attribute_not_exists(#count) OR #count < :budget",
                ExpressionAttributeNames={"#count": "count", "#ttl": "ttl"},
                ExpressionAttributeValues={
                    ":one": codec.value(1),
                    ":budget": codec.value(budget),
                    ":ttl": codec.value(int((reset + _TTL_MARGIN).timestamp())),
                },
                ReturnValues="UPDATED_NEW",
            )
        except ConditionFailed:
            return DailyCount(False, budget, reset - now)
        used = int(codec.from_attributes(response["Attributes"])["count"])
        return DailyCount(True, used, reset - now)

    async def _counted(
        self, identity: str, period: str, now: datetime, reset: datetime
    ) -> DailyCount:
        stored = await self._read(keys.day_key(identity, period))
        used = 0 if stored is None else int(stored["count"])
        return DailyCount(True, used, reset - now)

    async def refund(self, identity: str, policy: BucketPolicy) -> None:
        """Put a token back, on condition of the version read (no bucket: it is full)."""
        for _ in range(MAX_CONTENTION_ROUNDS):
            stored = await self._read(keys.rate_key(identity))
            bucket = _bucket(stored)
            if bucket is None:
                return
            updated = refunded(bucket, policy, self._clock.now().timestamp())
            try:
                await self._put(identity, stored, updated, policy)
            except ConditionFailed:
                continue
            return
        raise StoreUnavailableError(f"rate limit bucket {identity!r} is too contended")

    async def refund_day(self, identity: str, day: str) -> None:
        """One UpdateItem: ADD -1 on condition that the day's count is above 0."""
        try:
            await self._table.call(
                "update_item",
                TableName=self._table.name,
                Key=codec.to_attributes(keys.day_key(identity, day)),
                UpdateExpression="ADD #count :minus_one",
                ConditionExpression="#count > :zero",
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues={
                    ":minus_one": codec.value(-1),
                    ":zero": codec.value(0),
                },
            )
        except ConditionFailed:
            return  # nothing counted that day (or its counter expired): nothing to give back

    async def _read(self, key: dict[str, str]) -> dict[str, Any] | None:
        response = await self._table.call(
            "get_item",
            TableName=self._table.name,
            Key=codec.to_attributes(key),
            ConsistentRead=True,
        )
        return codec.from_attributes(response["Item"]) if "Item" in response else None


def _bucket(stored: dict[str, Any] | None) -> Bucket | None:
    if stored is None:
        return None
    return Bucket(float(stored["tokens"]), float(stored["updated_at"]))
