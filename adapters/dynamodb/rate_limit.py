"""``RateLimiter`` on DynamoDB: read, refill, conditional write; retried on contention."""

from __future__ import annotations

import math
from typing import Any

from adapters.dynamodb import codec, keys
from adapters.dynamodb.client import ConditionFailed, DynamoTable
from application.errors import StoreUnavailableError
from application.ports.clock import Clock
from application.ports.rate_limit import Bucket, BucketPolicy, TakeResult, full_at, take_from

MAX_CONTENTION_ROUNDS = 64  # each lost round means another request took a token meanwhile
# DynamoDB's TTL deletes a bucket once it would be full again (it then reads as no bucket);
# the margin covers clock differences, as deletion is never early by DynamoDB's own clock.
_TTL_MARGIN_SECONDS = 60


class DynamoRateLimiter:
    """Token buckets; exact because each write is conditional on the version it read."""

    def __init__(self, table: DynamoTable, clock: Clock) -> None:
        self._table = table
        self._clock = clock

    async def take(self, identity: str, policy: BucketPolicy) -> TakeResult:
        """Take a token if there is one, retrying the read-modify-write when beaten to it."""
        key = codec.to_attributes(keys.rate_key(identity))
        for _ in range(MAX_CONTENTION_ROUNDS):
            response = await self._table.call(
                "get_item", TableName=self._table.name, Key=key, ConsistentRead=True
            )
            stored = codec.from_attributes(response["Item"]) if "Item" in response else None
            bucket = (
                None
                if stored is None
                else Bucket(float(stored["tokens"]), float(stored["updated_at"]))
            )
            now = self._clock.now().timestamp()
            updated, result = take_from(bucket, policy, now)
            if not result.allowed:
                return result  # nothing to write: an empty bucket refills by time alone
            item: dict[str, Any] = {
                **keys.rate_key(identity),
                "tokens": updated.tokens,
                "updated_at": updated.updated_at,
                "version": 1 if stored is None else int(stored["version"]) + 1,
            }
            full = full_at(updated, policy)
            if full is not None:  # a bucket that never refills never expires
                item["ttl"] = math.ceil(full) + _TTL_MARGIN_SECONDS
            condition = (
                {"ConditionExpression": "attribute_not_exists(pk)"}
                if stored is None
                else {
                    "ConditionExpression": "version = :version",
                    "ExpressionAttributeValues": {":version": codec.value(int(stored["version"]))},
                }
            )
            try:
                await self._table.call(
                    "put_item",
                    TableName=self._table.name,
                    Item=codec.to_attributes(item),
                    **condition,
                )
            except ConditionFailed:
                continue
            return result
        raise StoreUnavailableError(f"rate limit bucket {identity!r} is too contended")
