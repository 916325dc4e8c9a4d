"""Every store keeps each owner's lessons and idempotency keys apart (issue 14).

Another owner's lesson reads, updates and lists exactly as a missing one; a listing
cursor continues only the listing of the owner it was issued to.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.errors import ForeignCursorError, NotFoundError
from application.ports.idempotency import Claimed, IdempotencyScope, InProgress
from application.principal import DEV_TENANT
from application.records import LessonChanges, LessonQuery
from tests.contract.conftest import Stores
from tests.support.records import make_record

ALICE = "USER#alice-sub"
BOB = "USER#bob-sub"


async def test_another_owners_lesson_is_not_found_and_not_changed(stores: Stores) -> None:
    record = make_record(stores.clock.now(), owner=ALICE)
    await stores.lessons.save(record)
    for owner in (BOB, DEV_TENANT):
        with pytest.raises(NotFoundError) as foreign:
            await stores.lessons.get(owner, record.lesson_id)
        with pytest.raises(NotFoundError) as missing:
            await stores.lessons.get(owner, "00000000-0000-4000-8000-000000000000")
        # The same error, worded alike: nothing tells "someone else's" from "none".
        assert type(foreign.value) is type(missing.value)
        assert str(foreign.value) == f"no lesson {record.lesson_id}"
        with pytest.raises(NotFoundError):
            await stores.lessons.update(owner, record.lesson_id, 1, LessonChanges(title="Mine"))
    assert await stores.lessons.get(ALICE, record.lesson_id) == record


async def test_each_owner_lists_and_counts_only_its_own(stores: Stores) -> None:
    mine: list[str] = []
    theirs: list[str] = []
    for n in range(6):
        stores.clock.advance(timedelta(seconds=1))
        owner = ALICE if n % 2 else BOB
        record = make_record(stores.clock.now(), owner=owner, tags=("shared",))
        await stores.lessons.save(record)
        (mine if owner == ALICE else theirs).append(record.lesson_id)
    for owner, expected in ((ALICE, mine), (BOB, theirs)):
        for query in (LessonQuery(), LessonQuery(tag="shared"), LessonQuery(q="photo")):
            page = await stores.lessons.list_summaries(owner, query)
            assert [s.lesson_id for s in page.items] == list(reversed(expected))
        assert await stores.lessons.count(owner) == 3
    assert (await stores.lessons.list_summaries(DEV_TENANT, LessonQuery())).items == ()
    assert await stores.lessons.count(DEV_TENANT) == 0


async def test_a_cursor_continues_only_its_owners_listing(stores: Stores) -> None:
    for _ in range(3):
        stores.clock.advance(timedelta(seconds=1))
        await stores.lessons.save(make_record(stores.clock.now(), owner=ALICE))
        await stores.lessons.save(make_record(stores.clock.now(), owner=BOB))
    cursor = (await stores.lessons.list_summaries(ALICE, LessonQuery(limit=1))).next_cursor
    assert cursor is not None
    with pytest.raises(ForeignCursorError) as refused:
        await stores.lessons.list_summaries(BOB, LessonQuery(limit=1, cursor=cursor))
    assert refused.value.code == "foreign_cursor"
    page = await stores.lessons.list_summaries(ALICE, LessonQuery(limit=1, cursor=cursor))
    assert len(page.items) == 1


async def test_the_same_idempotency_key_is_a_different_key_per_owner(stores: Stores) -> None:
    lease = timedelta(seconds=30)
    alice = await stores.idempotency.claim(IdempotencyScope(ALICE, "r", "k"), "f1", lease)
    bob = await stores.idempotency.claim(IdempotencyScope(BOB, "r", "k"), "f2", lease)
    assert isinstance(alice, Claimed)
    assert isinstance(bob, Claimed)
    lesson = make_record(stores.clock.now(), owner=BOB)
    await stores.idempotency.complete(IdempotencyScope(BOB, "r", "k"), bob.owner, lesson, "{}")
    again = await stores.idempotency.claim(IdempotencyScope(ALICE, "r", "k"), "f1", lease)
    assert isinstance(again, InProgress)  # still Alice's own claim, not Bob's replay


async def test_a_dynamodb_body_from_before_users_is_the_dev_tenants(stores: Stores) -> None:
    if stores.table is None:
        pytest.skip("DynamoDB items only")
    from adapters.dynamodb import codec, keys

    record = make_record(stores.clock.now())
    await stores.lessons.save(record)
    await stores.table.call(  # as written before lessons had owners
        "update_item",
        TableName=stores.table.name,
        Key=codec.to_attributes(keys.body_key(record.lesson_id)),
        UpdateExpression="REMOVE #owner",
        ExpressionAttributeNames={"#owner": "owner"},
    )
    assert await stores.lessons.get(DEV_TENANT, record.lesson_id) == record
    with pytest.raises(NotFoundError):
        await stores.lessons.get(ALICE, record.lesson_id)
    with pytest.raises(NotFoundError):
        await stores.lessons.update(ALICE, record.lesson_id, 1, LessonChanges(title="Mine"))
    updated = await stores.lessons.update(DEV_TENANT, record.lesson_id, 1, LessonChanges(title="T"))
    assert updated.version == 2
