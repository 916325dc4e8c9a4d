"""What only the SQLite adapter promises: every failure of the file is ``StoreUnavailableError``."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.sqlite.cache import SqliteCache
from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.lessons import SqliteLessonRepository
from application.cursor import CursorCodec
from application.errors import StoreUnavailableError
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
        lessons.get("00000000-0000-4000-8000-000000000000"),
        lessons.list_summaries(LessonQuery()),
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
