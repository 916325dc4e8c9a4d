"""PatchLesson over every store: without a precondition tag changes commute; with one, they conflict."""

from __future__ import annotations

import asyncio

import pytest

from application.errors import PreconditionFailedError
from application.principal import DEV_TENANT
from application.use_cases.lessons import LessonPatch, PatchLesson
from tests.contract.conftest import Stores
from tests.support.records import make_record


async def test_twenty_concurrent_tag_adds_without_if_match_all_succeed(stores: Stores) -> None:
    record = make_record(stores.clock.now(), tags=("keep", "drop"))
    await stores.lessons.save(record)
    patch = PatchLesson(stores.lessons)
    changes = [LessonPatch(tags_add=(f"tag-{n}",)) for n in range(18)]
    changes.append(LessonPatch(tags_remove=("drop",)))
    changes.append(LessonPatch(tags_add=("keep", "tag-0")))  # already there: no change
    results = await asyncio.gather(
        *(patch(DEV_TENANT, record.lesson_id, change, None) for change in changes),
        return_exceptions=True,
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    stored = await stores.lessons.get(DEV_TENANT, record.lesson_id)
    assert sorted(stored.tags) == sorted(["keep", *(f"tag-{n}" for n in range(18))])
    assert stored.version == 1 + len(changes)  # each patch applied once, on the latest


async def test_with_if_match_a_stale_version_conflicts_and_changes_nothing(
    stores: Stores,
) -> None:
    record = make_record(stores.clock.now(), tags=())
    await stores.lessons.save(record)
    patch = PatchLesson(stores.lessons)
    results = await asyncio.gather(
        *(
            patch(DEV_TENANT, record.lesson_id, LessonPatch(tags_add=(f"t{n}",)), 1)
            for n in range(10)
        ),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, PreconditionFailedError) for r in results if r not in winners)
    with pytest.raises(PreconditionFailedError, match="the lesson is at version 2"):
        await patch(DEV_TENANT, record.lesson_id, LessonPatch(title="Stale"), 1)
    stored = await stores.lessons.get(DEV_TENANT, record.lesson_id)
    assert (stored.version, stored.tags, stored.title) == (2, winners[0].tags, record.title)
