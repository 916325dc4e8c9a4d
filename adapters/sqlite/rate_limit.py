"""``RateLimiter`` on SQLite: each take or count is one immediate transaction.

Idle buckets are pruned on the way, at most once per ``PRUNE_EVERY`` of a limiter's
life: a bucket is deleted once it would be full again (it then reads exactly as no
bucket), through an index, so a write never scans the table. A day's count is kept
until the identity's next count on a later day replaces it.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from adapters.sqlite.database import SqliteDatabase
from application.ports.clock import Clock
from application.ports.rate_limit import (
    Bucket,
    BucketPolicy,
    DailyCount,
    TakeResult,
    full_at,
    month_identity,
    next_utc_midnight,
    next_utc_month,
    peek_at,
    refunded,
    take_from,
    utc_day,
    utc_month,
)

PRUNE_EVERY = 60.0  # seconds


class SqliteRateLimiter:
    """Token buckets, day and month counters per identity; exact as writers are serialised."""

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
            updated, result = take_from(_bucket(connection, identity), policy, now)
            connection.execute(
                "INSERT OR REPLACE INTO rate_buckets (identity, tokens, updated_at, full_at)"
                " VALUES (?, ?, ?, ?)",
                (identity, updated.tokens, updated.updated_at, full_at(updated, policy)),
            )
            return result

        return await self._db.write(take)

    async def peek(self, identity: str, policy: BucketPolicy) -> TakeResult:
        """The bucket as a take would find it now."""
        now = self._clock.now().timestamp()
        return peek_at(await self._db.read(lambda c: _bucket(c, identity)), policy, now)

    async def count_today(self, identity: str, budget: int) -> DailyCount:
        """Read, check and count in one ``BEGIN IMMEDIATE`` transaction."""
        now = self._clock.now()
        return await self._count_in(identity, utc_day(now), budget, next_utc_midnight(now) - now)

    async def counted_today(self, identity: str, budget: int) -> DailyCount:
        """Today's count."""
        now = self._clock.now()
        day = utc_day(now)
        used = await self._db.read(lambda c: _count(c, identity, day))
        return DailyCount(True, used, next_utc_midnight(now) - now)

    async def count_this_month(self, identity: str, budget: int) -> DailyCount:
        """Read, check and count the month in one ``BEGIN IMMEDIATE`` transaction."""
        now = self._clock.now()
        month, resets_after = utc_month(now), next_utc_month(now) - now
        return await self._count_in(month_identity(identity), month, budget, resets_after)

    async def counted_this_month(self, identity: str) -> DailyCount:
        """The current month's count."""
        now = self._clock.now()
        month = utc_month(now)
        used = await self._db.read(lambda c: _count(c, month_identity(identity), month))
        return DailyCount(True, used, next_utc_month(now) - now)

    async def forget(self, identity: str) -> None:
        """Drop the identity's bucket and counters."""

        def forget(connection: sqlite3.Connection) -> None:
            connection.execute("DELETE FROM rate_buckets WHERE identity = ?", (identity,))
            for counted in (identity, month_identity(identity)):
                connection.execute("DELETE FROM day_counts WHERE identity = ?", (counted,))

        await self._db.write(forget)

    async def _count_in(
        self, identity: str, period: str, budget: int, resets_after: timedelta
    ) -> DailyCount:
        def count(connection: sqlite3.Connection) -> DailyCount:
            # Earlier periods are never read again: drop them (one row at most, by key).
            connection.execute(
                "DELETE FROM day_counts WHERE identity = ? AND day < ?", (identity, period)
            )
            used = _count(connection, identity, period)
            if used >= budget:
                return DailyCount(False, used, resets_after)
            connection.execute(
                "INSERT INTO day_counts (identity, day, count) VALUES (?, ?, 1)"
                " ON CONFLICT (identity, day) DO UPDATE SET count = count + 1",
                (identity, period),
            )
            return DailyCount(True, used + 1, resets_after)

        return await self._db.write(count)

    async def refund(self, identity: str, policy: BucketPolicy) -> None:
        """Put a token back in one immediate transaction (no bucket: it is full)."""
        now = self._clock.now().timestamp()

        def refund(connection: sqlite3.Connection) -> None:
            bucket = _bucket(connection, identity)
            if bucket is None:
                return
            updated = refunded(bucket, policy, now)
            connection.execute(
                "UPDATE rate_buckets SET tokens = ?, updated_at = ?, full_at = ?"
                " WHERE identity = ?",
                (updated.tokens, updated.updated_at, full_at(updated, policy), identity),
            )

        await self._db.write(refund)

    async def refund_day(self, identity: str, day: str) -> None:
        """One conditional UPDATE: never below 0, and only that day's row."""
        await self._db.write(
            lambda c: c.execute(
                "UPDATE day_counts SET count = count - 1"
                " WHERE identity = ? AND day = ? AND count > 0",
                (identity, day),
            )
        )


def _bucket(connection: sqlite3.Connection, identity: str) -> Bucket | None:
    row = connection.execute(
        "SELECT tokens, updated_at FROM rate_buckets WHERE identity = ?", (identity,)
    ).fetchone()
    return None if row is None else Bucket(row["tokens"], row["updated_at"])


def _count(connection: sqlite3.Connection, identity: str, day: str) -> int:
    row = connection.execute(
        "SELECT count FROM day_counts WHERE identity = ? AND day = ?", (identity, day)
    ).fetchone()
    return 0 if row is None else int(row["count"])
