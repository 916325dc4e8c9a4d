"""``JobStore`` on SQLite: one ``jobs`` table in the service's database file.

The record is kept whole as JSON; the columns beside it are what queries need: the owner
and time for listing (newest first, an index read in order), the status and
``lease_until`` for the sweeper, the owner's idempotency key (unique), and the version
every change is conditional on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime

from adapters.jobs.codec import decode_job, encode_job
from adapters.serialization import timestamp
from adapters.sqlite.database import SqliteDatabase
from application.errors import NotFoundError
from application.jobs.records import JobPage, JobPosition, JobRecord, JobStatus
from application.jobs.store import VersionedJobStore
from application.ports.clock import Clock

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS jobs (
        job_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        idempotency_key TEXT,
        lease_until TEXT,
        expires_at TEXT NOT NULL,
        version INTEGER NOT NULL,
        record TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS jobs_newest_first ON jobs (owner, created_at DESC, job_id DESC)",
    "CREATE INDEX IF NOT EXISTS jobs_by_status"
    " ON jobs (owner, status, created_at DESC, job_id DESC)",
    "CREATE INDEX IF NOT EXISTS jobs_due ON jobs (lease_until) WHERE lease_until IS NOT NULL",
    "CREATE UNIQUE INDEX IF NOT EXISTS jobs_by_key ON jobs (owner, idempotency_key)"
    " WHERE idempotency_key IS NOT NULL",
)


class SqliteJobStore(VersionedJobStore):
    """Job records in the SQLite database."""

    def __init__(self, database: SqliteDatabase, clock: Clock) -> None:
        super().__init__(clock)
        self._db = database
        self._ready = False

    async def create(self, job: JobRecord) -> tuple[JobRecord, bool]:
        """Insert, or return the live job made under the same owner and key."""
        await self._schema()
        now = timestamp(self._clock.now())

        def create(connection: sqlite3.Connection) -> tuple[JobRecord, bool]:
            if job.idempotency_key is not None:
                row = connection.execute(
                    "SELECT record, expires_at FROM jobs WHERE owner = ? AND idempotency_key = ?",
                    (job.owner, job.idempotency_key),
                ).fetchone()
                if row is not None and row["expires_at"] > now:
                    return decode_job(row["record"]), False
                if row is not None:  # expired: the key is free again
                    connection.execute(
                        "DELETE FROM jobs WHERE owner = ? AND idempotency_key = ?",
                        (job.owner, job.idempotency_key),
                    )
            connection.execute(
                "INSERT INTO jobs (status, lease_until, expires_at, version, record, job_id,"
                " owner, created_at, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *_columns(job),
                    job.job_id,
                    job.owner,
                    timestamp(job.created_at),
                    job.idempotency_key,
                ),
            )
            return job, True

        return await self._db.write(create)

    async def find(self, owner: str, idempotency_key: str) -> JobRecord | None:
        """The live job made under this owner and key."""
        await self._schema()

        def find(connection: sqlite3.Connection) -> sqlite3.Row | None:
            row: sqlite3.Row | None = connection.execute(
                "SELECT record FROM jobs WHERE owner = ? AND idempotency_key = ?",
                (owner, idempotency_key),
            ).fetchone()
            return row

        row = await self._db.read(find)
        job = None if row is None else decode_job(row["record"])
        return None if job is None or self._expired(job) else job

    async def list(
        self,
        owner: str,
        status: JobStatus | None = None,
        limit: int = 20,
        after: JobPosition | None = None,
    ) -> JobPage:
        """One page from the index, newest first."""
        await self._schema()
        clauses, values = ["owner = ?", "expires_at > ?"], [owner, timestamp(self._clock.now())]
        if status is not None:
            clauses.append("status = ?")
            values.append(status)
        if after is not None:
            clauses.append("(created_at, job_id) < (?, ?)")
            values += [timestamp(after.created_at), after.job_id]
        sql = (
            f"SELECT record FROM jobs WHERE {' AND '.join(clauses)}"
            " ORDER BY created_at DESC, job_id DESC LIMIT ?"
        )

        def page(connection: sqlite3.Connection) -> list[sqlite3.Row]:
            return connection.execute(sql, (*values, limit + 1)).fetchall()

        rows = await self._db.read(page)
        items = tuple(decode_job(row["record"]) for row in rows[:limit])
        more = len(rows) > limit
        return JobPage(items, JobPosition(items[-1].created_at, items[-1].job_id) if more else None)

    async def due(self, limit: int = 50) -> tuple[JobRecord, ...]:
        """Active jobs past their ``lease_until``, oldest first."""
        await self._schema()
        now = timestamp(self._clock.now())

        def due(connection: sqlite3.Connection) -> list[sqlite3.Row]:
            return connection.execute(
                "SELECT record FROM jobs WHERE lease_until IS NOT NULL AND lease_until <= ?"
                " AND expires_at > ? ORDER BY lease_until LIMIT ?",
                (now, now, limit),
            ).fetchall()

        return tuple(decode_job(row["record"]) for row in await self._db.read(due))

    async def erase(self, owner: str, job_id: str) -> bool:
        """One DELETE, on the owner's row only."""
        await self._schema()

        def erase(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "DELETE FROM jobs WHERE job_id = ? AND owner = ?", (job_id, owner)
            )
            return cursor.rowcount == 1

        return await self._db.write(erase)

    async def _change(
        self, job_id: str, change: Callable[[JobRecord, datetime], JobRecord | None]
    ) -> JobRecord | None:
        """Read, change and write the record in one write transaction (one thread hop).

        SQLite runs one write transaction at a time, so no other writer can come between
        the read and the write: the conditional swap of other stores is not needed, and
        an error ``change`` raises (a cancel asked for, a lease lost) writes nothing.
        """
        await self._schema()
        now = self._clock.now()

        def apply(connection: sqlite3.Connection) -> JobRecord | None:
            row = connection.execute(
                "SELECT record FROM jobs WHERE job_id = ?", (job_id,)
            ).fetchone()
            job = None if row is None else decode_job(row["record"])
            if job is None or job.expires_at <= now:
                raise NotFoundError(f"no job {job_id}")
            changed = change(job, now)
            if changed is not None:
                _swap_row(connection, job.version, changed)
            return changed

        return await self._db.write(apply)

    async def _read(self, job_id: str) -> JobRecord | None:
        await self._schema()

        def read(connection: sqlite3.Connection) -> sqlite3.Row | None:
            row: sqlite3.Row | None = connection.execute(
                "SELECT record FROM jobs WHERE job_id = ?", (job_id,)
            ).fetchone()
            return row

        row = await self._db.read(read)
        return None if row is None else decode_job(row["record"])

    async def _swap(self, old_version: int, job: JobRecord) -> bool:
        return await self._db.write(lambda c: _swap_row(c, old_version, job))

    async def _schema(self) -> None:
        """The table, made on first use (kept here so the jobs stay one module)."""
        if self._ready:
            return

        await self._db.write(create_table)
        self._ready = True


def _swap_row(connection: sqlite3.Connection, old_version: int, job: JobRecord) -> bool:
    """Write ``job`` over the row still at ``old_version``; whether it was."""
    cursor = connection.execute(
        "UPDATE jobs SET status = ?, lease_until = ?, expires_at = ?, version = ?,"
        " record = ? WHERE job_id = ? AND version = ?",
        (*_columns(job), job.job_id, old_version),
    )
    return cursor.rowcount == 1


def create_table(connection: sqlite3.Connection) -> None:
    """The jobs table and its indexes, if missing (inside the caller's transaction)."""
    for statement in SCHEMA:
        connection.execute(statement)


def _columns(job: JobRecord) -> tuple[str, str | None, str, int, str]:
    """status, lease_until, expires_at, version, record: what every write sets."""
    lease = None if job.lease_until is None else timestamp(job.lease_until)
    return (job.status, lease, timestamp(job.expires_at), job.version, encode_job(job))
