"""``RepairLog`` on SQLite: one row per repair, kept for fine-tuning."""

from __future__ import annotations

from adapters.serialization import repair_json, timestamp
from adapters.sqlite.database import SqliteDatabase
from application.ports.clock import Clock, IdGenerator
from application.ports.generation import RepairRecord


class SqliteRepairLog:
    """Repair records in the ``repairs`` table."""

    def __init__(self, database: SqliteDatabase, clock: Clock, ids: IdGenerator) -> None:
        self._db = database
        self._clock = clock
        self._ids = ids

    async def record(self, repair: RepairRecord) -> None:
        """Store one repair record."""
        row = (
            self._ids.lesson_id(),
            timestamp(self._clock.now()),
            repair.outcome,
            repair_json(repair),
        )
        await self._db.write(
            lambda c: c.execute(
                "INSERT INTO repairs (repair_id, created_at, outcome, record) VALUES (?, ?, ?, ?)",
                row,
            )
        )
