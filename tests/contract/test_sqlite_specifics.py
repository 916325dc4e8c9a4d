"""What only the SQLite adapter promises: every failure of the file is ``StoreUnavailableError``."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.sqlite.cache import SqliteCache
from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.lessons import SqliteLessonRepository
from adapters.sqlite.rate_limit import SqliteRateLimiter
from application.cursor import CursorCodec
from application.errors import StoreUnavailableError
from application.ports.rate_limit import BucketPolicy
from application.principal import DEV_TENANT
from application.records import LessonQuery
from tests.support.fakes import FakeClock
from tests.support.records import make_record


async def test_a_corrupt_file_is_store_unavailable_from_the_sqlite_error(tmp_path: Path) -> None:
    path = tmp_path / "dgs.sqlite3"
    path.write_bytes(b"not a database " * 500)
    database = SqliteDatabase(path)
    clock = FakeClock()
    lessons = SqliteLessonRepository(database, CursorCodec(b"x" * 32), clock)
    cache = SqliteCache(database, clock)
    calls = [
        lessons.ping(),
        lessons.get(DEV_TENANT, "00000000-0000-4000-8000-000000000000"),
        lessons.list_summaries(DEV_TENANT, LessonQuery()),
        lessons.save(make_record(clock.now())),
        cache.put("k", "v", timedelta(minutes=1)),
    ]
    for call in calls:
        with pytest.raises(StoreUnavailableError, match="file is not a database") as info:
            await call
        assert isinstance(info.value.__cause__, sqlite3.DatabaseError)
    database.close()


async def test_a_folder_that_cannot_be_created_is_store_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    database = SqliteDatabase(blocker / "data" / "dgs.sqlite3")  # its parent is a file
    with pytest.raises(StoreUnavailableError) as info:
        await SqliteLessonRepository(database, CursorCodec(b"x" * 32), FakeClock()).ping()
    assert isinstance(info.value.__cause__, OSError)


async def bucket_identities(database: SqliteDatabase) -> set[str]:
    rows = await database.read(lambda c: c.execute("SELECT identity FROM rate_buckets").fetchall())
    return {row["identity"] for row in rows}


async def test_idle_buckets_are_pruned_once_they_would_be_full_again(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "dgs.sqlite3")
    clock = FakeClock()
    limiter = SqliteRateLimiter(database, clock)
    policy = BucketPolicy(capacity=2, refill_per_second=2 / 3600)  # a token every 30 min
    for n in range(50):
        await limiter.take(f"client:198.51.100.{n}", policy)  # full again after 30 min
    for _ in range(2):
        await limiter.take("client:busy", policy)  # empty: full again after 60 min
    clock.advance(timedelta(minutes=31))
    await limiter.take("client:new", policy)  # writes prune on the way
    assert await bucket_identities(database) == {"client:busy", "client:new"}
    # Pruning changes nothing a client sees: the busy bucket kept its state.
    assert (await limiter.take("client:busy", policy)).allowed
    assert not (await limiter.take("client:busy", policy)).allowed
    plan = await database.read(
        lambda c: c.execute(
            "EXPLAIN QUERY PLAN DELETE FROM rate_buckets WHERE full_at <= ?", (0.0,)
        ).fetchall()
    )
    assert "USING INDEX" in " ".join(row["detail"] for row in plan)  # no scan of the table
    database.close()


async def test_a_file_made_before_pruning_keeps_its_buckets_working(tmp_path: Path) -> None:
    path = tmp_path / "dgs.sqlite3"
    clock = FakeClock()
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE rate_buckets (identity TEXT PRIMARY KEY, tokens REAL NOT NULL,"
        " updated_at REAL NOT NULL)"
    )
    old.execute(
        "INSERT INTO rate_buckets VALUES ('client:old', 0.0, ?)", (clock.now().timestamp(),)
    )
    old.commit()
    old.close()
    database = SqliteDatabase(path)
    limiter = SqliteRateLimiter(database, clock)
    policy = BucketPolicy(capacity=2, refill_per_second=2 / 3600)
    assert not (await limiter.take("client:old", policy)).allowed  # its empty bucket holds
    assert (await limiter.take("client:other", policy)).allowed
    clock.advance(timedelta(minutes=30))
    assert (await limiter.take("client:old", policy)).allowed
    database.close()


async def test_close_waits_for_a_call_still_running_in_its_thread(tmp_path: Path) -> None:
    """A call whose task was cancelled still runs in its thread: closing under it crashed.

    Found as a segfault of the test process when an app shut down with a request's cache
    read still running (the pool of job workers now stops at the same moment).
    """
    database = SqliteDatabase(tmp_path / "dgs.sqlite3")
    started = threading.Event()

    def slow(connection: sqlite3.Connection) -> tuple[int]:
        started.set()
        time.sleep(0.3)
        (value,) = connection.execute("SELECT 1").fetchone()
        return (value,)

    running = asyncio.create_task(database.read(slow))
    await asyncio.to_thread(started.wait)
    database.close()  # at shutdown, with the call still running in its thread
    assert await running == (1,)  # it ended on its connection, then the close came
    assert tuple(await database.read(lambda c: c.execute("SELECT 2").fetchone())) == (2,)
    database.close()
