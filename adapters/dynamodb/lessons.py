"""``LessonRepository`` on DynamoDB (keys: see ``adapters.dynamodb.keys``)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from typing import Any

from adapters.dynamodb import codec, keys, removal
from adapters.dynamodb.client import DynamoTable, TransactionCanceled
from adapters.serialization import (
    check_lesson_size,
    meta_json,
    parse_timestamp,
    record_from,
    search_text,
    timestamp,
)
from application.cursor import CursorCodec, Position
from application.errors import AlreadyExistsError, NotFoundError, VersionConflictError
from application.ports.account import After, DeletedLesson
from application.ports.clock import Clock
from application.principal import DEV_TENANT
from application.records import LessonChanges, LessonQuery, LessonRecord, LessonSummary, Page

_DELETE_ATTEMPTS = 8  # a delete without If-Match re-reads a lesson patched meanwhile
MAX_QUERIES_PER_PAGE = 10  # filters may leave pages short: read on, but not forever
FILTERED_READ = 100  # items examined per Query when filters may drop some (summaries are small)
_SUMMARY_FIELDS = (
    "lesson_id", "topic", "title", "tags", "created_at", "updated_at", "version",
    "schema_version", "status",
)  # fmt: skip


class DynamoLessonRepository:
    """Lessons as a summary item (listing) plus a body item (get), written together."""

    def __init__(self, table: DynamoTable, cursors: CursorCodec, clock: Clock) -> None:
        self._table = table
        self._cursors = cursors
        self._clock = clock

    async def save(self, record: LessonRecord) -> None:
        """Write the body and the summary in one transaction."""
        try:
            await self._table.call(
                "transact_write_items", TransactItems=lesson_puts(self._table, record)
            )
        except TransactionCanceled as exc:
            if "ConditionalCheckFailed" in exc.reasons:
                raise AlreadyExistsError(f"lesson {record.lesson_id} exists") from exc
            raise

    async def get(self, owner: str, lesson_id: str) -> LessonRecord:
        """One consistent GetItem of the body item; another owner's reads as missing."""
        response = await self._table.call(
            "get_item",
            TableName=self._table.name,
            Key=codec.to_attributes(keys.body_key(lesson_id)),
            ConsistentRead=True,
        )
        item = codec.from_attributes(response["Item"]) if "Item" in response else None
        if item is None or owner_of(item) != owner or item["status"] == "deleted":
            raise NotFoundError(f"no lesson {lesson_id}")
        return _record(item)

    async def delete(
        self, owner: str, lesson_id: str, expected_version: int | None, purge_after: datetime
    ) -> None:
        """Mark the lesson deleted (body and summary at once); TTL purges both later.

        Without an expected version, a lesson changed between the read and the write is
        read again and deleted at its new version.
        """
        for _ in range(_DELETE_ATTEMPTS):
            current = await self.get(owner, lesson_id)
            if expected_version is not None and current.version != expected_version:
                raise VersionConflictError(expected_version, current.version)
            if await removal.mark_deleted(self._table, current, self._clock.now(), purge_after):
                return
            if expected_version is not None:
                latest = await self.get(owner, lesson_id)
                raise VersionConflictError(expected_version, latest.version)
        raise VersionConflictError(current.version, current.version + 1)

    async def erase(self, owner: str, lesson_id: str) -> None:
        """Remove the owner's lesson (deleted or not) and its body now."""
        item = await self._item(keys.body_key(lesson_id))
        if item is not None and owner_of(item) == owner:
            await removal.erase(self._table, _record(item))

    async def owned(self, owner: str, limit: int) -> tuple[str, ...]:
        """Ids of up to ``limit`` of the owner's lessons, any status."""
        return await removal.owned(self._table, owner, limit)

    async def count(self, owner: str) -> int:
        """The owner's lessons: Queries of its summary partition counting (no item returned)."""
        return await removal.count(self._table, owner)

    async def deleted(
        self, owner: str, limit: int, after: After | None = None
    ) -> tuple[DeletedLesson, ...]:
        """The owner's deleted lessons not purged yet, newest first, each body one GetItem."""
        ids = await removal.deleted(self._table, owner, limit, after, self._clock.now())
        bodies = await asyncio.gather(*(self._item(keys.body_key(i)) for i in ids))
        return tuple(
            DeletedLesson(_record(body), removal.purge_time(body))
            for body in bodies
            if body is not None and owner_of(body) == owner and body["status"] == "deleted"
        )

    async def reassign(self, lesson_id: str, from_owner: str, to_owner: str) -> bool:
        """Move the lesson's summary to the new owner's partition and set its body's owner."""
        body = await self._item(keys.body_key(lesson_id))
        if body is None or owner_of(body) != from_owner:
            return False
        sk = keys.summary_sk(body["created_at"], lesson_id)
        summary = await self._item({"pk": from_owner, "sk": sk})
        if summary is None:
            return False
        return await removal.reassign(self._table, body, summary, to_owner)

    async def _item(self, key: dict[str, str]) -> dict[str, Any] | None:
        response = await self._table.call(
            "get_item",
            TableName=self._table.name,
            Key=codec.to_attributes(key),
            ConsistentRead=True,
        )
        return codec.from_attributes(response["Item"]) if "Item" in response else None

    async def list_summaries(self, owner: str, query: LessonQuery) -> Page:
        """Query the summary partition newest first; keep reading while filters drop items.

        Each Query asks for one more item than the page still needs (so a full page tells
        whether another follows), or for ``FILTERED_READ`` items when tag or text filters
        may drop some: DynamoDB applies ``Limit`` before filtering. Reading stops after
        ``MAX_QUERIES_PER_PAGE`` queries even if the page is short; the cursor then
        resumes after the last key examined. Extra items read are simply read again next
        page, from the cursor after the last one returned.
        """
        after = self._cursors.decode(query.cursor, query, owner) if query.cursor else None
        arguments = self._query_arguments(owner, query)
        start = None
        if after is not None:
            start = {"pk": owner, "sk": keys.summary_sk(after.created_at, after.lesson_id)}
        found: list[dict[str, Any]] = []
        at_end = False
        filtered = query.tag is not None or bool(query.q)
        for _ in range(MAX_QUERIES_PER_PAGE):
            needed = query.limit + 1 - len(found)
            page_arguments = dict(
                arguments, Limit=max(needed, FILTERED_READ) if filtered else needed
            )
            if start is not None:
                page_arguments["ExclusiveStartKey"] = codec.to_attributes(start)
            response = await self._table.call("query", **page_arguments)
            found += [codec.from_attributes(item) for item in response.get("Items", [])]
            last = response.get("LastEvaluatedKey")
            if last is None:
                at_end = True
                break
            start = codec.from_attributes(last)
            if len(found) > query.limit:
                break
        items = tuple(_summary(item) for item in found[: query.limit])
        if len(found) > query.limit:
            position = Position(timestamp(items[-1].created_at), items[-1].lesson_id)
        elif not at_end and start is not None:
            _, created_at, lesson_id = start["sk"].split("#", 2)
            position = Position(created_at, lesson_id)
        else:
            return Page(items, None)
        return Page(items, self._cursors.encode(position, query, owner))

    def _query_arguments(self, owner: str, query: LessonQuery) -> dict[str, Any]:
        low = keys.LESSON_PREFIX + (timestamp(query.created_from) if query.created_from else "")
        high = (
            keys.LESSON_PREFIX + timestamp(query.created_to)
            if query.created_to
            else keys.LESSON_RANGE_END
        )
        filters = ["#status = :ok"]
        values: dict[str, Any] = {":pk": owner, ":low": low, ":high": high, ":ok": "ok"}
        if query.tag is not None:
            filters.append("contains(tags, :tag)")
            values[":tag"] = query.tag
        if query.q:
            filters.append("contains(search_text, :q)")
            values[":q"] = query.q.casefold()
        names = {f"#p{i}": name for i, name in enumerate(_SUMMARY_FIELDS)}
        return {
            "TableName": self._table.name,
            # BETWEEN is inclusive, but "LESSON#{to}" sorts before every "LESSON#{to}#id":
            # lessons created exactly at ``to`` fall outside, as ``to`` is exclusive.
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "FilterExpression": " AND ".join(filters),
            "ProjectionExpression": ", ".join(names),
            "ExpressionAttributeNames": {"#status": "status", **names},
            "ExpressionAttributeValues": {k: codec.value(v) for k, v in values.items()},
            "ScanIndexForward": False,
        }

    async def update(
        self, owner: str, lesson_id: str, expected_version: int, changes: LessonChanges
    ) -> LessonRecord:
        """Update body and summary together, on condition of the expected version and owner."""
        current = await self.get(owner, lesson_id)
        if current.version != expected_version:
            raise VersionConflictError(expected_version, current.version)
        now = self._clock.now()
        title = current.title if changes.title is None else changes.title
        tags = current.tags if changes.tags is None else changes.tags
        lesson_json = current.lesson_json if changes.lesson_json is None else changes.lesson_json
        updated = replace(
            current,
            title=title,
            tags=tags,
            lesson_json=lesson_json,
            updated_at=now,
            version=expected_version + 1,
        )
        puts = lesson_puts(self._table, updated, expected_version=expected_version)
        try:
            await self._table.call("transact_write_items", TransactItems=puts)
        except TransactionCanceled as exc:
            if "ConditionalCheckFailed" not in exc.reasons:
                raise
            latest = await self.get(owner, lesson_id)
            raise VersionConflictError(expected_version, latest.version) from exc
        return updated

    async def ping(self) -> None:
        """One cheap data-plane read: the table exists and answers."""
        await self._table.call(
            "get_item", TableName=self._table.name, Key=codec.to_attributes(keys.body_key("ping"))
        )


