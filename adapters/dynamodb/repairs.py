"""``RepairLog`` on DynamoDB: items under ``pk=REPAIR``, newest last, expiring by TTL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from adapters.dynamodb import codec
from adapters.dynamodb.client import DynamoTable
from adapters.serialization import repair_blob, timestamp
from application.ports.clock import Clock, IdGenerator
from application.ports.generation import RepairRecord

REPAIR_PK = "REPAIR"


class DynamoRepairLog:
    """Repair records in the lesson table: gzip-compressed JSON, deleted by TTL after ``ttl``."""

    def __init__(self, table: DynamoTable, clock: Clock, ids: IdGenerator, ttl: timedelta) -> None:
        self._table = table
        self._clock = clock
        self._ids = ids
        self._ttl = ttl

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
