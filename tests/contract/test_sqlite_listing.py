"""SQLite listing reads its indexes: a deep page seeks, a search reads the FTS5 index.

Costs are counted in SQLite virtual-machine steps (a progress handler called on every
step), which do not depend on the machine's speed, and every plan is SQLite's own
``EXPLAIN QUERY PLAN`` of the statements the repository ran.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import astuple
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from adapters.serialization import meta_json, search_text, timestamp
from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.lessons import SqliteLessonRepository, insert_lesson
from adapters.sqlite.search import MAX_INDEXED_MATCHES
from application.cursor import CursorCodec
from application.principal import DEV_TENANT
from application.records import LessonChanges, LessonQuery, LessonRecord
from tests.support.fakes import FakeClock
from tests.support.records import make_record

T = TypeVar("T")
START = datetime(2026, 1, 1, tzinfo=UTC)
WORDS = ["Photosynthesis", "Volcanoes", "Fractions", "Tides", "Glaciers", "Optics", "Knots"]


class MeteredDatabase(SqliteDatabase):
    """The SQLite file, counting the steps of every read and keeping its statements."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.steps = 0
        self.statements: list[str] = []

    async def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def metered(connection: sqlite3.Connection) -> T:
            connection.set_progress_handler(self._step, 1)
            connection.set_trace_callback(self._trace)
            try:
                return work(connection)
            finally:
                connection.set_progress_handler(None, 1)
                connection.set_trace_callback(None)

        return await super().read(metered)

    def _step(self) -> int:
        self.steps += 1
        return 0  # go on

    def _trace(self, statement: str) -> None:
        if not statement.startswith("--"):  # not a statement of FTS5's own
            self.statements.append(statement)

    async def cost(self, call: Callable[[], Awaitable[object]]) -> tuple[int, str]:
        """The steps ``call`` took, and the plans of the statements it ran."""
        self.steps, self.statements = 0, []
        await call()
        steps, statements = self.steps, self.statements

        def explain(connection: sqlite3.Connection) -> list[str]:
            return [
                row["detail"]
                for statement in statements
                for row in connection.execute("EXPLAIN QUERY PLAN " + statement)
            ]

        return steps, "\n".join(await super().read(explain))


def repository(database: SqliteDatabase) -> SqliteLessonRepository:
    return SqliteLessonRepository(
        database, CursorCodec(b"listing-test-cursor-secret-0001"), FakeClock()
    )