def lesson_puts(
    table: DynamoTable, record: LessonRecord, expected_version: int | None = None
) -> list[dict[str, Any]]:
    """The transaction items writing a lesson's body and summary.

    A new lesson's body must not exist; an update's body must be at ``expected_version``.
    Both caps are checked before any write: the lesson's (the same on every store), then
    DynamoDB's item size.
    """
    check_lesson_size(record.lesson_json)
    body = {
        **keys.body_key(record.lesson_id),
        **_summary_fields(record),
        "owner": record.owner,
        "prompt_version": record.prompt_version,
        "widgets_version": record.widgets_version,
        "idempotency_key": record.idempotency_key,
        "provider_a": record.provider_a,
        "model_a": record.model_a,
        "provider_b": record.provider_b,
        "model_b": record.model_b,
        "meta": meta_json(record.meta),
    }
    codec.pack_text(body, "lesson_json", record.lesson_json, table.settings.compress_above)
    codec.guard_size(body)
    summary = {
        "pk": record.owner,
        "sk": keys.summary_sk(timestamp(record.created_at), record.lesson_id),
        **_summary_fields(record),
    }
    if expected_version is None:
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
    else:
        # Still this owner's: a lesson handed to another owner meanwhile is not changed
        # (an item from before users has no owner: its reader checked it is the dev tenant's).
        condition = {
            "ConditionExpression": (
                "version = :expected AND (#owner = :owner OR attribute_not_exists(#owner))"
            ),
            "ExpressionAttributeNames": {"#owner": "owner"},
            "ExpressionAttributeValues": {
                ":expected": codec.value(expected_version),
                ":owner": codec.value(record.owner),
            },
        }
    return [
        {"Put": {"TableName": table.name, "Item": codec.to_attributes(body), **condition}},
        {"Put": {"TableName": table.name, "Item": codec.to_attributes(summary)}},
    ]


