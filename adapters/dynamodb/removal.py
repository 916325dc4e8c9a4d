"""Removing lessons from DynamoDB, listing an owner's ids, handing a lesson over.

The deleted lessons not purged yet are read back too (the owner's export).

A deleted lesson's body and summary items get ``status = deleted`` and a ``ttl`` (the
end of its retention), in one transaction: reads and listings skip it at once, and
DynamoDB's TTL deletes both items after the retention (AWS, DynamoDB developer guide,
"Working with Time to Live": items are deleted some time after expiry, so reads check
the status, never the TTL alone).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from adapters.dynamodb import codec, keys
from adapters.dynamodb.calls import query_count
from adapters.dynamodb.client import DynamoTable, TransactionCanceled
from adapters.serialization import parse_timestamp, timestamp
from application.ports.account import After
from application.records import LessonRecord

# Summaries examined per Query when looking for deleted ones: DynamoDB applies ``Limit``
# before the filter, and summaries are small.
FILTERED_READ = 100

# The body is still the owner's and at the version read (an item from before users has
# no owner: its reader checked it is the dev tenant's).
_STILL_THE_SAME = "version = :expected AND (#owner = :owner OR attribute_not_exists(#owner))"


async def mark_deleted(
    table: DynamoTable, current: LessonRecord, now: datetime, purge_after: datetime
) -> bool:
    """Mark ``current`` deleted if it is unchanged since read; False if it changed."""
    values = {
        ":deleted": codec.value("deleted"),
        ":next": codec.value(current.version + 1),
        ":now": codec.value(timestamp(now)),
        ":ttl": codec.value(int(purge_after.timestamp())),
        ":purge": codec.value(timestamp(purge_after)),  # exact: ``ttl`` keeps whole seconds
    }
    update = (
        "SET #status = :deleted, version = :next, updated_at = :now, #ttl = :ttl,"
        " purge_after = :purge"
    )
    names = {"#status": "status", "#ttl": "ttl"}  # both reserved words
    body = {
        "TableName": table.name,
        "Key": codec.to_attributes(keys.body_key(current.lesson_id)),
        "UpdateExpression": update,
        "ConditionExpression": _STILL_THE_SAME,
        "ExpressionAttributeNames": {**names, "#owner": "owner"},
        "ExpressionAttributeValues": {
            **values,
            ":expected": codec.value(current.version),
            ":owner": codec.value(current.owner),
        },
    }
    summary = {
        "TableName": table.name,
        "Key": codec.to_attributes(_summary_key(current)),
        "UpdateExpression": update,
        "ConditionExpression": "attribute_exists(pk)",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
    try:
        await table.call(
            "transact_write_items", TransactItems=[{"Update": body}, {"Update": summary}]
        )
    except TransactionCanceled as exc:
        if "ConditionalCheckFailed" not in exc.reasons:
            raise
        return False
    return True


async def erase(table: DynamoTable, record: LessonRecord) -> None:
    """Delete a lesson's body and summary items (both, or neither)."""
    await table.call(
        "transact_write_items",
        TransactItems=[
            {"Delete": {"TableName": table.name, "Key": codec.to_attributes(key)}}
            for key in (keys.body_key(record.lesson_id), _summary_key(record))
        ],
    )


async def owned(table: DynamoTable, owner: str, limit: int) -> tuple[str, ...]:
    """Up to ``limit`` of the owner's lesson ids, any status: Queries of its partition."""
    arguments: dict[str, Any] = {
        "TableName": table.name,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
        "ExpressionAttributeValues": {
            ":pk": codec.value(owner),
            ":low": codec.value(keys.LESSON_PREFIX),
            ":high": codec.value(keys.LESSON_RANGE_END),
        },
        "ProjectionExpression": "lesson_id",
        "ConsistentRead": True,
    }
    found: list[str] = []
    while len(found) < limit:
        response = await table.call("query", **arguments, Limit=limit - len(found))
        found += [codec.from_attributes(i)["lesson_id"] for i in response.get("Items", [])]
        if "LastEvaluatedKey" not in response:
            break
        arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return tuple(found)


