"""The SQL of a listing page: filters, keyset position and order, in one statement."""

from __future__ import annotations

from typing import Any

from adapters.serialization import timestamp
from application.cursor import Position
from application.records import LessonQuery

TENANT = "default"
SUMMARY_COLUMNS = (
    "lesson_id, topic, title, tags, created_at, updated_at, version, schema_version, status"
)


def listing_statement(query: LessonQuery, after: Position | None) -> tuple[str, list[Any]]:
    """The statement reading one page of ``query`` (one row more than the page: is there more?)."""
    sql = [f"SELECT {SUMMARY_COLUMNS} FROM lessons WHERE tenant = ? AND status = 'ok'"]
    args: list[Any] = [TENANT]
    if query.created_from is not None:
        sql.append("AND created_at >= ?")
        args.append(timestamp(query.created_from))
    if query.created_to is not None:
        sql.append("AND created_at < ?")
        args.append(timestamp(query.created_to))
    if query.tag is not None:
        sql.append("AND EXISTS (SELECT 1 FROM json_each(lessons.tags) WHERE value = ?)")
        args.append(query.tag)
    if query.q:
        sql.append("AND instr(search_text, ?) > 0")
        args.append(query.q.casefold())
    if after is not None:
        sql.append("AND (created_at < ? OR (created_at = ? AND lesson_id < ?))")
        args += [after.created_at, after.created_at, after.lesson_id]
    sql.append("ORDER BY created_at DESC, lesson_id DESC LIMIT ?")
    args.append(query.limit + 1)
    return " ".join(sql), args
