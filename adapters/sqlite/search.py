"""The ``q=`` search index: an FTS5 trigram index of each lesson's ``search_text``.

``search_text`` is the case-folded title and topic (``adapters.serialization``), and ``q``
matches a lesson when its case-folded text is a substring of it. FTS5's trigram
tokenizer indexes every three-character window, so a phrase query of three or more
characters finds exactly the texts containing it (sqlite.org/fts5.html, "The Trigram
Tokenizer"); ``case_sensitive 1`` leaves the folding to Python's ``str.casefold``, the
one that made ``search_text``. Shorter queries match nothing through the index: they
are answered by the listing walk, as every query was before the index.

The index is contentless (it keeps no copy of the text) and is keyed by
``lessons.search_rowid``, a stable integer of our own: the implicit rowid of a table
without an INTEGER PRIMARY KEY may change on VACUUM (sqlite.org/lang_vacuum.html).
``insert_lesson`` and the update of a lesson keep it in step, in their transactions.
"""

from __future__ import annotations

import sqlite3

# A trigram index holds no token shorter than this (sqlite.org/fts5.html: "Substrings
# consisting of fewer than 3 unicode characters do not match any rows").
TRIGRAM = 3
# Up to this many matching lessons are read through the index and sorted. A query matching
# more lessons is frequent enough that walking the listing order finds a page sooner.
MAX_INDEXED_MATCHES = 400

SEARCH_TABLE = (
    "CREATE VIRTUAL TABLE lesson_search USING fts5("
    " title_topic, content='', tokenize='trigram case_sensitive 1')"
)
# After the column exists (files made before the index gain it in ``add_search_index``).
SEARCH_ROWID_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS lessons_search_rowid ON lessons (search_rowid);"
)


def add_search_index(connection: sqlite3.Connection) -> None:
    """Give a file without the index its column and table, filled from its lessons.

    Runs inside the caller's transaction, so a file is upgraded once and whole.
    """
    columns = {row[1] for row in connection.execute("PRAGMA table_info(lessons)")}
    if "search_rowid" not in columns:
        connection.execute("ALTER TABLE lessons ADD COLUMN search_rowid INTEGER")
        connection.execute("UPDATE lessons SET search_rowid = rowid")
    exists = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'lesson_search'"
    ).fetchone()
    if exists is None:
        connection.execute(SEARCH_TABLE)
        rows = connection.execute("SELECT search_rowid, search_text FROM lessons").fetchall()
        for search_rowid, text in rows:
            index_text(connection, search_rowid, text)


def next_search_rowid(connection: sqlite3.Connection) -> int:
    """The key of a new lesson in the index (inside the writing transaction)."""
    (last,) = connection.execute("SELECT max(search_rowid) FROM lessons").fetchone()
    return 1 if last is None else int(last) + 1


def index_text(connection: sqlite3.Connection, search_rowid: int, text: str) -> None:
    """Index a lesson's ``search_text`` (inside the transaction that writes it)."""
    connection.execute(
        "INSERT INTO lesson_search (rowid, title_topic) VALUES (?, ?)",
        (search_rowid, _indexed(text)),
    )


def reindex_text(connection: sqlite3.Connection, search_rowid: int, old: str, new: str) -> None:
    """Replace a lesson's indexed text (inside the transaction that changes it)."""
    if old == new:
        return
    unindex_text(connection, search_rowid, old)
    index_text(connection, search_rowid, new)


def unindex_text(connection: sqlite3.Connection, search_rowid: int, text: str) -> None:
    """Forget a lesson's indexed text (inside the transaction that changes or removes it)."""
    # A contentless index forgets a row through its 'delete' command, given the text it
    # indexed (sqlite.org/fts5.html, "Contentless Tables").
    connection.execute(
        "INSERT INTO lesson_search (lesson_search, rowid, title_topic) VALUES ('delete', ?, ?)",
        (search_rowid, _indexed(text)),
    )


def _indexed(text: str) -> str:
    """The text as indexed: NUL as a space (FTS5 indexes text only up to its first NUL).

    A query without NUL then finds every text containing it, and the listing checks the
    text itself, so nothing false is found.
    """
    return text.replace("\x00", " ")


def indexed_needle(q: str | None) -> str | None:
    """``q`` as the index matches it (case-folded), or None when the index cannot serve it."""
    if not q:
        return None
    needle = q.casefold()
    return needle if len(needle) >= TRIGRAM and "\x00" not in needle else None


def phrase(needle: str) -> str:
    """An FTS5 query matching ``needle`` as one phrase: quoted, so no character is syntax."""
    return '"' + needle.replace('"', '""') + '"'


def few_matches(connection: sqlite3.Connection, needle: str) -> bool:
    """Whether at most ``MAX_INDEXED_MATCHES`` lessons contain ``needle`` (counting stops there)."""
    (count,) = connection.execute(
        "SELECT count(*) FROM (SELECT 1 FROM lesson_search WHERE lesson_search MATCH ? LIMIT ?)",
        (phrase(needle), MAX_INDEXED_MATCHES + 1),
    ).fetchone()
    return bool(count <= MAX_INDEXED_MATCHES)