def _summary_fields(record: LessonRecord) -> dict[str, Any]:
    return {
        "lesson_id": record.lesson_id,
        "topic": record.topic,
        "title": record.title,
        "tags": list(record.tags),
        "search_text": search_text(record.title, record.topic),
        "created_at": timestamp(record.created_at),
        "updated_at": timestamp(record.updated_at),
        "version": record.version,
        "schema_version": record.schema_version,
        "status": record.status,
    }


def _summary(item: dict[str, Any]) -> LessonSummary:
    return LessonSummary(
        lesson_id=item["lesson_id"],
        topic=item["topic"],
        title=item["title"],
        tags=tuple(item.get("tags", ())),
        created_at=parse_timestamp(item["created_at"]),
        updated_at=parse_timestamp(item["updated_at"]),
        version=int(item["version"]),
        schema_version=item["schema_version"],
        status=item["status"],
    )


def owner_of(item: dict[str, Any]) -> str:
    """The owner of a body item (one written before users belongs to the dev tenant)."""
    return str(item.get("owner", DEV_TENANT))


def _record(item: dict[str, Any]) -> LessonRecord:
    lesson_json = codec.unpack_text(item, "lesson_json")
    assert lesson_json is not None, "a body item carries its lesson"
    stored = {"idempotency_key": None, **item, "owner": owner_of(item)}
    return record_from(_summary(item), stored, lesson_json)
