"""``RepairLog`` on SQLite: one row per repair, capped in size, kept for a set time.

Each row names its owner (the ``owner`` column, on the ``repairs_by_owner`` index): the
owner's export pages through its rows, its erasure deletes them and ``dgs store
assign-owner`` hands them over, each one statement; the fine-tuning export reads every
owner's rows through ``repairs_by_time``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from functools import partial

from adapters.serialization import (
    kept_repair,
    logged_repair,
    parse_timestamp,
    repair_blob,
    timestamp,
)
from adapters.sqlite.database import SqliteDatabase
from application.ports.account import After, KeptRepair
from application.ports.clock import Clock, IdGenerator
from application.ports.generation import LoggedRepair, RepairRecord

# Rows read per query: a page of records is at most this many times 128 KiB in memory.
READ_PAGE = 64

# One range of the (created_at, repair_id) index per page, starting after the last row of
# the page before: row values compare column by column, so no page sorts or skips rows.
PAGE_QUERY = """
SELECT repair_id, created_at, outcome, record, owner FROM repairs
WHERE (created_at, repair_id) > (?, ?) ORDER BY created_at, repair_id LIMIT ?
"""
# An owner's page, newest first: one range of ``repairs_by_owner`` read backwards. The
# first page starts after ("~", ""): "~" sorts after every timestamp.
OWNED_QUERY = """
SELECT repair_id, created_at, outcome, record FROM repairs
WHERE owner = ? AND created_at >= ? AND (created_at, repair_id) < (?, ?)
ORDER BY created_at DESC, repair_id DESC LIMIT ?
"""


class SqliteRepairLog:
    """Repair records in the ``repairs`` table: gzip-compressed JSON, deleted after ``ttl``."""

    def __init__(
        self,
        database: SqliteDatabase,
        clock: Clock,
        ids: IdGenerator,
        ttl: timedelta,
        *,
        page_size: int = READ_PAGE,
    ) -> None:
        self._db = database
        self._clock = clock
        self._ids = ids
        self._ttl = ttl
        self._page_size = page_size

    async def record(self, repair: RepairRecord) -> None:
        """Store one repair record; records older than the time to live go on the way."""
        blob = await asyncio.to_thread(repair_blob, repair)  # compressing is CPU work
        now = self._clock.now()
        row = (self._ids.lesson_id(), timestamp(now), repair.outcome, blob, repair.owner)

        def record(connection: sqlite3.Connection) -> None:
            # Repairs are rare; the delete is a range of the created_at index.
            connection.execute(
                "DELETE FROM repairs WHERE created_at < ?", (timestamp(now - self._ttl),)
            )
            connection.execute(
                "INSERT INTO repairs (repair_id, created_at, outcome, record, owner)"
                " VALUES (?, ?, ?, ?, ?)",
                row,
            )

        await self._db.write(record)

    async def read(self, since: datetime | None = None) -> AsyncIterator[LoggedRepair]:
        """Records not expired, made at or after ``since``, oldest first, a page per query.

        Expired rows still in the table (they go at the next write) are not read.
        """
        expired_before = self._clock.now() - self._ttl
        # Every id sorts after "": the first page starts at the first row of that moment.
        after = (timestamp(max(since, expired_before) if since else expired_before), "")
        while True:
            page = await self._db.read(partial(_page, after=after, size=self._page_size))
            decoded = await asyncio.to_thread(_decode, page)  # decompressing is CPU work
            for repair in decoded:
                yield repair
            if len(page) < self._page_size:
                return
            after = (page[-1]["created_at"], page[-1]["repair_id"])

    async def kept(
        self, owner: str, limit: int, after: After | None = None
    ) -> tuple[KeptRepair, ...]:
        """The owner's unexpired records, newest first, after ``after``: one index range."""
        expired_before = timestamp(self._clock.now() - self._ttl)
        start = ("~", "") if after is None else (timestamp(after[0]), after[1])
        rows = await self._db.read(
            lambda c: c.execute(OWNED_QUERY, (owner, expired_before, *start, limit)).fetchall()
        )
        return await asyncio.to_thread(_kept, rows)  # decompressing is CPU work

    async def forget(self, owner: str) -> int:
        """Delete the owner's records (one statement on ``repairs_by_owner``); how many."""
        return await self._db.write(
            lambda c: c.execute("DELETE FROM repairs WHERE owner = ?", (owner,)).rowcount
        )

    async def count(self, owner: str) -> int:
        """How many records the owner has (expired ones not yet deleted included)."""
        row = await self._db.read(
            lambda c: c.execute("SELECT count(*) FROM repairs WHERE owner = ?", (owner,)).fetchone()
        )
        return int(row[0])

    async def hand_over(self, from_owner: str, to_owner: str) -> int:
        """Give every record of ``from_owner`` to ``to_owner`` in one statement; how many."""
        return await self._db.write(
            lambda c: (
                c.execute(
                    "UPDATE repairs SET owner = ? WHERE owner = ?", (to_owner, from_owner)
                ).rowcount
            )
        )


def _page(connection: sqlite3.Connection, after: tuple[str, str], size: int) -> list[sqlite3.Row]:
    return connection.execute(PAGE_QUERY, (*after, size)).fetchall()


def _decode(rows: list[sqlite3.Row]) -> list[LoggedRepair]:
    return [
        logged_repair(
            row["repair_id"],
            parse_timestamp(row["created_at"]),
            row["outcome"],
            row["record"],
            row["owner"],
        )
        for row in rows
    ]


def _kept(rows: list[sqlite3.Row]) -> tuple[KeptRepair, ...]:
    return tuple(
        kept_repair(
            row["repair_id"], parse_timestamp(row["created_at"]), row["outcome"], row["record"]
        )
        for row in rows
    )
