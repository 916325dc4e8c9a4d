"""``IdempotencyStore`` on DynamoDB: conditional claims, transactional completion."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from adapters.dynamodb import codec, keys
from adapters.dynamodb.client import ConditionFailed, DynamoTable, TransactionCanceled
from adapters.dynamodb.lessons import lesson_puts
from adapters.serialization import parse_timestamp, timestamp
from application.errors import FencedError
from application.ports.clock import Clock, IdGenerator
from application.ports.idempotency import (
    Claimed,
    ClaimResult,
    Completed,
    FingerprintMismatch,
    IdempotencyScope,
    InProgress,
    expires_at,
)
from application.records import LessonRecord

# A claim may be taken when there is none, when it expired, or when its holder's lease
# ran out on the same request (a different request under the key is a mismatch).
_CLAIMABLE = (
    "attribute_not_exists(pk) OR expires_at <= :now"
    " OR (#state = :in_progress AND lease_until <= :now AND fingerprint = :fp)"
)


class DynamoIdempotencyStore:
    """Idempotency records in the lesson table, so completing is one transaction."""

    def __init__(self, table: DynamoTable, clock: Clock, ids: IdGenerator) -> None:
        self._table = table
        self._clock = clock
        self._ids = ids

    async def claim(
        self, scope: IdempotencyScope, fingerprint: str, lease: timedelta
    ) -> ClaimResult:
        """One conditional put; if it fails, read the record to say why."""
        now = self._clock.now()
        owner = self._ids.token()
        expiry = expires_at(now)
        item = {
            **keys.idempotency_key(scope),
            "fingerprint": fingerprint,
            "owner": owner,
            "state": "in_progress",
            "lease_until": timestamp(now + lease),
            "expires_at": timestamp(expiry),
            "ttl": int(expiry.timestamp()),
        }
        try:
            await self._table.call(
                "put_item",
                TableName=self._table.name,
                Item=codec.to_attributes(item),
                ConditionExpression=_CLAIMABLE,
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":now": codec.value(timestamp(now)),
                    ":in_progress": codec.value("in_progress"),
                    ":fp": codec.value(fingerprint),
                },
            )
        except ConditionFailed:
            return await self._holder(scope, fingerprint, now)
        return Claimed(owner)

    async def _holder(
        self, scope: IdempotencyScope, fingerprint: str, now: datetime
    ) -> ClaimResult:
        record = await self._read(scope)
        if record is None or parse_timestamp(record["expires_at"]) <= now:
            # Gone or expired between our put and this read: ask the caller to retry soon.
            return InProgress(timedelta(seconds=1))
        if record["fingerprint"] != fingerprint:
            return FingerprintMismatch()
        if record["state"] == "completed":
            return Completed(record["lesson_id"], _response(record))
        return InProgress(max(parse_timestamp(record["lease_until"]) - now, timedelta(seconds=1)))

    async def complete(
        self, scope: IdempotencyScope, owner: str, lesson: LessonRecord, response: str
    ) -> None:
        """Mark the key completed and write the lesson, in one transaction fenced on ``owner``."""
        values: dict[str, Any] = {
            ":owner": owner,
            ":in_progress": "in_progress",
            ":done": "completed",
            ":id": lesson.lesson_id,
        }
        packed: dict[str, Any] = {}
        codec.pack_text(packed, "response", response, self._table.settings.compress_above)
        codec.guard_size(packed)
        ((name, stored),) = packed.items()
        values[":response"] = stored
        mark = {
            "Update": {
                "TableName": self._table.name,
                "Key": codec.to_attributes(keys.idempotency_key(scope)),
                "UpdateExpression": "SET #state = :done, lesson_id = :id, #response = :response",
                "ConditionExpression": "#owner = :owner AND #state = :in_progress",
                "ExpressionAttributeNames": {
                    "#state": "state",
                    "#owner": "owner",
                    "#response": name,
                },
                "ExpressionAttributeValues": {k: codec.value(v) for k, v in values.items()},
            }
        }
        try:
            await self._table.call(
                "transact_write_items", TransactItems=[mark, *lesson_puts(self._table, lesson)]
            )
        except TransactionCanceled as exc:
            if exc.reasons and exc.reasons[0] == "ConditionalCheckFailed":
                raise FencedError("this attempt no longer holds the idempotency key") from exc
            raise

    async def release(self, scope: IdempotencyScope, owner: str) -> None:
        """Delete an in-progress claim held by ``owner`` (nothing if someone else holds it)."""
        try:
            await self._table.call(
                "delete_item",
                TableName=self._table.name,
                Key=codec.to_attributes(keys.idempotency_key(scope)),
                ConditionExpression="#owner = :owner AND #state = :in_progress",
                ExpressionAttributeNames={"#state": "state", "#owner": "owner"},
                ExpressionAttributeValues={
                    ":owner": codec.value(owner),
                    ":in_progress": codec.value("in_progress"),
                },
            )
        except ConditionFailed:
            return

    async def _read(self, scope: IdempotencyScope) -> dict[str, Any] | None:
        response = await self._table.call(
            "get_item",
            TableName=self._table.name,
            Key=codec.to_attributes(keys.idempotency_key(scope)),
            ConsistentRead=True,
        )
        return codec.from_attributes(response["Item"]) if "Item" in response else None

    async def forget(self, tenant: str) -> None:
        """Delete the tenant's records: Queries of its partition's ``IDEMP#`` keys."""
        arguments: dict[str, Any] = {
            "TableName": self._table.name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :idem)",
            "ExpressionAttributeValues": {
                ":pk": codec.value(tenant),
                ":idem": codec.value(keys.IDEMPOTENCY_PREFIX),
            },
            "ProjectionExpression": "pk, sk",
            "ConsistentRead": True,
        }
        while True:
            response = await self._table.call("query", **arguments)
            for item in response.get("Items", []):
                await self._table.call("delete_item", TableName=self._table.name, Key=item)
            if "LastEvaluatedKey" not in response:
                return
            arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _response(record: dict[str, Any]) -> str:
    response = codec.unpack_text(record, "response")
    assert response is not None, "a completed record carries its response"
    return response
