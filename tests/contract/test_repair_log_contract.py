"""The RepairLog contract, for every store: compressed, capped with a marker, expiring, and
read back in order, page by page, for the fine-tuning export."""

from __future__ import annotations

import base64
import os
import sqlite3
import uuid
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.dynamodb import codec
from adapters.dynamodb.repairs import DynamoRepairLog
from adapters.serialization import MAX_REPAIR_BYTES, repair_document
from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.repairs import PAGE_QUERY, SqliteRepairLog
from application.ports.generation import LoggedRepair, RepairLogReader, RepairRecord
from application.principal import DEV_TENANT
from application.use_cases.generate_lesson import GenerateLesson, GenerateRequest
from domain.generation import LessonConstraints
from domain.validation.result import Issue
from tests.contract.conftest import REPAIR_TTL, Stores
from tests.support.fakes import FakeGatherer, FakeRepairer, FakeStructurer
from tests.support.generation import IDM, INVALID, VALID

ISSUE = Issue(path="/title", code="value.empty", message="the title is empty", rule_source="schema")


def huge(size: int = 600_000) -> dict[str, Any]:
    """An invalid lesson a model might write: incompressible and far over any item limit."""
    blob = base64.b64encode(os.urandom(size * 3 // 4)).decode()
    return {**INVALID, "blocks": [{"p": blob}]}


def repair(invalid: Any = INVALID, repaired: Any = VALID) -> RepairRecord:
    return RepairRecord(
        IDM, invalid, (ISSUE,), repaired, "valid", "1.1", "v1-test", owner=DEV_TENANT
    )


async def stored(stores: Stores) -> list[dict[str, Any]]:
    """Every repair row or item as kept: its raw record and, on DynamoDB, its ttl."""
    if stores.database is not None:
        rows = await stores.database.read(
            lambda c: c.execute("SELECT record FROM repairs ORDER BY created_at").fetchall()
        )
        return [{"raw": row["record"]} for row in rows]
    items = [codec.from_attributes(item) for item in await repair_items(stores)]
    return [{"raw": item["record_gz"], "ttl": item.get("ttl")} for item in items]


async def repair_items(stores: Stores) -> list[dict[str, Any]]:
    """The DynamoDB items of the dev tenant's repair records, as attribute values."""
    assert stores.table is not None
    response = await stores.table.call(
        "query",
        TableName=stores.table.name,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :repair)",
        ExpressionAttributeValues={
            ":pk": codec.value(DEV_TENANT),
            ":repair": codec.value("REPAIR#"),
        },
    )
    items: list[dict[str, Any]] = response["Items"]
    return items


async def test_a_repair_record_is_kept_whole_and_compressed(stores: Stores) -> None:
    await stores.repairs.record(repair())
    (row,) = await stored(stores)
    assert isinstance(row["raw"], bytes)
    document = repair_document(row["raw"])
    assert "truncated" not in document
    assert (document["outcome"], document["schema_version"]) == ("valid", "1.1")
    assert (document["invalid_lesson"], document["repaired_lesson"]) == (INVALID, VALID)
    assert document["errors"] == [ISSUE.to_dict()]
    assert document["idm"] == IDM.model_dump(mode="json")


async def test_a_huge_repair_record_is_capped_and_marked(stores: Stores) -> None:
    await stores.repairs.record(repair(huge(), {**VALID, "blocks": huge()["blocks"]}))
    (row,) = await stored(stores)
    assert len(row["raw"]) <= MAX_REPAIR_BYTES
    document = repair_document(row["raw"])
    assert document["truncated"] is True
    cut = document["invalid_lesson"]
    assert cut["truncated"] is True
    assert cut["bytes"] > 600_000
    assert cut["head"].startswith('{"schema_version":"1.1"')
    assert document["errors"] == [ISSUE.to_dict()]  # small parts are kept whole


async def test_repair_records_expire(stores: Stores) -> None:
    await stores.repairs.record(repair())
    if stores.table is not None:  # DynamoDB's TTL deletes it
        (row,) = await stored(stores)
        assert row["ttl"] == int((stores.clock.now() + REPAIR_TTL).timestamp())
        return
    stores.clock.advance(REPAIR_TTL - timedelta(seconds=1))
    await stores.repairs.record(repair())
    assert len(await stored(stores)) == 2
    stores.clock.advance(timedelta(seconds=2))
    await stores.repairs.record(repair())  # writes delete the expired on the way
    assert len(await stored(stores)) == 2


async def test_a_huge_repair_record_never_fails_the_generation(stores: Stores) -> None:
    generate = GenerateLesson(
        FakeGatherer([IDM]), FakeStructurer([huge()]), FakeRepairer([VALID]), stores.lessons,
        stores.repairs, stores.clock, _Ids(), prompt_version="v1-test",
        deadline=timedelta(seconds=150),
    )  # fmt: skip
    generated = await generate(GenerateRequest("Tides"))
    assert (await stores.lessons.get(DEV_TENANT, generated.record.lesson_id)).title == VALID[
        "title"
    ]
    (row,) = await stored(stores)
    assert repair_document(row["raw"])["truncated"] is True


class _Ids:
    def lesson_id(self) -> str:
        return str(uuid.uuid4())

    def token(self) -> str:
        return "token"


# Reading the log back (`dgs repairs export`).

CONSTRAINTS = LessonConstraints(learner_level="Expert", language="fr", length="Training")


def paged(stores: Stores, page_size: int) -> RepairLogReader:
    """The store's repair log reading ``page_size`` records per query."""
    if stores.database is not None:
        return SqliteRepairLog(
            stores.database, stores.clock, _Ids(), REPAIR_TTL, page_size=page_size
        )
    assert stores.table is not None
    return DynamoRepairLog(stores.table, stores.clock, _Ids(), REPAIR_TTL, page_size=page_size)


async def read_all(reader: Any, since: datetime | None = None) -> list[LoggedRepair]:
    assert isinstance(reader, RepairLogReader)
    return [logged async for logged in reader.read(since)]


async def test_the_log_reads_back_whole_records_oldest_first_page_by_page(stores: Stores) -> None:
    written = []
    for n in range(5):
        record = RepairRecord(
            IDM, {**INVALID, "title": f"#{n}"}, (ISSUE,), VALID, "valid" if n % 2 else "invalid",
            "1.1", "v1-test", CONSTRAINTS, owner=DEV_TENANT,
        )  # fmt: skip
        await stores.repairs.record(record)
        written.append((stores.clock.now(), record))
        stores.clock.advance(timedelta(minutes=1))
    queries_before = stores.proxy.operations().count("Query") if stores.proxy else 0

    logged = await read_all(paged(stores, page_size=2))

    assert [(entry.created_at, entry.record) for entry in logged] == written
    assert [entry.outcome for entry in logged] == [r.outcome for _, r in written]
    assert all(entry.problem is None for entry in logged)
    assert len({entry.repair_id for entry in logged}) == 5
    if stores.proxy is not None:  # three pages of at most two: one Query each, never a Scan
        assert stores.proxy.operations().count("Query") - queries_before == 3
    assert await read_all(stores.repairs) == logged  # the default page size reads the same


async def test_reading_since_a_moment_starts_there(stores: Stores) -> None:
    moments = []
    for _ in range(3):
        moments.append(stores.clock.now())
        await stores.repairs.record(repair())
        stores.clock.advance(timedelta(hours=1))
    assert [e.created_at for e in await read_all(stores.repairs, moments[1])] == moments[1:]
    later = moments[2] + timedelta(microseconds=1)
    assert await read_all(stores.repairs, later) == []


async def test_a_record_without_constraints_reads_back_without_them(stores: Stores) -> None:
    await stores.repairs.record(repair())  # as records were kept before constraints were
    (entry,) = await read_all(stores.repairs)
    assert entry.record == repair()
    assert entry.record is not None
    assert entry.record.constraints is None


async def test_a_truncated_record_reads_back_as_truncated(stores: Stores) -> None:
    await stores.repairs.record(repair(huge()))
    (entry,) = await read_all(stores.repairs)
    assert (entry.record, entry.problem, entry.outcome) == (None, "truncated", "valid")


async def test_expired_records_are_not_read_even_before_they_are_deleted(stores: Stores) -> None:
    await stores.repairs.record(repair())
    stores.clock.advance(REPAIR_TTL - timedelta(seconds=2))
    assert len(await read_all(stores.repairs)) == 1
    stores.clock.advance(timedelta(seconds=4))
    assert len(await stored(stores)) == 1  # still kept: nothing has deleted it yet
    assert await read_all(stores.repairs) == []


async def test_a_damaged_record_reads_back_as_unreadable(stores: Stores) -> None:
    await stores.repairs.record(repair())
    await _damage(stores, b"\x1f\x8bnot gzip at all")
    (entry,) = await read_all(stores.repairs)
    assert (entry.record, entry.problem, entry.outcome) == (None, "unreadable", "valid")


async def _damage(stores: Stores, raw: bytes) -> None:
    """Overwrite every stored repair record with ``raw``."""
    if stores.database is not None:
        await stores.database.write(lambda c: c.execute("UPDATE repairs SET record = ?", (raw,)))
        return
    assert stores.table is not None
    for item in await repair_items(stores):
        await stores.table.call(
            "put_item", TableName=stores.table.name, Item={**item, "record_gz": {"B": raw}}
        )


async def test_sqlite_reads_each_page_as_one_range_of_an_index(tmp_path: Path) -> None:
    path = tmp_path / "dgs.sqlite3"
    with closing(sqlite3.connect(path)) as older:  # a file made before the export existed
        older.executescript(
            "CREATE TABLE repairs (repair_id TEXT PRIMARY KEY, created_at TEXT NOT NULL,"
            " outcome TEXT NOT NULL, record TEXT NOT NULL);"
            "CREATE INDEX repairs_created_at ON repairs (created_at);"
        )
    database = SqliteDatabase(path)
    plan = await database.read(
        lambda c: c.execute("EXPLAIN QUERY PLAN " + PAGE_QUERY, ("", "", 1)).fetchall()
    )
    steps = " ".join(row["detail"] for row in plan)
    assert "USING INDEX repairs_by_time" in steps
    assert "TEMP B-TREE" not in steps  # no sort: the index is in the order read
    indexes = await database.read(
        lambda c: c.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'repairs'").fetchall()
    )
    assert "repairs_created_at" not in {row["name"] for row in indexes}  # replaced, not kept
    database.close()
