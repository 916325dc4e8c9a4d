"""``RepairLog`` on DynamoDB: items under ``pk=REPAIR``, newest last, no TTL (a dataset)."""

from __future__ import annotations

from adapters.dynamodb import codec
from adapters.dynamodb.client import DynamoTable
from adapters.serialization import repair_json, timestamp
from application.ports.clock import Clock, IdGenerator
from application.ports.generation import RepairRecord

REPAIR_PK = "REPAIR"


class DynamoRepairLog:
    """Repair records in the lesson table."""

    def __init__(self, table: DynamoTable, clock: Clock, ids: IdGenerator) -> None:
        self._table = table
        self._clock = clock
        self._ids = ids

    async def record(self, repair: RepairRecord) -> None:
        """Store one repair record (compressed when large, refused when too large)."""
        created = timestamp(self._clock.now())
        item = {
            "pk": REPAIR_PK,
            "sk": f"{created}#{self._ids.lesson_id()}",
            "outcome": repair.outcome,
        }
        codec.pack_text(item, "record", repair_json(repair), self._table.settings.compress_above)
        codec.guard_size(item)
        await self._table.call(
            "put_item", TableName=self._table.name, Item=codec.to_attributes(item)
        )
