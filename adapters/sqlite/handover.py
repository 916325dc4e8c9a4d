"""Handing the single tenant's idempotency records and jobs to a user, on SQLite.

``dgs store assign-owner`` moves lessons (``adapters.sqlite.removal``) and repair records
(``adapters.sqlite.repairs``) with these. Each move is a transaction of its own, so a run
stopped midway leaves every record with one owner, and a rerun moves what is left.
"""

from __future__ import annotations

import sqlite3

from adapters.jobs.codec import decode_job, encode_job
from adapters.serialization import timestamp
from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.jobs import create_table
from application.jobs.transitions import handed_over
from application.ports.clock import Clock

JOB_BATCH = 100  # jobs moved per transaction: other writers never wait long

# A claim whose lease has not run out is held by a generation running now: it waits for
# a later run (moving it would fence that generation out of completing its key).
_MOVABLE = "tenant = :from AND NOT (state = 'in_progress' AND lease_until > :now)"


class SqliteIdempotencyHandover:
    """Idempotency records of one owner given to another (on the primary key's prefix)."""

    def __init__(self, database: SqliteDatabase, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def count(self, owner: str) -> int:
        """How many records the owner has (expired ones not yet replaced included)."""
        row = await self._db.read(
            lambda c: c.execute(
                "SELECT count(*) FROM idempotency WHERE tenant = ?", (owner,)
            ).fetchone()
        )
        return int(row[0])

    async def hand_over(self, from_owner: str, to_owner: str) -> int:
        """Move every record not held right now, in one transaction; how many moved.

        Where ``to_owner`` already has the same route and key, its record stays and the
        tenant's is dropped.
        """
        values = {"from": from_owner, "to": to_owner, "now": timestamp(self._clock.now())}

        def move(connection: sqlite3.Connection) -> int:
            connection.execute(
                f"DELETE FROM idempotency WHERE {_MOVABLE} AND EXISTS (SELECT 1 FROM idempotency"
                " AS mine WHERE mine.tenant = :to AND mine.route = idempotency.route"
                " AND mine.key = idempotency.key)",
                values,
            )
            moved = connection.execute(
                f"UPDATE idempotency SET tenant = :to WHERE {_MOVABLE}", values
            )
            return moved.rowcount

        return await self._db.write(move)


class SqliteJobHandover:
    """Jobs of one owner given to another: the ``owner`` column and the record's owner."""

    def __init__(self, database: SqliteDatabase, clock: Clock) -> None:
        self._db = database
        self._clock = clock
        self._ready = False

    async def count(self, owner: str) -> int:
        """How many jobs the owner has (on the ``jobs_newest_first`` index)."""
        await self._schema()
        row = await self._db.read(
            lambda c: c.execute("SELECT count(*) FROM jobs WHERE owner = ?", (owner,)).fetchone()
        )
        return int(row[0])

    async def hand_over(self, from_owner: str, to_owner: str) -> int:
        """Move every job, ``JOB_BATCH`` per transaction; how many moved.

        Each job's record is rewritten at its next version, so a worker running it reads
        the new owner at its next step. A job whose idempotency key ``to_owner`` holds
        already moves without it.
        """
        await self._schema()
        now = self._clock.now()

        def move(connection: sqlite3.Connection) -> int:
            rows = connection.execute(
                "SELECT record FROM jobs WHERE owner = ? LIMIT ?", (from_owner, JOB_BATCH)
            ).fetchall()
            for row in rows:
                job = decode_job(row["record"])
                taken = (
                    job.idempotency_key is not None
                    and connection.execute(
                        "SELECT 1 FROM jobs WHERE owner = ? AND idempotency_key = ?",
                        (to_owner, job.idempotency_key),
                    ).fetchone()
                )
                moved = handed_over(job, to_owner, now, keep_key=not taken)
                connection.execute(
                    "UPDATE jobs SET owner = ?, idempotency_key = ?, version = ?, record = ?"
                    " WHERE job_id = ?",
                    (to_owner, moved.idempotency_key, moved.version, encode_job(moved), job.job_id),
                )
            return len(rows)

        moved = 0
        while batch := await self._db.write(move):
            moved += batch
        return moved

    async def _schema(self) -> None:
        """The jobs table, if no job was ever made (``SqliteJobStore`` makes it on first use)."""
        if self._ready:
            return

        await self._db.write(create_table)
        self._ready = True