async def reassign(
    table: DynamoTable, body: dict[str, Any], summary: dict[str, Any], to: str
) -> bool:
    """Move a lesson's summary to ``to``'s partition and set its body's owner.

    One transaction, on condition that the body is still as read; False if it changed.
    """
    record_owner = str(body.get("owner", summary["pk"]))
    moved = {**summary, "pk": to}
    try:
        await table.call(
            "transact_write_items",
            TransactItems=[
                {"Put": {"TableName": table.name, "Item": codec.to_attributes(moved)}},
                {
                    "Delete": {
                        "TableName": table.name,
                        "Key": codec.to_attributes({"pk": summary["pk"], "sk": summary["sk"]}),
                    }
                },
                {
                    "Update": {
                        "TableName": table.name,
                        "Key": codec.to_attributes(keys.body_key(body["lesson_id"])),
                        "UpdateExpression": "SET #owner = :to",
                        "ConditionExpression": _STILL_THE_SAME,
                        "ExpressionAttributeNames": {"#owner": "owner"},
                        "ExpressionAttributeValues": {
                            ":to": codec.value(to),
                            ":owner": codec.value(record_owner),
                            ":expected": codec.value(int(body["version"])),
                        },
                    }
                },
            ],
        )
    except TransactionCanceled as exc:
        if "ConditionalCheckFailed" not in exc.reasons:
            raise
        return False
    return True


async def deleted(
    table: DynamoTable, owner: str, limit: int, after: After | None, now: datetime
) -> list[str]:
    """Ids of up to ``limit`` of the owner's deleted lessons not purged yet, newest first.

    Queries of the owner's summary range from after ``after``, keeping the deleted
    summaries whose ``ttl`` is still ahead (TTL deletes expired items some time later).
    DynamoDB applies ``Limit`` before the filter, so each Query examines a full read.
    """
    arguments: dict[str, Any] = {
        "TableName": table.name,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
        "FilterExpression": "#status = :deleted AND #ttl > :now",
        "ExpressionAttributeNames": {"#status": "status", "#ttl": "ttl"},
        "ExpressionAttributeValues": {
            ":pk": codec.value(owner),
            ":low": codec.value(keys.LESSON_PREFIX),
            ":high": codec.value(keys.LESSON_RANGE_END),
            ":deleted": codec.value("deleted"),
            ":now": codec.value(int(now.timestamp())),
        },
        "ProjectionExpression": "lesson_id",
        "ScanIndexForward": False,
        "ConsistentRead": True,
        "Limit": FILTERED_READ,
    }
    if after is not None:
        start = {"pk": owner, "sk": keys.summary_sk(timestamp(after[0]), after[1])}
        arguments["ExclusiveStartKey"] = codec.to_attributes(start)
    found: list[str] = []
    while len(found) < limit:
        response = await table.call("query", **arguments)
        found += [codec.from_attributes(i)["lesson_id"] for i in response.get("Items", [])]
        if "LastEvaluatedKey" not in response:
            break
        arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return found[:limit]


def purge_time(body: dict[str, Any]) -> datetime:
    """When a deleted lesson's body goes.

    Lessons deleted before ``purge_after`` was kept alongside have their ``ttl`` only, in
    whole seconds.
    """
    if "purge_after" in body:
        return parse_timestamp(body["purge_after"])
    return datetime.fromtimestamp(int(body["ttl"]), UTC)


def _summary_key(record: LessonRecord) -> dict[str, str]:
    return {
        "pk": record.owner,
        "sk": keys.summary_sk(timestamp(record.created_at), record.lesson_id),
    }


async def count(table: DynamoTable, owner: str) -> int:
    """The owner's lessons: Queries of its summary partition counting (no item returned)."""
    arguments: dict[str, Any] = {
        "TableName": table.name,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :lesson)",
        "FilterExpression": "#status = :ok",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {
            ":pk": codec.value(owner),
            ":lesson": codec.value(keys.LESSON_PREFIX),
            ":ok": codec.value("ok"),
        },
    }
    return await query_count(table, arguments)
