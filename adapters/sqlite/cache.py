"""``Cache`` on SQLite."""

from __future__ import annotations

from datetime import timedelta

from adapters.serialization import timestamp
from adapters.sqlite.database import SqliteDatabase
from application.ports.clock import Clock


class SqliteCache:
    """Cache entries with an expiry time, checked on read."""

    def __init__(self, database: SqliteDatabase, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def get(self, key: str) -> str | None:
        """The value, unless absent or expired."""
        now = timestamp(self._clock.now())
        row = await self._db.read(
            lambda c: c.execute(
                "SELECT value FROM cache WHERE key = ? AND expires_at > ?", (key, now)
            ).fetchone()
        )
        return None if row is None else str(row["value"])

    async def put(self, key: str, value: str, ttl: timedelta) -> None:
        """Store a value until now + ttl; expired entries are replaced on the way."""
        now = self._clock.now()
        await self._db.write(
            lambda c: c.execute(
                "INSERT OR REPLACE INTO cache (key, value, expires_at) VALUES (?, ?, ?)",
                (key, value, timestamp(now + ttl)),
            )
        )
