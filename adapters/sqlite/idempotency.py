"""``IdempotencyStore`` on SQLite: each step is one immediate transaction."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from adapters.serialization import parse_timestamp, timestamp
from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.lessons import insert_lesson
from application.errors import FencedError
from application.ports.clock import Clock, IdGenerator
from application.ports.idempotency import (
    Claimed,
    ClaimResult,
    Completed,
    FingerprintMismatch,
    IdempotencyScope,
    InProgress,
    expires_at,
)
from application.records import LessonRecord

_WHERE = "tenant = ? AND route = ? AND key = ?"


def _key(scope: IdempotencyScope) -> tuple[str, str, str]:
    return (scope.tenant, scope.route, scope.key)


class SqliteIdempotencyStore:
    """Idempotency records next to the lessons, so completing is one transaction."""

    def __init__(self, database: SqliteDatabase, clock: Clock, ids: IdGenerator) -> None:
        self._db = database
        self._clock = clock
        self._ids = ids

    async def claim(
        self, scope: IdempotencyScope, fingerprint: str, lease: timedelta
    ) -> ClaimResult:
        """Claim the key, or report its holder or result."""
        now = self._clock.now()
        owner = self._ids.token()

        def claim(connection: sqlite3.Connection) -> ClaimResult:
            row = connection.execute(
                f"SELECT * FROM idempotency WHERE {_WHERE}", _key(scope)
            ).fetchone()
            if row is not None and parse_timestamp(row["expires_at"]) > now:
                if row["fingerprint"] != fingerprint:
                    return FingerprintMismatch()
                if row["state"] == "completed":
                    return Completed(row["lesson_id"], row["response"])
                lease_until = parse_timestamp(row["lease_until"])
                if lease_until > now:
                    return InProgress(lease_until - now)
                # The holder's lease ran out: this attempt takes over (and fences it).
            connection.execute(
                "INSERT OR REPLACE INTO idempotency (tenant, route, key, fingerprint, owner,"
                " state, lease_until, expires_at, lesson_id, response)"
                " VALUES (?, ?, ?, ?, ?, 'in_progress', ?, ?, NULL, NULL)",
                (
                    *_key(scope),
                    fingerprint,
                    owner,
                    timestamp(now + lease),
                    timestamp(expires_at(now)),
                ),
            )
            return Claimed(owner)

        return await self._db.write(claim)

    async def complete(
        self, scope: IdempotencyScope, owner: str, lesson: LessonRecord, response: str
    ) -> None:
        """Store the lesson and the response together, if ``owner`` still holds the key."""

        def complete(connection: sqlite3.Connection) -> None:
            row = connection.execute(
                f"SELECT owner, state FROM idempotency WHERE {_WHERE}", _key(scope)
            ).fetchone()
            if row is None or row["owner"] != owner or row["state"] != "in_progress":
                raise FencedError("this attempt no longer holds the idempotency key")
            insert_lesson(connection, lesson)
            connection.execute(
                "UPDATE idempotency SET state = 'completed', lesson_id = ?, response = ?"
                f" WHERE {_WHERE}",
                (lesson.lesson_id, response, *_key(scope)),
            )

        await self._db.write(complete)

    async def release(self, scope: IdempotencyScope, owner: str) -> None:
        """Drop an in-progress claim held by ``owner``."""
        await self._db.write(
            lambda c: c.execute(
                f"DELETE FROM idempotency WHERE {_WHERE} AND owner = ? AND state = 'in_progress'",
                (*_key(scope), owner),
            )
        )

    async def forget(self, tenant: str) -> None:
        """Drop every record of the tenant (one statement, on the primary key's prefix)."""
        await self._db.write(
            lambda c: c.execute("DELETE FROM idempotency WHERE tenant = ?", (tenant,))
        )
