"""``RateLimiter`` on SQLite: the bucket is read and written in one immediate transaction."""

from __future__ import annotations

import sqlite3

from adapters.sqlite.database import SqliteDatabase
from application.ports.clock import Clock
from application.ports.rate_limit import Bucket, BucketPolicy, TakeResult, take_from


class SqliteRateLimiter:
    """Token buckets per identity; exact because writers are serialised."""

    def __init__(self, database: SqliteDatabase, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def take(self, identity: str, policy: BucketPolicy) -> TakeResult:
        """Take a token from the identity's bucket if there is one."""
        now = self._clock.now().timestamp()

        def take(connection: sqlite3.Connection) -> TakeResult:
            row = connection.execute(
                "SELECT tokens, updated_at FROM rate_buckets WHERE identity = ?", (identity,)
            ).fetchone()
            bucket = None if row is None else Bucket(row["tokens"], row["updated_at"])
            updated, result = take_from(bucket, policy, now)
            connection.execute(
                "INSERT OR REPLACE INTO rate_buckets (identity, tokens, updated_at)"
                " VALUES (?, ?, ?)",
                (identity, updated.tokens, updated.updated_at),
            )
            return result

        return await self._db.write(take)
