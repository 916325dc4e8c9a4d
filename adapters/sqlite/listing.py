"""The SQL of a listing page: filters, keyset position and order, in one statement.

Every page walks ``lessons_newest_first`` (owner, status, created_at DESC, lesson_id
DESC) from its cursor: the row value ``(created_at, lesson_id) < (?, ?)`` lets SQLite
seek the index to the cursor (sqlite.org/rowvalue.html, "Row Value Comparisons"), so
page 500 reads what page 1 reads. A search the trigram index can serve, matching few
lessons, starts from the index instead and sorts those few (``adapters.sqlite.search``).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from adapters.serialization import timestamp
from adapters.sqlite.search import few_matches, indexed_needle, phrase
from application.cursor import Position
from application.records import LessonQuery

SUMMARY_COLUMNS = (
    "lesson_id, topic, title, tags, created_at, updated_at, version, schema_version, status"
)


def read_page(
    connection: sqlite3.Connection, owner: str, query: LessonQuery, after: Position | None
) -> list[sqlite3.Row]:
    """The rows of one page of ``owner``'s ``query`` after ``after``, and one more if any follow."""
    needle = indexed_needle(query.q)
    if needle is not None and not few_matches(connection, needle):
        needle = None  # so many match that the walk fills the page sooner
    sql, args = listing_statement(owner, query, after, needle)
    return connection.execute(sql, args).fetchall()


def listing_statement(
    owner: str, query: LessonQuery, after: Position | None, needle: str | None = None
) -> tuple[str, list[Any]]:
    """The statement reading a page; with ``needle``, of the lessons the index matches."""
    if needle is not None:
        # CROSS JOIN keeps the search index the outer loop (sqlite.org/optoverview.html,
        # "Manual Control Of Query Plans Using CROSS JOIN").
        sql = [
            f"SELECT {SUMMARY_COLUMNS} FROM lesson_search CROSS JOIN lessons"
            " ON lessons.search_rowid = lesson_search.rowid WHERE lesson_search MATCH ?"
            " AND owner = ? AND status = 'ok'"
        ]
        args: list[Any] = [phrase(needle), owner]
    else:
        sql = [f"SELECT {SUMMARY_COLUMNS} FROM lessons WHERE owner = ? AND status = 'ok'"]
        args = [owner]
    if query.created_from is not None:
        sql.append("AND created_at >= ?")
        args.append(timestamp(query.created_from))
    if query.created_to is not None:
        sql.append("AND created_at < ?")
        args.append(timestamp(query.created_to))
    if query.tag is not None:
        sql.append("AND EXISTS (SELECT 1 FROM json_each(lessons.tags) WHERE value = ?)")
        args.append(query.tag)
    if query.q:  # the text itself decides: the index only finds candidates
        sql.append("AND instr(search_text, ?) > 0")
        args.append(query.q.casefold())
    if after is not None:
        sql.append("AND (created_at, lesson_id) < (?, ?)")
        args += [after.created_at, after.lesson_id]
    sql.append("ORDER BY created_at DESC, lesson_id DESC LIMIT ?")
    args.append(query.limit + 1)
    return " ".join(sql), args
