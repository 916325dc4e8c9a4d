"""What only the DynamoDB adapter promises: compression, the size guard, retries, no Scan."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime, timedelta

import pytest

from adapters.dynamodb import codec, keys
from adapters.dynamodb import lessons as dynamo_lessons
from application.errors import LessonTooLargeError, NotFoundError, StoreUnavailableError
from application.ports.rate_limit import BucketPolicy
from application.principal import DEV_TENANT
from application.records import LessonQuery
from tests.contract.conftest import Stores
from tests.support.records import make_record

pytestmark = pytest.mark.parametrize("stores", ["dynamodb-moto"], indirect=True)


async def raw_body(stores: Stores, lesson_id: str) -> dict[str, object]:
    assert stores.table is not None
    response = await stores.table.call(
        "get_item", TableName=stores.table.name, Key=codec.to_attributes(keys.body_key(lesson_id))
    )
    return dict(response["Item"])


async def test_large_lessons_are_stored_gzip_compressed_as_binary(stores: Stores) -> None:
    small = make_record(stores.clock.now())
    large = make_record(
        stores.clock.now(), lesson_json=json.dumps({"blocks": ["photosynthesis " * 2000]})
    )
    await stores.lessons.save(small)
    await stores.lessons.save(large)
    small_item, large_item = (
        await raw_body(stores, small.lesson_id),
        await raw_body(stores, large.lesson_id),
    )
    assert "S" in small_item["lesson_json"]  # type: ignore[operator]
    assert "lesson_json" not in large_item
    assert "B" in large_item["lesson_json_gz"]  # type: ignore[operator]
    assert (await stores.lessons.get(DEV_TENANT, large.lesson_id)).lesson_json == large.lesson_json


async def test_items_over_the_limit_are_refused_before_any_write(stores: Stores) -> None:
    assert stores.proxy is not None
    # Under the lesson cap (every store's), over DynamoDB's item limit: the item guard holds.
    blob = base64.b64encode(os.urandom(200_000)).decode()  # ~270 KB, ~200 KB gzipped
    record = make_record(
        stores.clock.now(), lesson_json=json.dumps({"blob": blob[:250_000]}), topic=blob
    )
    before = len(stores.proxy.operations())
    with pytest.raises(LessonTooLargeError) as info:
        await stores.lessons.save(record)
    assert info.value.size > info.value.limit == 350_000
    assert stores.proxy.operations()[before:] == []  # refused without calling DynamoDB
    with pytest.raises(NotFoundError):
        await stores.lessons.get(DEV_TENANT, record.lesson_id)


async def test_throttling_is_retried_then_succeeds(stores: Stores) -> None:
    assert stores.proxy is not None
    record = make_record(stores.clock.now())
    stores.proxy.faults.fail_next = 2  # botocore's standard mode allows 4 attempts here
    await stores.lessons.save(record)
    assert stores.proxy.operations()[-3:] == ["TransactWriteItems"] * 3
    assert (await stores.lessons.get(DEV_TENANT, record.lesson_id)).lesson_id == record.lesson_id


async def test_persistent_throttling_becomes_store_unavailable(stores: Stores) -> None:
    assert stores.proxy is not None
    stores.proxy.faults.fail_always = True
    before = len(stores.proxy.operations())
    with pytest.raises(StoreUnavailableError):
        await stores.lessons.get(DEV_TENANT, "00000000-0000-4000-8000-000000000000")
    assert len(stores.proxy.operations()) - before == 4  # bounded attempts, then give up
    stores.proxy.faults.fail_always = False


async def test_listing_a_page_issues_only_queries_on_the_summary_partition(stores: Stores) -> None:
    assert stores.proxy is not None
    for _ in range(30):
        stores.clock.advance(timedelta(seconds=1))
        await stores.lessons.save(make_record(stores.clock.now(), tags=("biology",)))
    stores.proxy.reset()
    page = await stores.lessons.list_summaries(DEV_TENANT, LessonQuery(limit=20, tag="biology"))
    assert len(page.items) == 20
    assert stores.proxy.operations() == ["Query"]
    query = stores.proxy.requests[0].body
    assert query["ExpressionAttributeValues"][":pk"] == {"S": DEV_TENANT}  # the caller's partition
    assert "lesson_json" not in query["ProjectionExpression"]
    assert "lesson_json" not in json.dumps(query["ExpressionAttributeNames"])


async def test_sparse_filters_keep_reading_but_within_bounds(stores: Stores) -> None:
    assert stores.proxy is not None
    for index in range(60):
        stores.clock.advance(timedelta(seconds=1))
        tags = ("rare",) if index in (0, 59) else ("common",)
        await stores.lessons.save(make_record(stores.clock.now(), tags=tags))
    stores.proxy.reset()
    page = await stores.lessons.list_summaries(DEV_TENANT, LessonQuery(limit=2, tag="rare"))
    assert len(page.items) == 2
    assert stores.proxy.operations() == ["Query"]  # one wide read found both


async def test_a_page_cut_short_by_the_bound_resumes_where_reading_stopped(
    stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert stores.proxy is not None
    monkeypatch.setattr(dynamo_lessons, "FILTERED_READ", 10)
    monkeypatch.setattr(dynamo_lessons, "MAX_QUERIES_PER_PAGE", 2)
    rare = []
    for index in range(60):
        stores.clock.advance(timedelta(seconds=1))
        record = make_record(
            stores.clock.now(), tags=("rare",) if index in (0, 59) else ("common",)
        )
        await stores.lessons.save(record)
        if index in (0, 59):
            rare.append(record.lesson_id)
    stores.proxy.reset()
    first = await stores.lessons.list_summaries(DEV_TENANT, LessonQuery(limit=2, tag="rare"))
    assert [s.lesson_id for s in first.items] == [rare[1]]  # short page: the bound stopped it
    assert first.next_cursor is not None
    assert stores.proxy.operations() == ["Query", "Query"]
    found = [s.lesson_id for s in first.items]
    cursor: str | None = first.next_cursor
    while cursor is not None:
        page = await stores.lessons.list_summaries(
            DEV_TENANT, LessonQuery(limit=2, tag="rare", cursor=cursor)
        )
        found += [s.lesson_id for s in page.items]
        cursor = page.next_cursor
    assert found == [rare[1], rare[0]]


@pytest.mark.parametrize("html_status", [200, 403, 502])
async def test_an_html_answer_is_store_unavailable_never_a_silent_success(
    stores: Stores, html_status: int
) -> None:
    assert stores.proxy is not None
    record = make_record(stores.clock.now())
    calls = [
        stores.lessons.save(record),  # a 200 page must not read as a stored lesson
        stores.lessons.get(DEV_TENANT, record.lesson_id),  # ... nor as "no such lesson"
        stores.cache.put("k", "v", timedelta(minutes=1)),
        stores.lessons.list_summaries(DEV_TENANT, LessonQuery()),
    ]
    if html_status >= 500:  # retried with backoff first: one call shows it
        for dropped in calls[1:]:
            dropped.close()
        calls = calls[:1]
    stores.proxy.faults.html_status = html_status
    try:
        for call in calls:
            with pytest.raises(StoreUnavailableError, match="html"):
                await call
    finally:
        stores.proxy.faults.html_status = None
        for call in calls:
            call.close()  # those not awaited
    with pytest.raises(NotFoundError):
        await stores.lessons.get(DEV_TENANT, record.lesson_id)
    assert await stores.cache.get("k") is None


async def bucket_ttl(stores: Stores, identity: str) -> int | None:
    assert stores.table is not None
    response = await stores.table.call(
        "get_item", TableName=stores.table.name, Key=codec.to_attributes(keys.rate_key(identity))
    )
    ttl = codec.from_attributes(response["Item"]).get("ttl")
    return None if ttl is None else int(ttl)


async def test_a_bucket_expires_when_it_would_be_full_again_and_not_before(
    stores: Stores,
) -> None:
    now = int(stores.clock.now().timestamp())
    hourly = BucketPolicy(capacity=2, refill_per_second=2 / 3600)
    await stores.rate.take("client:a", hourly)  # one token short: full in 30 min
    assert now + 1800 <= (await bucket_ttl(stores, "client:a") or 0) <= now + 1800 + 120
    await stores.rate.take("client:a", hourly)  # empty: full in 60 min
    assert now + 3600 <= (await bucket_ttl(stores, "client:a") or 0) <= now + 3600 + 120
    slow = BucketPolicy(capacity=2, refill_per_second=1 / 86400)  # a day per token
    await stores.rate.take("client:b", slow)
    assert (await bucket_ttl(stores, "client:b") or 0) >= now + 86400
    await stores.rate.take("client:c", BucketPolicy(capacity=2, refill_per_second=0.0))
    assert await bucket_ttl(stores, "client:c") is None  # never refills: never expires


async def test_a_day_counter_is_one_conditional_update_and_expires_after_its_day(
    stores: Stores,
) -> None:
    assert stores.proxy is not None
    assert stores.table is not None
    stores.proxy.reset()
    assert (await stores.rate.count_today("global:daily", 2)).allowed
    assert stores.proxy.operations() == ["UpdateItem"]
    update = stores.proxy.requests[0].body
    assert "ADD" in update["UpdateExpression"]
    assert "<" in update["ConditionExpression"]
    response = await stores.table.call(
        "get_item", TableName=stores.table.name, Key=update["Key"], ConsistentRead=True
    )
    ttl = int(codec.from_attributes(response["Item"])["ttl"])
    midnight = int(datetime(2026, 11, 22, tzinfo=UTC).timestamp())  # the clock is on the 21st
    assert midnight <= ttl <= midnight + 86400
