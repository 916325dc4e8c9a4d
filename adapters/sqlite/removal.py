"""Removing lessons from the SQLite file, and handing them to another owner.

A deleted lesson keeps its rows with ``status = 'deleted'`` and ``purge_after`` set:
reads and listings skip it at once. The sweep erases lessons past ``purge_after`` (their
summary, body and search entry), a bounded batch at a time through the partial index
``lessons_purge``; every delete runs it first, so the file sheds expired lessons as it is
used, and ``SqliteLessonRepository.purge_expired`` runs it on demand.
"""

from __future__ import annotations

import sqlite3

from adapters.sqlite.search import unindex_text
from application.errors import NotFoundError, VersionConflictError

SWEEP_BATCH = 100  # lessons erased per sweep: a delete never waits on a long purge


def mark_deleted(
    connection: sqlite3.Connection,
    owner: str,
    lesson_id: str,
    expected_version: int | None,
    now: str,
    purge_after: str,
) -> None:
    """Mark the owner's lesson deleted (inside the caller's transaction)."""
    row = connection.execute(
        "SELECT version FROM lessons WHERE lesson_id = ? AND owner = ? AND status != 'deleted'",
        (lesson_id, owner),
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no lesson {lesson_id}")
    if expected_version is not None and row["version"] != expected_version:
        raise VersionConflictError(expected_version, row["version"])
    connection.execute(
        "UPDATE lessons SET status = 'deleted', version = version + 1, updated_at = ?,"
        " purge_after = ? WHERE lesson_id = ?",
        (now, purge_after, lesson_id),
    )


def erase(connection: sqlite3.Connection, lesson_id: str, owner: str | None = None) -> bool:
    """Remove a lesson's summary, body and search entry (of ``owner``'s, if given)."""
    row = connection.execute(
        "SELECT owner, search_rowid, search_text FROM lessons WHERE lesson_id = ?", (lesson_id,)
    ).fetchone()
    if row is None or (owner is not None and row["owner"] != owner):
        return False
    connection.execute("DELETE FROM lesson_bodies WHERE lesson_id = ?", (lesson_id,))
    connection.execute("DELETE FROM lessons WHERE lesson_id = ?", (lesson_id,))
    if row["search_rowid"] is not None:
        unindex_text(connection, row["search_rowid"], row["search_text"])
    return True


def sweep(connection: sqlite3.Connection, now: str, batch: int = SWEEP_BATCH) -> int:
    """Erase up to ``batch`` deleted lessons whose retention ended by ``now``."""
    rows = connection.execute(
        "SELECT lesson_id FROM lessons WHERE purge_after IS NOT NULL AND purge_after <= ? LIMIT ?",
        (now, batch),
    ).fetchall()
    return sum(erase(connection, row["lesson_id"]) for row in rows)


def owned(connection: sqlite3.Connection, owner: str, limit: int) -> tuple[str, ...]:
    """Up to ``limit`` of the owner's lesson ids, any status (on the listing index)."""
    rows = connection.execute(
        "SELECT lesson_id FROM lessons WHERE owner = ? LIMIT ?", (owner, limit)
    ).fetchall()
    return tuple(row["lesson_id"] for row in rows)


def reassign(
    connection: sqlite3.Connection, lesson_id: str, from_owner: str, to_owner: str
) -> bool:
    """Hand a lesson to another owner (inside the caller's transaction)."""
    moved = connection.execute(
        "UPDATE lessons SET owner = ? WHERE lesson_id = ? AND owner = ?",
        (to_owner, lesson_id, from_owner),
    )
    return moved.rowcount == 1
