"""``LessonRepository`` on SQLite."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from adapters.serialization import (
    check_lesson_size,
    meta_json,
    parse_timestamp,
    record_from,
    search_text,
    timestamp,
)
from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.listing import TENANT, listing_statement
from application.cursor import CursorCodec, Position
from application.errors import AlreadyExistsError, NotFoundError, VersionConflictError
from application.ports.clock import Clock
from application.records import LessonChanges, LessonQuery, LessonRecord, LessonSummary, Page


class SqliteLessonRepository:
    """Lessons in the embedded SQLite file: summaries and bodies in separate tables."""

    def __init__(self, database: SqliteDatabase, cursors: CursorCodec, clock: Clock) -> None:
        self._db = database
        self._cursors = cursors
        self._clock = clock

    async def save(self, record: LessonRecord) -> None:
        """Store a new lesson."""
        await self._db.write(lambda c: insert_lesson(c, record))

    async def get(self, lesson_id: str) -> LessonRecord:
        """The lesson with this id."""

        def read(connection: sqlite3.Connection) -> LessonRecord:
            row = connection.execute(
                "SELECT l.*, b.lesson_json FROM lessons l JOIN lesson_bodies b USING (lesson_id)"
                " WHERE l.lesson_id = ? AND l.tenant = ?",
                (lesson_id, TENANT),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no lesson {lesson_id}")
            return _record(row)

        return await self._db.read(read)

    async def list_summaries(self, query: LessonQuery) -> Page:
        """Summaries newest first, keyset-paginated; reads only the summary table."""
        after = self._cursors.decode(query.cursor, query) if query.cursor else None
        sql, args = listing_statement(query, after)
        rows = await self._db.read(lambda c: c.execute(sql, args).fetchall())
        items = tuple(_summary(row) for row in rows[: query.limit])
        next_cursor = None
        if len(rows) > query.limit:
            last = rows[query.limit - 1]
            next_cursor = self._cursors.encode(
                Position(last["created_at"], last["lesson_id"]), query
            )
        return Page(items, next_cursor)

    async def update(
        self, lesson_id: str, expected_version: int, changes: LessonChanges
    ) -> LessonRecord:
        """Apply changes if the version still matches, in one transaction."""
        now = timestamp(self._clock.now())
        if changes.lesson_json is not None:
            check_lesson_size(changes.lesson_json)

        def apply(connection: sqlite3.Connection) -> None:
            row = connection.execute(
                "SELECT version, title, topic FROM lessons WHERE lesson_id = ? AND tenant = ?",
                (lesson_id, TENANT),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no lesson {lesson_id}")
            if row["version"] != expected_version:
                raise VersionConflictError(expected_version, row["version"])
            title = changes.title if changes.title is not None else row["title"]
            sets = ["version = version + 1", "updated_at = ?", "title = ?", "search_text = ?"]
            args: list[Any] = [now, title, search_text(title, row["topic"])]
            if changes.tags is not None:
                sets.append("tags = ?")
                args.append(json.dumps(list(changes.tags)))
            connection.execute(
                f"UPDATE lessons SET {', '.join(sets)} WHERE lesson_id = ?", (*args, lesson_id)
            )
            if changes.lesson_json is not None:
                connection.execute(
                    "UPDATE lesson_bodies SET lesson_json = ? WHERE lesson_id = ?",
                    (changes.lesson_json, lesson_id),
                )

        await self._db.write(apply)
        return await self.get(lesson_id)

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
    connection.execute(
        "INSERT INTO lessons (lesson_id, tenant, topic, title, tags, search_text, created_at,"
        " updated_at, version, schema_version, prompt_version, widgets_version, idempotency_key,"
        " provider_a, model_a, provider_b, model_b, meta, status)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record.lesson_id,
            TENANT,
            record.topic,
            record.title,
            json.dumps(list(record.tags)),
            search_text(record.title, record.topic),
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
        ),
    )
    connection.execute(
        "INSERT INTO lesson_bodies (lesson_id, lesson_json) VALUES (?, ?)",
        (record.lesson_id, record.lesson_json),
    )


def _summary(row: sqlite3.Row) -> LessonSummary:
    return LessonSummary(
        lesson_id=row["lesson_id"],
        topic=row["topic"],
        title=row["title"],
        tags=tuple(json.loads(row["tags"])),
        created_at=parse_timestamp(row["created_at"]),
        updated_at=parse_timestamp(row["updated_at"]),
        version=row["version"],
        schema_version=row["schema_version"],
        status=row["status"],
    )


def _record(row: sqlite3.Row) -> LessonRecord:
    return record_from(_summary(row), dict(row), row["lesson_json"])
