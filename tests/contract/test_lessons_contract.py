"""The LessonRepository contract, for every store."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from application.errors import (
    AlreadyExistsError,
    InvalidCursorError,
    LessonTooLargeError,
    NotFoundError,
    VersionConflictError,
)
from application.principal import DEV_TENANT
from application.records import LessonChanges, LessonQuery
from domain.limits import MAX_LESSON_BYTES
from tests.contract.conftest import Stores
from tests.support.records import make_record


async def test_save_and_get_round_trip_byte_for_byte(stores: Stores) -> None:
    record = make_record(stores.clock.now())
    await stores.lessons.save(record)
    assert await stores.lessons.get(DEV_TENANT, record.lesson_id) == record
    fetched = await stores.lessons.get(DEV_TENANT, record.lesson_id)
    assert fetched.lesson_json.encode() == record.lesson_json.encode()
    assert fetched.meta.cost_usd == 0.000123456789  # floats come back exactly


async def test_a_large_lesson_round_trips(stores: Stores) -> None:
    big = json.dumps({"title": "Big", "blocks": ["é" * 60_000]}, ensure_ascii=False)
    record = make_record(stores.clock.now(), lesson_json=big)
    await stores.lessons.save(record)
    assert (await stores.lessons.get(DEV_TENANT, record.lesson_id)).lesson_json == big


async def test_get_unknown_and_save_twice(stores: Stores) -> None:
    with pytest.raises(NotFoundError):
        await stores.lessons.get(DEV_TENANT, "00000000-0000-4000-8000-000000000000")
    record = make_record(stores.clock.now())
    await stores.lessons.save(record)
    with pytest.raises(AlreadyExistsError):
        await stores.lessons.save(record)


async def _seed(stores: Stores, count: int, **fields: object) -> list[str]:
    ids = []
    for _ in range(count):
        stores.clock.advance(timedelta(seconds=1))
        record = make_record(stores.clock.now(), **fields)
        await stores.lessons.save(record)
        ids.append(record.lesson_id)
    return ids


async def test_list_is_newest_first_and_filters(stores: Stores) -> None:
    start = stores.clock.now()
    bio = await _seed(stores, 3, tags=("biology", "plants"), title="Leaves", topic="Photosynthesis")
    chem = await _seed(stores, 2, tags=("chemistry",), title="Acids and BASES", topic="pH")
    end = stores.clock.now()

    page = await stores.lessons.list_summaries(DEV_TENANT, LessonQuery())
    assert [s.lesson_id for s in page.items] == list(reversed(bio + chem))
    assert page.next_cursor is None
    assert all(not hasattr(s, "lesson_json") for s in page.items)

    by_tag = await stores.lessons.list_summaries(DEV_TENANT, LessonQuery(tag="chemistry"))
    assert [s.lesson_id for s in by_tag.items] == list(reversed(chem))
    assert (await stores.lessons.list_summaries(DEV_TENANT, LessonQuery(tag="chem"))).items == ()

    by_title = await stores.lessons.list_summaries(DEV_TENANT, LessonQuery(q="bases"))
    assert [s.lesson_id for s in by_title.items] == list(reversed(chem))
    by_topic = await stores.lessons.list_summaries(DEV_TENANT, LessonQuery(q="SYNTH"))
    assert [s.lesson_id for s in by_topic.items] == list(reversed(bio))

    # from is inclusive, to exclusive: the lessons created at 2 s and 3 s after start.
    window = LessonQuery(
        created_from=start + timedelta(seconds=2), created_to=start + timedelta(seconds=4)
    )
    assert [
        s.lesson_id for s in (await stores.lessons.list_summaries(DEV_TENANT, window)).items
    ] == [
        bio[2],
        bio[1],
    ]
    after_end = LessonQuery(created_from=end + timedelta(seconds=1))
    assert (await stores.lessons.list_summaries(DEV_TENANT, after_end)).items == ()


async def test_pagination_over_250_lessons_has_no_duplicates_and_no_gaps(stores: Stores) -> None:
    ids = []
    for index in range(250):
        if index % 7:  # several lessons share a timestamp: ties are ordered by id
            stores.clock.advance(timedelta(milliseconds=3))
        record = make_record(stores.clock.now(), tags=("even",) if index % 2 == 0 else ("odd",))
        await stores.lessons.save(record)
        ids.append((record.created_at, record.lesson_id))
    expected = [lesson_id for _, lesson_id in sorted(ids, reverse=True)]

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await stores.lessons.list_summaries(DEV_TENANT, LessonQuery(limit=17, cursor=cursor))
        seen += [s.lesson_id for s in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected
    assert pages == 15  # 14 full pages of 17 and one of 12

    evens: list[str] = []
    cursor = None
    while True:
        page = await stores.lessons.list_summaries(
            DEV_TENANT, LessonQuery(tag="even", limit=20, cursor=cursor)
        )
        assert len(page.items) == 20 or page.next_cursor is None
        evens += [s.lesson_id for s in page.items]
        if (cursor := page.next_cursor) is None:
            break
    even_ids = {lesson_id for n, (_, lesson_id) in enumerate(ids) if n % 2 == 0}
    assert evens == [i for i in expected if i in even_ids]
    assert len(evens) == 125


async def test_a_search_paginates_without_duplicates_or_gaps(stores: Stores) -> None:
    matching = []
    for index in range(40):
        if index % 3:  # several lessons share a timestamp: ties are ordered by id
            stores.clock.advance(timedelta(milliseconds=3))
        title = f"Plate TECTONICS {index}" if index % 4 else f"Volcanoes {index}"
        record = make_record(stores.clock.now(), title=title)
        await stores.lessons.save(record)
        if index % 4:
            matching.append((record.created_at, record.lesson_id))
    expected = [lesson_id for _, lesson_id in sorted(matching, reverse=True)]
    seen: list[str] = []
    cursor = None
    while True:
        page = await stores.lessons.list_summaries(
            DEV_TENANT, LessonQuery(q="tectonic", limit=7, cursor=cursor)
        )
        seen += [s.lesson_id for s in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert seen == expected


async def test_tampered_and_foreign_cursors_are_refused(stores: Stores) -> None:
    await _seed(stores, 3)
    page = await stores.lessons.list_summaries(DEV_TENANT, LessonQuery(limit=1))
    assert page.next_cursor is not None
    body, signature = page.next_cursor.split(".")
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature
    for cursor in (forged, "not-a-cursor", page.next_cursor + "x", "x" * 600, "a.b"):
        with pytest.raises(InvalidCursorError):
            await stores.lessons.list_summaries(DEV_TENANT, LessonQuery(limit=1, cursor=cursor))
    with pytest.raises(InvalidCursorError):  # made for another listing
        await stores.lessons.list_summaries(
            DEV_TENANT, LessonQuery(limit=1, tag="biology", cursor=page.next_cursor)
        )


async def test_update_changes_title_tags_and_body_with_the_right_version(stores: Stores) -> None:
    record = make_record(stores.clock.now())
    await stores.lessons.save(record)
    stores.clock.advance(timedelta(minutes=5))
    updated = await stores.lessons.update(
        DEV_TENANT,
        record.lesson_id,
        1,
        LessonChanges(title="Light and Life", tags=("science",), lesson_json='{"x": 1}'),
    )
    assert (updated.version, updated.title, updated.tags) == (2, "Light and Life", ("science",))
    assert updated.updated_at == stores.clock.now()
    assert updated.created_at == record.created_at
    assert await stores.lessons.get(DEV_TENANT, record.lesson_id) == updated
    listed = (await stores.lessons.list_summaries(DEV_TENANT, LessonQuery(q="life"))).items
    assert [(s.lesson_id, s.version, s.tags) for s in listed] == [
        (record.lesson_id, 2, ("science",))
    ]
    with pytest.raises(VersionConflictError) as info:
        await stores.lessons.update(DEV_TENANT, record.lesson_id, 1, LessonChanges(title="Stale"))
    assert (info.value.expected, info.value.current) == (1, 2)
    assert (await stores.lessons.get(DEV_TENANT, record.lesson_id)).title == "Light and Life"
    with pytest.raises(NotFoundError):
        await stores.lessons.update(
            DEV_TENANT, "00000000-0000-4000-8000-000000000000", 1, LessonChanges(title="x")
        )


async def test_a_renamed_lesson_is_found_by_its_new_title_not_its_old_one(stores: Stores) -> None:
    record = make_record(stores.clock.now(), title="Photosynthesis basics", topic="Plants")
    await stores.lessons.save(record)
    await stores.lessons.update(
        DEV_TENANT, record.lesson_id, 1, LessonChanges(title="Light and Sugar")
    )
    for q, found in (("SUGAR", [record.lesson_id]), ("basics", []), ("plants", [record.lesson_id])):
        page = await stores.lessons.list_summaries(DEV_TENANT, LessonQuery(q=q))
        assert [s.lesson_id for s in page.items] == found, q


async def test_ten_concurrent_updates_of_one_version_have_exactly_one_winner(
    stores: Stores,
) -> None:
    record = make_record(stores.clock.now())
    await stores.lessons.save(record)
    results = await asyncio.gather(
        *(
            stores.lessons.update(
                DEV_TENANT, record.lesson_id, 1, LessonChanges(title=f"Title {n}")
            )
            for n in range(10)
        ),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, VersionConflictError) for r in losers)
    stored = await stores.lessons.get(DEV_TENANT, record.lesson_id)
    assert (stored.version, stored.title) == (2, winners[0].title)


async def test_ping(stores: Stores) -> None:
    await stores.lessons.ping()


def lesson_of_size(size: int, indent: int | None = None) -> str:
    """A lesson whose compact UTF-8 JSON takes exactly ``size`` bytes (``indent`` pads the text)."""
    empty = len(json.dumps({"title": "Big", "blocks": [""]}, separators=(",", ":")))
    filler = "é" * ((size - empty) // 2) + "a" * ((size - empty) % 2)
    lesson = {"title": "Big", "blocks": [filler]}
    compact = json.dumps(lesson, ensure_ascii=False, separators=(",", ":"))
    assert len(compact.encode()) == size
    return compact if indent is None else json.dumps(lesson, ensure_ascii=False, indent=indent)


async def test_both_stores_refuse_a_lesson_over_the_size_cap_before_any_write(
    stores: Stores,
) -> None:
    at_cap = make_record(stores.clock.now(), lesson_json=lesson_of_size(MAX_LESSON_BYTES))
    await stores.lessons.save(at_cap)
    assert (
        await stores.lessons.get(DEV_TENANT, at_cap.lesson_id)
    ).lesson_json == at_cap.lesson_json
    # Measured as compact JSON: whitespace in the stored text does not count.
    padded = make_record(stores.clock.now(), lesson_json=lesson_of_size(MAX_LESSON_BYTES, 40))
    assert len(padded.lesson_json.encode()) > MAX_LESSON_BYTES
    await stores.lessons.save(padded)

    writes_before = stores.proxy.operations() if stores.proxy else []
    over = make_record(stores.clock.now(), lesson_json=lesson_of_size(MAX_LESSON_BYTES + 1))
    five_mb = make_record(stores.clock.now(), lesson_json=lesson_of_size(5 * 1024 * 1024))
    for record in (over, five_mb):
        with pytest.raises(LessonTooLargeError) as info:
            await stores.lessons.save(record)
        assert info.value.limit == MAX_LESSON_BYTES
        assert info.value.size == len(record.lesson_json.encode())
        with pytest.raises(NotFoundError):
            await stores.lessons.get(DEV_TENANT, record.lesson_id)
    with pytest.raises(LessonTooLargeError):  # an update may not grow a lesson past it either
        await stores.lessons.update(
            DEV_TENANT,
            at_cap.lesson_id,
            1,
            LessonChanges(lesson_json=lesson_of_size(MAX_LESSON_BYTES + 1)),
        )
    assert (await stores.lessons.get(DEV_TENANT, at_cap.lesson_id)).version == 1
    if stores.proxy is not None:  # refused before any write reached DynamoDB
        new = stores.proxy.operations()[len(writes_before) :]
        assert not {"TransactWriteItems", "PutItem"} & set(new)
