"""``RepairLog`` on SQLite: one row per repair, capped in size, kept for a set time."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta

from adapters.serialization import repair_blob, timestamp
from adapters.sqlite.database import SqliteDatabase
from application.ports.clock import Clock, IdGenerator
from application.ports.generation import RepairRecord


class SqliteRepairLog:
    """Repair records in the ``repairs`` table: gzip-compressed JSON, deleted after ``ttl``."""

    def __init__(
        self, database: SqliteDatabase, clock: Clock, ids: IdGenerator, ttl: timedelta
    ) -> None:
        self._db = database
        self._clock = clock
        self._ids = ids
        self._ttl = ttl

    async def record(self, repair: RepairRecord) -> None:
        """Store one repair record; records older than the time to live go on the way."""
        blob = await asyncio.to_thread(repair_blob, repair)  # compressing is CPU work
        now = self._clock.now()
        row = (self._ids.lesson_id(), timestamp(now), repair.outcome, blob)

        def record(connection: sqlite3.Connection) -> None:
            # Repairs are rare; the delete is a range of the created_at index.
            connection.execute(
                "DELETE FROM repairs WHERE created_at < ?", (timestamp(now - self._ttl),)
            )
            connection.execute(
                "INSERT INTO repairs (repair_id, created_at, outcome, record) VALUES (?, ?, ?, ?)",
                row,
            )

        await self._db.write(record)
