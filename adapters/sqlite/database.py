"""One SQLite file shared by the SQLite adapters: connections, schema and transactions.

Calls run in worker threads (``asyncio.to_thread``) so the event loop never blocks;
each thread keeps its own connection. WAL lets readers proceed during a write, and
every write runs in ``BEGIN IMMEDIATE`` so concurrent read-modify-write steps
(claims, version checks, token buckets) serialise instead of racing.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from adapters.sqlite.search import SEARCH_ROWID_INDEX, add_search_index
from application.errors import StoreUnavailableError
from application.principal import DEV_TENANT

T = TypeVar("T")
BUSY_TIMEOUT_MS = 5000
# How long close() waits for running calls: a statement waits at most the busy timeout.
CLOSE_WAIT_SECONDS = BUSY_TIMEOUT_MS / 1000 + 5

SCHEMA = """
CREATE TABLE IF NOT EXISTS lessons (
    lesson_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,  -- USER#{sub}, or TENANT#default for the dev key
    topic TEXT NOT NULL,
    title TEXT NOT NULL,
    tags TEXT NOT NULL,
    search_text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    schema_version TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    widgets_version TEXT NOT NULL,
    idempotency_key TEXT,
    provider_a TEXT NOT NULL,
    model_a TEXT NOT NULL,
    provider_b TEXT NOT NULL,
    model_b TEXT NOT NULL,
    meta TEXT NOT NULL,
    status TEXT NOT NULL,
    search_rowid INTEGER,  -- the lesson's key in the search index (adapters/sqlite/search.py)
    purge_after TEXT  -- a deleted lesson's end: purged with its body from then on
);
-- Bodies live apart, so listing never touches them.
CREATE TABLE IF NOT EXISTS lesson_bodies (
    lesson_id TEXT PRIMARY KEY REFERENCES lessons (lesson_id),
    lesson_json TEXT NOT NULL
);
-- ``tenant`` is the owner of the key (USER#{sub} or TENANT#default); ``owner`` is the
-- attempt holding its lease.
CREATE TABLE IF NOT EXISTS idempotency (
    tenant TEXT NOT NULL,
    route TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    owner TEXT NOT NULL,
    state TEXT NOT NULL,
    lease_until TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    lesson_id TEXT,
    response TEXT,
    PRIMARY KEY (tenant, route, key)
);
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
-- record: gzip-compressed JSON (a BLOB); rows written by older versions hold JSON text.
-- owner: the owner of the generation repaired (USER#{sub} or TENANT#default).
CREATE TABLE IF NOT EXISTS repairs (
    repair_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    record TEXT NOT NULL,
    owner TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rate_buckets (
    identity TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    updated_at REAL NOT NULL,
    full_at REAL  -- when it reads as no bucket at all again (NULL: never); pruned after
);
-- One row per identity and UTC day; a count only ever grows within its day.
CREATE TABLE IF NOT EXISTS day_counts (
    identity TEXT NOT NULL,
    day TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (identity, day)
);
"""

# Files made before buckets were pruned lack ``full_at``. Their buckets were the per-client
# one (full within an hour) and the old daily one (within a day): a day is a safe bound.
_ADD_FULL_AT = (
    "ALTER TABLE rate_buckets ADD COLUMN full_at REAL",
    "UPDATE rate_buckets SET full_at = updated_at + 86400",
)
# After the columns exist (old files gain them above).
INDEXES = f"""
-- Listing reads this index in order (newest first) and stops at the page size.
CREATE INDEX IF NOT EXISTS lessons_newest_first
    ON lessons (owner, status, created_at DESC, lesson_id DESC);
-- The purge sweep finds deleted lessons past their retention through it.
CREATE INDEX IF NOT EXISTS lessons_purge ON lessons (purge_after) WHERE purge_after IS NOT NULL;
CREATE INDEX IF NOT EXISTS rate_buckets_full_at ON rate_buckets (full_at);
-- Expiry deletes a range of it; the fine-tuning export pages through it in order.
CREATE INDEX IF NOT EXISTS repairs_by_time ON repairs (created_at, repair_id);
-- An owner's records: its export pages through them, its erasure and handover find them.
CREATE INDEX IF NOT EXISTS repairs_by_owner ON repairs (owner, created_at, repair_id);
DROP INDEX IF EXISTS repairs_created_at;
{SEARCH_ROWID_INDEX}
"""


class SqliteDatabase:
    """The database file, its schema, and units of work run off the event loop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._schema_ready = False
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        # Calls running in worker threads. A call whose awaiting task was cancelled (a
        # client gone, a worker pool stopped at shutdown) still runs in its thread: close()
        # waits for it, as closing a connection under a running statement can crash the
        # process (sqlite3 with check_same_thread=False leaves that to the caller).
        self._calls = threading.Condition()
        self._running = 0

    def close(self, wait: float = CLOSE_WAIT_SECONDS) -> None:
        """Close every connection at shutdown, once the calls running now have ended.

        Waits at most ``wait`` seconds (a statement waits at most the busy timeout); calls
        made meanwhile wait for the close and then open new connections.
        """
        with self._calls:
            self._calls.wait_for(lambda: self._running == 0, timeout=wait)
            with self._lock:
                for connection in self._connections:
                    connection.close()
                self._connections.clear()
                self._local = threading.local()

    async def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` on a connection, outside any explicit transaction."""
        return await asyncio.to_thread(self._run, work, write=False)

    async def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one ``BEGIN IMMEDIATE`` transaction: all of it, or none."""
        return await asyncio.to_thread(self._run, work, write=True)

    def _run(self, work: Callable[[sqlite3.Connection], T], *, write: bool) -> T:
        with self._calls:
            self._running += 1
        try:
            return self._run_counted(work, write=write)
        finally:
            with self._calls:
                self._running -= 1
                self._calls.notify_all()

    def _run_counted(self, work: Callable[[sqlite3.Connection], T], *, write: bool) -> T:
        try:
            connection = self._connection()
            if not write:
                return work(connection)
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = work(connection)
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
            return result
        except sqlite3.DatabaseError as exc:  # not a database file, or a damaged one
            if exc.sqlite_errorname not in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
                raise StoreUnavailableError(_failed(self.path, exc)) from exc
            raise StoreUnavailableError(
                f"{self.path} is not a usable SQLite database ({exc})"
            ) from exc
        # Every other failure of the file or the library: locked past the timeout, disk
        # full or unreadable, a folder we may not write.
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailableError(_failed(self.path, exc)) from exc

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Each connection stays with the thread that opened it; close() may end them all.
            connection = sqlite3.connect(
                self.path,
                isolation_level=None,
                check_same_thread=False,
                timeout=BUSY_TIMEOUT_MS / 1000,
            )
            try:
                self._prepare(connection)
            except BaseException:
                connection.close()  # a file we cannot use: keep no connection to it
                raise
            self._local.connection = connection
        return connection

    def _prepare(self, connection: sqlite3.Connection) -> None:
        connection.row_factory = sqlite3.Row
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA foreign_keys=ON")
        with self._lock:
            if not self._schema_ready:
                # WAL is a property of the file: set once, not by every connection
                # (switching modes needs a lock other connections may hold).
                connection.execute("PRAGMA journal_mode=WAL")
                connection.executescript(SCHEMA)
                _upgrade(connection)
                connection.executescript(INDEXES)
                self._schema_ready = True
            self._connections.append(connection)


def _upgrade(connection: sqlite3.Connection) -> None:
    """Bring a file made by an older DGS up to ``SCHEMA`` (one transaction, checked inside)."""
    connection.execute("BEGIN IMMEDIATE")  # another process may be upgrading the same file
    try:
        columns = {row[1] for row in connection.execute("PRAGMA table_info(rate_buckets)")}
        if "full_at" not in columns:
            for statement in _ADD_FULL_AT:
                connection.execute(statement)
        add_search_index(connection)
        _add_owners(connection)
    except BaseException:
        connection.rollback()
        raise
    connection.commit()


def _add_owners(connection: sqlite3.Connection) -> None:
    """Files made before users: every row belonged to the one tenant, ``TENANT#default``.

    Lessons and idempotency records are given to it; so are repair records, kept before
    they had owners.

    Renaming the column keeps its index (SQLite rewrites index definitions on rename).
    """
    columns = {row[1] for row in connection.execute("PRAGMA table_info(lessons)")}
    if "owner" not in columns:
        connection.execute("ALTER TABLE lessons RENAME COLUMN tenant TO owner")
        connection.execute("UPDATE lessons SET owner = ? WHERE owner = 'default'", (DEV_TENANT,))
        connection.execute(
            "UPDATE idempotency SET tenant = ? WHERE tenant = 'default'", (DEV_TENANT,)
        )
    if "purge_after" not in columns:
        connection.execute("ALTER TABLE lessons ADD COLUMN purge_after TEXT")
    repair_columns = {row[1] for row in connection.execute("PRAGMA table_info(repairs)")}
    if "owner" not in repair_columns:  # repair records were kept before they had owners
        connection.execute(
            f"ALTER TABLE repairs ADD COLUMN owner TEXT NOT NULL DEFAULT '{DEV_TENANT}'"
        )


def _failed(path: Path, exc: BaseException) -> str:
    return f"the SQLite store {path} failed: {type(exc).__name__}: {exc}"
