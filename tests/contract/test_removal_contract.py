"""Deleting, erasing and handing over lessons, on every store (issue 14)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.errors import NotFoundError, VersionConflictError
from application.ports.account import DeletedLessons
from application.principal import DEV_TENANT
from application.records import LessonChanges, LessonQuery
from tests.contract.conftest import Stores
from tests.support.records import make_record

ALICE = "USER#alice-sub"


async def test_a_deleted_lesson_is_gone_from_reads_lists_and_counts(stores: Stores) -> None:
    record = make_record(stores.clock.now(), owner=ALICE)
    kept = make_record(stores.clock.now() + timedelta(seconds=1), owner=ALICE)
    await stores.lessons.save(record)
    await stores.lessons.save(kept)
    later = stores.clock.now() + timedelta(days=30)
    with pytest.raises(VersionConflictError):
        await stores.lessons.delete(ALICE, record.lesson_id, 2, later)
    with pytest.raises(NotFoundError):
        await stores.lessons.delete(DEV_TENANT, record.lesson_id, None, later)
    await stores.lessons.delete(ALICE, record.lesson_id, 1, later)
    with pytest.raises(NotFoundError):
        await stores.lessons.get(ALICE, record.lesson_id)
    with pytest.raises(NotFoundError):
        await stores.lessons.update(ALICE, record.lesson_id, 2, LessonChanges(title="Back"))
    with pytest.raises(NotFoundError):
        await stores.lessons.delete(ALICE, record.lesson_id, None, later)
    page = await stores.lessons.list_summaries(ALICE, LessonQuery(q="photo"))
    assert [s.lesson_id for s in page.items] == [kept.lesson_id]
    assert await stores.lessons.count(ALICE) == 1
    assert sorted(await stores.lessons.owned(ALICE, 10)) == sorted(
        [record.lesson_id, kept.lesson_id]
    )  # kept until purged


async def test_erase_removes_only_the_owners_lesson(stores: Stores) -> None:
    record = make_record(stores.clock.now(), owner=ALICE)
    await stores.lessons.save(record)
    await stores.lessons.erase(DEV_TENANT, record.lesson_id)  # not the tenant's: nothing
    assert await stores.lessons.get(ALICE, record.lesson_id) == record
    await stores.lessons.erase(ALICE, record.lesson_id)
    await stores.lessons.erase(ALICE, record.lesson_id)  # again: nothing left, no error
    assert await stores.lessons.owned(ALICE, 10) == ()


async def test_reassign_hands_a_lesson_over_once(stores: Stores) -> None:
    record = make_record(stores.clock.now())
    await stores.lessons.save(record)
    assert await stores.lessons.reassign(record.lesson_id, DEV_TENANT, ALICE)
    assert not await stores.lessons.reassign(record.lesson_id, DEV_TENANT, ALICE)
    with pytest.raises(NotFoundError):
        await stores.lessons.get(DEV_TENANT, record.lesson_id)
    moved = await stores.lessons.get(ALICE, record.lesson_id)
    assert (moved.owner, moved.lesson_json, moved.version) == (ALICE, record.lesson_json, 1)
    page = await stores.lessons.list_summaries(ALICE, LessonQuery())
    assert [s.lesson_id for s in page.items] == [record.lesson_id]
    assert (await stores.lessons.list_summaries(DEV_TENANT, LessonQuery())).items == ()
    updated = await stores.lessons.update(ALICE, record.lesson_id, 1, LessonChanges(title="Mine"))
    assert updated.title == "Mine"


async def test_deleted_lessons_are_read_back_until_their_retention_ends(stores: Stores) -> None:
    assert isinstance(stores.lessons, DeletedLessons)
    now = stores.clock.now()
    older, newer, kept = (make_record(now + timedelta(seconds=n), owner=ALICE) for n in range(3))
    others = make_record(now, owner="USER#bob-sub")
    for record in (older, newer, kept, others):
        await stores.lessons.save(record)
    day = timedelta(days=1)
    await stores.lessons.delete(ALICE, older.lesson_id, None, now + day)
    await stores.lessons.delete(ALICE, newer.lesson_id, None, now + 2 * day + timedelta(0, 0, 7))
    await stores.lessons.delete("USER#bob-sub", others.lesson_id, None, now + day)

    found = await stores.lessons.deleted(ALICE, 10)
    assert [(d.record.lesson_id, d.record.status) for d in found] == [
        (newer.lesson_id, "deleted"),
        (older.lesson_id, "deleted"),
    ]  # newest first, kept lessons and another owner's left out
    assert [d.purge_after for d in found] == [now + 2 * day + timedelta(0, 0, 7), now + day]
    assert found[0].record.lesson_json == newer.lesson_json  # whole, body included
    assert found[0].record.version == newer.version + 1
    (first,) = await stores.lessons.deleted(ALICE, 1)
    after = (first.record.created_at, first.record.lesson_id)
    assert [d.record.lesson_id for d in await stores.lessons.deleted(ALICE, 10, after)] == [
        older.lesson_id
    ]
    stores.clock.advance(day)  # the older one's retention ended: it is as good as purged
    assert [d.record.lesson_id for d in await stores.lessons.deleted(ALICE, 10)] == [
        newer.lesson_id
    ]
    stores.clock.advance(day + timedelta(seconds=1))
    assert await stores.lessons.deleted(ALICE, 10) == ()
