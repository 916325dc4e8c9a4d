"""``LessonRepository`` on SQLite."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from adapters.serialization import (
    check_lesson_size,
    meta_json,
    parse_timestamp,
    read_tags,
    record_from,
    search_text,
    timestamp,
)
from adapters.sqlite import removal
from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.listing import SUMMARY_COLUMNS, read_page
from adapters.sqlite.search import index_text, next_search_rowid, reindex_text
from application.cursor import CursorCodec, Position
from application.errors import AlreadyExistsError, NotFoundError, VersionConflictError
from application.ports.account import After, DeletedLesson
from application.ports.clock import Clock
from application.records import LessonChanges, LessonQuery, LessonRecord, LessonSummary, Page

# A get reads the summary columns first, in their order, then the rest of the record.
_RECORD_COLUMNS = (
    f"{SUMMARY_COLUMNS}, owner, prompt_version, widgets_version, idempotency_key, provider_a,"
    " model_a, provider_b, model_b, meta, lesson_json"
)


class SqliteLessonRepository:
    """Lessons in the embedded SQLite file: summaries and bodies in separate tables."""

    def __init__(self, database: SqliteDatabase, cursors: CursorCodec, clock: Clock) -> None:
        self._db = database
        self._cursors = cursors
        self._clock = clock

    async def save(self, record: LessonRecord) -> None:
        """Store a new lesson."""
        await self._db.write(lambda c: insert_lesson(c, record))

    async def get(self, owner: str, lesson_id: str) -> LessonRecord:
        """The owner's lesson with this id (a deleted one is not found)."""

        def read(connection: sqlite3.Connection) -> LessonRecord:
            row = connection.execute(
                f"SELECT {_RECORD_COLUMNS} FROM lessons JOIN lesson_bodies USING (lesson_id)"
                " WHERE lesson_id = ? AND owner = ? AND status != 'deleted'",
                (lesson_id, owner),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no lesson {lesson_id}")
            return _record(row)

        return await self._db.read(read)

    async def list_summaries(self, owner: str, query: LessonQuery) -> Page:
        """The owner's summaries newest first, keyset-paginated; reads only the summary table."""
        after = self._cursors.decode(query.cursor, query, owner) if query.cursor else None
        rows = await self._db.read(lambda c: read_page(c, owner, query, after))
        items = tuple(_summary(row) for row in rows[: query.limit])
        next_cursor = None
        if len(rows) > query.limit:
            last = rows[query.limit - 1]
            next_cursor = self._cursors.encode(
                Position(last["created_at"], last["lesson_id"]), query, owner
            )
        return Page(items, next_cursor)

    async def update(
        self, owner: str, lesson_id: str, expected_version: int, changes: LessonChanges
    ) -> LessonRecord:
        """Apply changes if the version still matches, in one transaction."""
        now = timestamp(self._clock.now())
        if changes.lesson_json is not None:
            check_lesson_size(changes.lesson_json)

        def apply(connection: sqlite3.Connection) -> None:
            row = connection.execute(
                "SELECT version, title, topic, search_text, search_rowid FROM lessons"
                " WHERE lesson_id = ? AND owner = ? AND status != 'deleted'",
                (lesson_id, owner),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no lesson {lesson_id}")
            if row["version"] != expected_version:
                raise VersionConflictError(expected_version, row["version"])
            title = changes.title if changes.title is not None else row["title"]
            text = search_text(title, row["topic"])
            sets = ["version = version + 1", "updated_at = ?", "title = ?", "search_text = ?"]
            args: list[Any] = [now, title, text]
            if changes.tags is not None:
                sets.append("tags = ?")
                args.append(json.dumps(list(changes.tags)))
            connection.execute(
                f"UPDATE lessons SET {', '.join(sets)} WHERE lesson_id = ?", (*args, lesson_id)
            )
            reindex_text(connection, row["search_rowid"], row["search_text"], text)
            if changes.lesson_json is not None:
                connection.execute(
                    "UPDATE lesson_bodies SET lesson_json = ? WHERE lesson_id = ?",
                    (changes.lesson_json, lesson_id),
                )

        await self._db.write(apply)
        return await self.get(owner, lesson_id)

    async def delete(
        self, owner: str, lesson_id: str, expected_version: int | None, purge_after: datetime
    ) -> None:
        """Mark the lesson deleted, after sweeping lessons whose retention ended."""
        now = timestamp(self._clock.now())
        until = timestamp(purge_after)

        def apply(connection: sqlite3.Connection) -> None:
            removal.sweep(connection, now)
            removal.mark_deleted(connection, owner, lesson_id, expected_version, now, until)

        await self._db.write(apply)

    async def erase(self, owner: str, lesson_id: str) -> None:
        """Remove the owner's lesson and its body now."""
        await self._db.write(lambda c: removal.erase(c, lesson_id, owner))

    async def purge_expired(self) -> int:
        """Erase a batch of deleted lessons past their retention; how many."""
        now = timestamp(self._clock.now())
        return await self._db.write(lambda c: removal.sweep(c, now))

    async def owned(self, owner: str, limit: int) -> tuple[str, ...]:
        """Ids of up to ``limit`` of the owner's lessons, any status."""
        return await self._db.read(lambda c: removal.owned(c, owner, limit))

    async def reassign(self, lesson_id: str, from_owner: str, to_owner: str) -> bool:
        """Hand one lesson to another owner (one UPDATE)."""
        return await self._db.write(lambda c: removal.reassign(c, lesson_id, from_owner, to_owner))

    async def deleted(
        self, owner: str, limit: int, after: After | None = None
    ) -> tuple[DeletedLesson, ...]:
        """The owner's deleted lessons not purged yet, newest first, from after ``after``.

        One range of the listing index (``lessons_newest_first``).
        """
        args: list[Any] = [owner, timestamp(self._clock.now())]
        position = ""
        if after is not None:
            position = " AND (created_at, lesson_id) < (?, ?)"
            args += [timestamp(after[0]), after[1]]
        sql = (
            f"SELECT {_RECORD_COLUMNS}, purge_after FROM lessons JOIN lesson_bodies"
            f" USING (lesson_id) WHERE owner = ? AND status = 'deleted' AND purge_after > ?"
            f"{position} ORDER BY created_at DESC, lesson_id DESC LIMIT ?"
        )
        rows = await self._db.read(lambda c: c.execute(sql, (*args, limit)).fetchall())
        return tuple(DeletedLesson(_record(r), parse_timestamp(r["purge_after"])) for r in rows)

    async def count(self, owner: str) -> int:
        """The owner's lessons, counted on the listing index (no table rows read)."""
        row = await self._db.read(
            lambda c: c.execute(
                "SELECT count(*) FROM lessons WHERE owner = ? AND status = 'ok'", (owner,)
            ).fetchone()
        )
        return int(row[0])

    async def ping(self) -> None:
        """Check the file answers."""
        await self._db.read(lambda c: c.execute("SELECT 1").fetchone())


def insert_lesson(connection: sqlite3.Connection, record: LessonRecord) -> None:
    """Insert a lesson's summary and body (inside the caller's transaction)."""
    check_lesson_size(record.lesson_json)
    exists = connection.execute(
        "SELECT 1 FROM lessons WHERE lesson_id = ?", (record.lesson_id,)
    ).fetchone()
    if exists is not None:
        raise AlreadyExistsError(f"lesson {record.lesson_id} exists")
    text = search_text(record.title, record.topic)
    search_rowid = next_search_rowid(connection)
    connection.execute(
        "INSERT INTO lessons (lesson_id, owner, topic, title, tags, search_text, created_at,"
        " updated_at, version, schema_version, prompt_version, widgets_version, idempotency_key,"
        " provider_a, model_a, provider_b, model_b, meta, status, search_rowid)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record.lesson_id,
            record.owner,
            record.topic,
            record.title,
            json.dumps(list(record.tags)),
            text,
            timestamp(record.created_at),
            timestamp(record.updated_at),
            record.version,
            record.schema_version,
            record.prompt_version,
            record.widgets_version,
            record.idempotency_key,
            record.provider_a,
            record.model_a,
            record.provider_b,
            record.model_b,
            meta_json(record.meta),
            record.status,
            search_rowid,
        ),
    )
    index_text(connection, search_rowid, text)
    connection.execute(
        "INSERT INTO lesson_bodies (lesson_id, lesson_json) VALUES (?, ?)",
        (record.lesson_id, record.lesson_json),
    )


def _summary(row: sqlite3.Row) -> LessonSummary:
    """The summary in a row's first columns (``SUMMARY_COLUMNS``, read by position)."""
    lesson_id, topic, title, tags, created, updated, version, schema_version, status = row[:9]
    created_at = parse_timestamp(created)
    return LessonSummary(
        lesson_id=lesson_id,
        topic=topic,
        title=title,
        tags=read_tags(tags),
        created_at=created_at,
        # A lesson never changed was updated when it was created: one text, parsed once.
        updated_at=created_at if updated == created else parse_timestamp(updated),
        version=version,
        schema_version=schema_version,
        status=status,
    )


def _record(row: sqlite3.Row) -> LessonRecord:
    return record_from(_summary(row), dict(row), row["lesson_json"])
