"""Repair records are their owner's (issue 14), on every store.

Each record is kept under the owner of the generation it repaired: the owner reads its
own back (``GET /v1/me/export``), erases them (``DELETE /v1/me``) and hands them over
(``dgs store assign-owner``) without touching another's, while the fine-tuning export
still reads the whole log. Records kept before owners are the dev tenant's.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

from adapters.dynamodb import codec
from adapters.serialization import repair_blob, timestamp
from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.repairs import OWNED_QUERY, SqliteRepairLog
from adapters.system import RandomIds
from application.ports.account import Handover, OwnedRepairs
from application.ports.generation import LoggedRepair, RepairLogReader, RepairRecord
from application.principal import DEV_TENANT
from tests.contract.conftest import REPAIR_TTL, Stores
from tests.contract.test_repair_log_contract import ISSUE
from tests.support.fakes import FakeClock
from tests.support.generation import IDM, INVALID, VALID

ALICE = "USER#alice-sub"
BOB = "USER#bob-sub"


def repair(owner: str, title: str = "") -> RepairRecord:
    return RepairRecord(
        IDM, {**INVALID, "title": title}, (ISSUE,), VALID, "valid", "1.1", "v1-test", owner=owner
    )


def owned(stores: Stores) -> OwnedRepairs:
    assert isinstance(stores.repairs, OwnedRepairs)
    return stores.repairs


def handover(stores: Stores) -> Handover:
    assert isinstance(stores.repairs, Handover)
    return stores.repairs


async def whole_log(stores: Stores) -> list[LoggedRepair]:
    assert isinstance(stores.repairs, RepairLogReader)
    return [logged async for logged in stores.repairs.read()]


async def keep(stores: Stores, *records: RepairRecord) -> None:
    for record in records:
        await stores.repairs.record(record)
        stores.clock.advance(timedelta(minutes=1))


async def test_an_owner_reads_back_only_its_own_repairs_newest_first(stores: Stores) -> None:
    await keep(stores, repair(ALICE, "a1"), repair(BOB, "b1"), repair(ALICE, "a2"))
    mine = await owned(stores).kept(ALICE, 10)
    assert [r.document["invalid_lesson"]["title"] for r in mine] == ["a2", "a1"]
    assert all(r.outcome == "valid" and r.document["errors"] == [ISSUE.to_dict()] for r in mine)
    assert [r.document["invalid_lesson"]["title"] for r in await owned(stores).kept(BOB, 10)] == [
        "b1"
    ]
    assert await owned(stores).kept("USER#nobody", 10) == ()
    # Page by page: after the last one read.
    (first,) = await owned(stores).kept(ALICE, 1)
    rest = await owned(stores).kept(ALICE, 10, (first.created_at, first.repair_id))
    assert [r.repair_id for r in (first, *rest)] == [r.repair_id for r in mine]
    # The fine-tuning export still reads every owner's, each record naming its owner.
    logged = await whole_log(stores)
    assert [e.record.owner for e in logged if e.record] == [ALICE, BOB, ALICE]


async def test_expired_repairs_are_not_read_back(stores: Stores) -> None:
    await keep(stores, repair(ALICE), repair(ALICE))
    (newest,) = await owned(stores).kept(ALICE, 1)
    stores.clock.advance(REPAIR_TTL)
    assert await owned(stores).kept(ALICE, 10) == ()
    # A page resumed after a record that expired since: the rest expired too.
    assert await owned(stores).kept(ALICE, 10, (newest.created_at, newest.repair_id)) == ()


async def test_forget_erases_the_owners_repairs_and_no_others(stores: Stores) -> None:
    await keep(stores, repair(ALICE), repair(BOB), repair(ALICE))
    assert await owned(stores).forget(ALICE) == 2
    assert await owned(stores).forget(ALICE) == 0  # again: nothing left
    assert await owned(stores).kept(ALICE, 10) == ()
    assert await handover(stores).count(ALICE) == 0
    assert [e.record.owner for e in await whole_log(stores) if e.record] == [BOB]
    if stores.table is not None:  # nothing of Alice's left: her partition, the log's index
        assert await partition(stores, ALICE) == []
        assert ALICE not in str(await partition(stores, "REPAIR"))


async def test_hand_over_moves_every_repair_once(stores: Stores) -> None:
    await keep(stores, repair(DEV_TENANT, "t1"), repair(DEV_TENANT, "t2"), repair(BOB))
    assert await handover(stores).count(DEV_TENANT) == 2
    assert await handover(stores).hand_over(DEV_TENANT, ALICE) == 2
    assert await handover(stores).hand_over(DEV_TENANT, ALICE) == 0  # resumed: nothing left
    assert (await handover(stores).count(DEV_TENANT), await handover(stores).count(ALICE)) == (0, 2)
    moved = await owned(stores).kept(ALICE, 10)
    assert [r.document["invalid_lesson"]["title"] for r in moved] == ["t2", "t1"]
    assert [e.record.owner for e in await whole_log(stores) if e.record] == [ALICE, ALICE, BOB]
    assert await owned(stores).forget(ALICE) == 2  # the moved ones are erasable as Alice's


async def partition(stores: Stores, pk: str) -> list[dict[str, Any]]:
    """Every item of one DynamoDB partition."""
    assert stores.table is not None
    response = await stores.table.call(
        "query",
        TableName=stores.table.name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": codec.value(pk)},
    )
    return [codec.from_attributes(item) for item in response["Items"]]


# Records kept before owners.


async def test_an_sqlite_file_from_before_owners_gives_its_repairs_to_the_dev_tenant(
    tmp_path: Path,
) -> None:
    path = tmp_path / "dgs.sqlite3"
    clock = FakeClock()
    blob = repair_blob(repair(DEV_TENANT, "old"))
    with closing(sqlite3.connect(path)) as older:  # the repairs table as it was
        older.executescript(
            "CREATE TABLE repairs (repair_id TEXT PRIMARY KEY, created_at TEXT NOT NULL,"
            " outcome TEXT NOT NULL, record TEXT NOT NULL);"
        )
        older.execute(
            "INSERT INTO repairs VALUES ('r-old', ?, 'valid', ?)", (timestamp(clock.now()), blob)
        )
        older.commit()
    database = SqliteDatabase(path)
    log = SqliteRepairLog(database, clock, RandomIds(), REPAIR_TTL)
    (kept,) = await log.kept(DEV_TENANT, 10)
    assert (kept.repair_id, kept.document["invalid_lesson"]["title"]) == ("r-old", "old")
    (logged,) = [e async for e in log.read()]
    assert logged.record is not None
    assert logged.record.owner == DEV_TENANT
    assert await log.hand_over(DEV_TENANT, ALICE) == 1
    assert [r.repair_id for r in await log.kept(ALICE, 10)] == ["r-old"]
    plan = await database.read(
        lambda c: c.execute(
            "EXPLAIN QUERY PLAN " + OWNED_QUERY, (ALICE, "", "~", "", 10)
        ).fetchall()
    )
    steps = " ".join(row["detail"] for row in plan)
    assert "USING INDEX repairs_by_owner" in steps  # an owner's page: one range of an index
    assert "TEMP B-TREE" not in steps
    database.close()


async def test_dynamodb_repairs_kept_before_owners_are_read_then_given_to_the_dev_tenant(
    stores: Stores,
) -> None:
    if stores.table is None:
        return  # SQLite upgrades its file on open (the test above)
    from adapters.dynamodb.repairs import DynamoRepairLog

    assert isinstance(stores.repairs, DynamoRepairLog)
    now = stores.clock.now()
    legacy = {  # as DGS kept them before owners: the record in the log's own partition
        "pk": "REPAIR",
        "sk": f"{timestamp(now)}#r-old",
        "outcome": "valid",
        "record_gz": repair_blob(repair(DEV_TENANT, "old")),
        "ttl": int((now + REPAIR_TTL).timestamp()),
    }
    await stores.table.call(
        "put_item", TableName=stores.table.name, Item=codec.to_attributes(legacy)
    )
    stores.clock.advance(timedelta(minutes=1))
    await keep(stores, repair(BOB, "new"))
    before = await whole_log(stores)  # the fine-tuning export reads both kinds
    assert [(e.repair_id, e.record.owner if e.record else None) for e in before] == [
        ("r-old", DEV_TENANT),
        (before[1].repair_id, BOB),
    ]
    assert await stores.repairs.adopt_unowned() == 1
    assert await stores.repairs.adopt_unowned() == 0  # again: nothing left to adopt
    assert await whole_log(stores) == before
    (adopted,) = await stores.repairs.kept(DEV_TENANT, 10)
    assert (adopted.repair_id, adopted.document["invalid_lesson"]["title"]) == ("r-old", "old")