def lesson(n: int, **fields: object) -> LessonRecord:
    word = WORDS[n % len(WORDS)]
    at = START + timedelta(milliseconds=n // 3)  # three lessons share each instant
    fields = {"title": f"Lesson {n}: {word}", "topic": word, **fields}
    return make_record(at, lesson_id=f"{n:08x}-0000-4000-8000-{n:012x}", **fields)


async def seed(database: SqliteDatabase, records: list[LessonRecord]) -> None:
    def insert_all(connection: sqlite3.Connection) -> None:
        for record in records:
            insert_lesson(connection, record)

    await database.write(insert_all)


async def test_page_50_costs_what_page_1_costs_and_seeks_the_index(tmp_path: Path) -> None:
    database = MeteredDatabase(tmp_path / "dgs.sqlite3")
    lessons = repository(database)
    await seed(database, [lesson(n) for n in range(1500)])
    cursor = None
    for _ in range(49):
        cursor = (
            await lessons.list_summaries(DEV_TENANT, LessonQuery(limit=20, cursor=cursor))
        ).next_cursor
    assert cursor is not None

    first, _ = await database.cost(
        lambda: lessons.list_summaries(DEV_TENANT, LessonQuery(limit=20))
    )
    deep, plan = await database.cost(
        lambda: lessons.list_summaries(DEV_TENANT, LessonQuery(limit=20, cursor=cursor))
    )
    assert deep < 1.5 * first, (first, deep)
    # The row value seeks the listing index to the cursor: nothing before it is read.
    assert "USING INDEX lessons_newest_first" in plan
    assert "(created_at,lesson_id)<(?,?)" in plan, plan
    database.close()


async def test_a_deep_page_with_filters_seeks_too(tmp_path: Path) -> None:
    database = MeteredDatabase(tmp_path / "dgs.sqlite3")
    lessons = repository(database)
    await seed(database, [lesson(n, tags=("even",) if n % 2 else ("odd",)) for n in range(900)])
    query = LessonQuery(limit=10, tag="even", created_from=START + timedelta(milliseconds=1))
    cursor = None
    for _ in range(30):
        page = await lessons.list_summaries(
            DEV_TENANT,
            LessonQuery(limit=10, tag="even", created_from=query.created_from, cursor=cursor),
        )
        cursor = page.next_cursor
    first, _ = await database.cost(lambda: lessons.list_summaries(DEV_TENANT, query))
    deep, plan = await database.cost(
        lambda: lessons.list_summaries(
            DEV_TENANT,
            LessonQuery(limit=10, tag="even", created_from=query.created_from, cursor=cursor),
        )
    )
    assert deep < 1.5 * first, (first, deep)
    assert "(created_at,lesson_id)<(?,?)" in plan, plan
    database.close()


async def search_cost(tmp_path: Path, count: int, q: str, rare_title: str) -> tuple[int, str]:
    database = MeteredDatabase(tmp_path / f"search-{count}.sqlite3")
    lessons = repository(database)
    records = [lesson(n) for n in range(count)]
    records[count // 2] = lesson(count // 2, title=rare_title)
    await seed(database, records)
    found = await lessons.list_summaries(DEV_TENANT, LessonQuery(q=q))
    assert len(found.items) == (1 if q.casefold() in rare_title.casefold() else 20)
    cost = await database.cost(lambda: lessons.list_summaries(DEV_TENANT, LessonQuery(q=q)))
    database.close()
    return cost


async def test_a_rare_search_over_2000_lessons_costs_what_it_costs_over_100(
    tmp_path: Path,
) -> None:
    small, _ = await search_cost(tmp_path, 100, "ZYMURGY", "A Zymurgy primer")
    large, plan = await search_cost(tmp_path, 2000, "ZYMURGY", "A Zymurgy primer")
    assert large < 2 * small, (small, large)
    assert "lesson_search VIRTUAL TABLE" in plan, plan  # the FTS5 index finds the lesson


async def test_a_common_search_stops_at_the_page_whatever_the_store(tmp_path: Path) -> None:
    """A term in every lesson: the listing order is walked, and the walk stops at one page."""
    small, _ = await search_cost(tmp_path, 100, "lesson", "Another title")
    large, _ = await search_cost(tmp_path, 2000, "lesson", "Another title")
    assert large < 2 * small, (small, large)


TEXTS = [
    ("Straße und Fluss", "Deutsch"),
    ("OFFICE hours", "ﬁles and ﬂows"),
    ("Ωmega: the END", "Greek ΣΊΣΥΦΟΣ"),
    ("Tides", "The moon"),
    ('Quotes "and" stars*', "NEAR (a OR b)"),
    ("日本語のテキスト", "かな"),
    ("a", "b"),
    ("Before\x00after NUL", "x"),  # FTS5 would index this text only up to its NUL
]


async def test_search_is_case_insensitive_substring_for_every_query_length(
    tmp_path: Path,
) -> None:
    """Every substring of every title and topic, in several casings, finds exactly its lessons.

    Short queries (1-2 characters, which the trigram index cannot serve) and queries
    across the end of a title are included, and so are FTS5's query operators.
    """
    database = SqliteDatabase(tmp_path / "dgs.sqlite3")
    lessons = repository(database)
    records = [lesson(n, title=title, topic=topic) for n, (title, topic) in enumerate(TEXTS)]
    await seed(database, records)
    queries = {"ss", "ß", "ﬃ", "zz", '"', '""', "*", "a\x00b", "\n", "  ", "e\nd", "  TIDES"}
    for title, topic in TEXTS:
        for text in (title, topic, title.upper(), topic.lower()):
            queries |= {text[i : i + k] for k in range(1, 7) for i in range(len(text) - k + 1)}
    newest_first = sorted(records, key=lambda r: (r.created_at, r.lesson_id), reverse=True)
    for q in sorted(queries):
        expected = [
            r.lesson_id for r in newest_first if q.casefold() in search_text(r.title, r.topic)
        ]
        page = await lessons.list_summaries(DEV_TENANT, LessonQuery(q=q, limit=100))
        assert [s.lesson_id for s in page.items] == expected, repr(q)
    database.close()


# The lesson tables as DGS made them before the search index (issue 12).
_OLD_SCHEMA = """
CREATE TABLE lessons (
    lesson_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, topic TEXT NOT NULL,
    title TEXT NOT NULL, tags TEXT NOT NULL, search_text TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL,
    schema_version TEXT NOT NULL, prompt_version TEXT NOT NULL, widgets_version TEXT NOT NULL,
    idempotency_key TEXT, provider_a TEXT NOT NULL, model_a TEXT NOT NULL,
    provider_b TEXT NOT NULL, model_b TEXT NOT NULL, meta TEXT NOT NULL, status TEXT NOT NULL
);
CREATE INDEX lessons_newest_first ON lessons (tenant, status, created_at DESC, lesson_id DESC);
CREATE TABLE lesson_bodies (
    lesson_id TEXT PRIMARY KEY REFERENCES lessons (lesson_id), lesson_json TEXT NOT NULL
);
"""


def old_file(path: Path, records: list[LessonRecord]) -> None:
    connection = sqlite3.connect(path)
    connection.executescript(_OLD_SCHEMA)
    for r in records:
        row = astuple(r)
        connection.execute(
            "INSERT INTO lessons VALUES (?, 'default', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (r.lesson_id, r.topic, r.title, json.dumps(list(r.tags)), search_text(r.title, r.topic),
             timestamp(r.created_at), timestamp(r.updated_at), *row[7:16], meta_json(r.meta), r.status),
        )  # fmt: skip
        connection.execute("INSERT INTO lesson_bodies VALUES (?, ?)", (r.lesson_id, r.lesson_json))
    connection.commit()
    connection.close()


async def test_a_file_made_before_the_search_index_gets_it_on_open(tmp_path: Path) -> None:
    path = tmp_path / "dgs.sqlite3"
    old = [lesson(n, title=f"Plate tectonics {n}") for n in range(3)] + [lesson(3)]
    old_file(path, old)
    database = MeteredDatabase(path)
    lessons = repository(database)

    _, plan = await database.cost(
        lambda: lessons.list_summaries(DEV_TENANT, LessonQuery(q="TECTONIC"))
    )
    assert "lesson_search VIRTUAL TABLE" in plan, plan
    page = await lessons.list_summaries(DEV_TENANT, LessonQuery(q="TECTONIC"))
    assert [s.lesson_id for s in page.items] == [r.lesson_id for r in reversed(old[:3])]
    # The index follows every write from now on: a new lesson, and a renamed one.
    new = lesson(10, title="Tectonic plates, again")
    await lessons.save(new)
    await lessons.update(DEV_TENANT, old[0].lesson_id, 1, LessonChanges(title="Continental drift"))
    page = await lessons.list_summaries(DEV_TENANT, LessonQuery(q="tectonic"))
    assert [s.lesson_id for s in page.items] == [new.lesson_id, old[2].lesson_id, old[1].lesson_id]
    page = await lessons.list_summaries(DEV_TENANT, LessonQuery(q="drift"))
    assert [s.lesson_id for s in page.items] == [old[0].lesson_id]
    database.close()
    # Opened again (by this or another process), the file is upgraded once, not twice.
    reopened = SqliteDatabase(path)
    assert (
        len(
            (await repository(reopened).list_summaries(DEV_TENANT, LessonQuery(q="tectonic"))).items
        )
        == 3
    )
    reopened.close()


async def test_a_frequent_search_paginates_through_the_walk_too(tmp_path: Path) -> None:
    """More matches than the index path takes: pages walk the listing order, and agree."""
    database = SqliteDatabase(tmp_path / "dgs.sqlite3")
    lessons = repository(database)
    records = [lesson(n, title=f"Tectonics {n}" if n % 5 else f"Tides {n}") for n in range(600)]
    await seed(database, records)
    newest_first = sorted(records, key=lambda r: (r.created_at, r.lesson_id), reverse=True)
    expected = [r.lesson_id for r in newest_first if "tectonic" in r.title.casefold()]
    assert len(expected) > MAX_INDEXED_MATCHES
    seen: list[str] = []
    cursor = None
    while True:
        page = await lessons.list_summaries(
            DEV_TENANT, LessonQuery(q="TECTONIC", limit=100, cursor=cursor)
        )
        seen += [s.lesson_id for s in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert seen == expected
    database.close()
