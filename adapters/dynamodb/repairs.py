"""``RepairLog`` on DynamoDB: items under ``pk=REPAIR``, newest last, expiring by TTL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from adapters.dynamodb import codec
from adapters.dynamodb.client import DynamoTable
from adapters.serialization import logged_repair, parse_timestamp, repair_blob, timestamp
from application.ports.clock import Clock, IdGenerator
from application.ports.generation import LoggedRepair, RepairRecord

REPAIR_PK = "REPAIR"
# Items read per Query: a page is at most this many times 128 KiB (DynamoDB also stops a
# page at 1 MB of items read).
READ_PAGE = 64


class DynamoRepairLog:
    """Repair records in the lesson table: gzip-compressed JSON, deleted by TTL after ``ttl``."""

    def __init__(
        self,
        table: DynamoTable,
        clock: Clock,
        ids: IdGenerator,
        ttl: timedelta,
        *,
        page_size: int = READ_PAGE,
    ) -> None:
        self._table = table
        self._clock = clock
        self._ids = ids
        self._ttl = ttl
        self._page_size = page_size

    async def record(self, repair: RepairRecord) -> None:
        """Store one repair record (capped in size, so it always fits an item)."""
        blob = await asyncio.to_thread(repair_blob, repair)  # compressing is CPU work
        now = self._clock.now()
        item = {
            "pk": REPAIR_PK,
            "sk": f"{timestamp(now)}#{self._ids.lesson_id()}",
            "outcome": repair.outcome,
            "record_gz": blob,
            "ttl": int((now + self._ttl).timestamp()),
        }
        codec.guard_size(item)
        await self._table.call(
            "put_item", TableName=self._table.name, Item=codec.to_attributes(item)
        )

    async def read(self, since: datetime | None = None) -> AsyncIterator[LoggedRepair]:
        """Records not expired, made at or after ``since``, oldest first: a Query per page.

        One key range of the repair partition (never a Scan), starting at ``since`` or at
        the time to live ago, whichever is later (as on SQLite). DynamoDB deletes expired
        items some time after their ``ttl``, and until then they still appear in queries
        (AWS, DynamoDB developer guide, "Working with Time to Live"): they are filtered out.
        """
        now = self._clock.now()
        low = max(since, now - self._ttl) if since else now - self._ttl
        arguments: dict[str, Any] = {
            "TableName": self._table.name,
            "KeyConditionExpression": "pk = :pk AND sk >= :low",
            "FilterExpression": "#ttl > :now",
            "ExpressionAttributeNames": {"#ttl": "ttl"},  # TTL is a reserved word
            "ExpressionAttributeValues": {
                ":pk": codec.value(REPAIR_PK),
                ":low": codec.value(timestamp(low)),
                ":now": codec.value(int(now.timestamp())),
            },
            "ConsistentRead": True,
            "Limit": self._page_size,
        }
        while True:
            response = await self._table.call("query", **arguments)
            decoded = await asyncio.to_thread(_decode, response.get("Items", []))
            for repair in decoded:
                yield repair
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            arguments["ExclusiveStartKey"] = last


def _decode(items: list[dict[str, Any]]) -> list[LoggedRepair]:
    found = []
    for attributes in items:
        item = codec.from_attributes(attributes)
        created, _, repair_id = item["sk"].partition("#")
        found.append(
            logged_repair(repair_id, parse_timestamp(created), item["outcome"], item["record_gz"])
        )
    return found
