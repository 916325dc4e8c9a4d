"""``RateLimiter`` on SQLite: the bucket is read and written in one immediate transaction.

Idle buckets are pruned on the way, at most once per ``PRUNE_EVERY`` of a limiter's
life: a bucket is deleted once it would be full again (it then reads exactly as no
bucket), through an index, so a write never scans the table.
"""

from __future__ import annotations

import sqlite3

from adapters.sqlite.database import SqliteDatabase
from application.ports.clock import Clock
from application.ports.rate_limit import Bucket, BucketPolicy, TakeResult, full_at, take_from

PRUNE_EVERY = 60.0  # seconds


class SqliteRateLimiter:
    """Token buckets per identity; exact because writers are serialised."""

    def __init__(self, database: SqliteDatabase, clock: Clock) -> None:
        self._db = database
        self._clock = clock
        self._next_prune = float("-inf")

    async def take(self, identity: str, policy: BucketPolicy) -> TakeResult:
        """Take a token from the identity's bucket if there is one."""
        now = self._clock.now().timestamp()
        prune = now >= self._next_prune
        if prune:
            self._next_prune = now + PRUNE_EVERY

        def take(connection: sqlite3.Connection) -> TakeResult:
            if prune:
                connection.execute("DELETE FROM rate_buckets WHERE full_at <= ?", (now,))
            row = connection.execute(
                "SELECT tokens, updated_at FROM rate_buckets WHERE identity = ?", (identity,)
            ).fetchone()
            bucket = None if row is None else Bucket(row["tokens"], row["updated_at"])
            updated, result = take_from(bucket, policy, now)
            connection.execute(
                "INSERT OR REPLACE INTO rate_buckets (identity, tokens, updated_at, full_at)"
                " VALUES (?, ?, ?, ?)",
                (identity, updated.tokens, updated.updated_at, full_at(updated, policy)),
            )
            return result

        return await self._db.write(take)
