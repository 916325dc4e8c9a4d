"""Deleting, erasing and handing over lessons, on every store (issue 14)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.errors import NotFoundError, VersionConflictError
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
