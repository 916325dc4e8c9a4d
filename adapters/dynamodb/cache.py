"""``Cache`` on DynamoDB."""

from __future__ import annotations

from datetime import timedelta

from adapters.dynamodb import codec, keys
from adapters.dynamodb.client import DynamoTable
from adapters.serialization import parse_timestamp, timestamp
from application.ports.clock import Clock


class DynamoCache:
    """Cache entries with ``expires_at`` checked on read and a TTL for clean-up."""

    def __init__(self, table: DynamoTable, clock: Clock) -> None:
        self._table = table
        self._clock = clock

    async def get(self, key: str) -> str | None:
        """The value, unless absent or expired."""
        response = await self._table.call(
            "get_item", TableName=self._table.name, Key=codec.to_attributes(keys.cache_key(key))
        )
        if "Item" not in response:
            return None
        item = codec.from_attributes(response["Item"])
        if parse_timestamp(item["expires_at"]) <= self._clock.now():
            return None
        return codec.unpack_text(item, "value")

    async def put(self, key: str, value: str, ttl: timedelta) -> None:
        """Store a value until now + ttl."""
        expiry = self._clock.now() + ttl
        item = {
            **keys.cache_key(key),
            "expires_at": timestamp(expiry),
            "ttl": int(expiry.timestamp()) + 1,
        }
        codec.pack_text(item, "value", value, self._table.settings.compress_above)
        codec.guard_size(item)
        await self._table.call(
            "put_item", TableName=self._table.name, Item=codec.to_attributes(item)
        )
