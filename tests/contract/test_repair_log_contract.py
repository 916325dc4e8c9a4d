"""The RepairLog contract, for every store: compressed, capped with a marker, expiring."""

from __future__ import annotations

import base64
import os
import uuid
from datetime import timedelta
from typing import Any

from adapters.dynamodb import codec
from adapters.serialization import MAX_REPAIR_BYTES, repair_document
from application.ports.generation import RepairRecord
from application.use_cases.generate_lesson import GenerateLesson, GenerateRequest
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
    return RepairRecord(IDM, invalid, (ISSUE,), repaired, "valid", "1.1", "v1-test")


async def stored(stores: Stores) -> list[dict[str, Any]]:
    """Every repair row or item as kept: its raw record and, on DynamoDB, its ttl."""
    if stores.database is not None:
        rows = await stores.database.read(
            lambda c: c.execute("SELECT record FROM repairs ORDER BY created_at").fetchall()
        )
        return [{"raw": row["record"]} for row in rows]
    assert stores.table is not None
    response = await stores.table.call(
        "query",
        TableName=stores.table.name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": codec.value("REPAIR")},
    )
    items = [codec.from_attributes(item) for item in response["Items"]]
    return [{"raw": item["record_gz"], "ttl": item.get("ttl")} for item in items]


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
    assert (await stores.lessons.get(generated.record.lesson_id)).title == VALID["title"]
    (row,) = await stored(stores)
    assert repair_document(row["raw"])["truncated"] is True


class _Ids:
    def lesson_id(self) -> str:
        return str(uuid.uuid4())

    def token(self) -> str:
        return "token"
