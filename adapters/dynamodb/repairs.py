"""``RepairLog`` on DynamoDB: each record in its owner's partition, expiring by TTL.

A record is two items written in one transaction (``adapters.dynamodb.keys``): the
record under ``pk={owner}, sk=REPAIR#{at}``, and an entry naming its owner under
``pk=REPAIR, sk={at}``, where ``at`` is ``{created_at}#{repair_id}``. An owner's export,
erasure and handover are Queries of its partition; the fine-tuning export Queries the
``REPAIR`` partition in time order and fetches each page's records by key. Never a Scan.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from adapters.dynamodb import codec, keys
from adapters.dynamodb.calls import query_count, query_items, transact
from adapters.dynamodb.client import DynamoTable
from adapters.serialization import (
    kept_repair,
    logged_repair,
    parse_timestamp,
    repair_blob,
    timestamp,
)
from application.errors import StoreUnavailableError
from application.ports.account import After, KeptRepair
from application.ports.clock import Clock, IdGenerator
from application.ports.generation import LoggedRepair, RepairRecord
from application.principal import DEV_TENANT

# Items read per Query: a page is at most this many times 128 KiB (DynamoDB also stops a
# page at 1 MB of items read). A page's records are one BatchGetItem (at most 100 keys).
READ_PAGE = 64
# BatchGetItem may leave keys unprocessed (throttling, 16 MB per answer): asked again.
BATCH_GET_ROUNDS = 8
_TTL = {"#ttl": "ttl"}  # a reserved word
_OWNER = {"#owner": "owner"}  # likewise


class DynamoRepairLog:
    """Repair records in the lesson table: gzip-compressed JSON, deleted by TTL after ``ttl``."""

    def __init__(
        self,
        table: DynamoTable,
        clock: Clock,
        ids: IdGenerator,
        ttl: timedelta,
        *,
        page_size: int = READ_PAGE,
    ) -> None:
        self._table = table
        self._clock = clock
        self._ids = ids
        self._ttl = ttl
        self._page_size = page_size

    async def record(self, repair: RepairRecord) -> None:
        """Store one repair record (capped in size, so it always fits an item) and its entry."""
        blob = await asyncio.to_thread(repair_blob, repair)  # compressing is CPU work
        now = self._clock.now()
        at = f"{timestamp(now)}#{self._ids.lesson_id()}"
        expires = int((now + self._ttl).timestamp())
        item = {
            **keys.repair_key(repair.owner, at),
            "outcome": repair.outcome,
            "record_gz": blob,
            "ttl": expires,
        }
        codec.guard_size(item)
        entry = {**keys.repair_log_key(at), "owner": repair.owner, "ttl": expires}
        await self._transact({"Put": self._put(item)}, {"Put": self._put(entry)})

    async def read(self, since: datetime | None = None) -> AsyncIterator[LoggedRepair]:
        """Every owner's records not expired, made at or after ``since``, oldest first.

        One key range of the ``REPAIR`` partition, a Query per page, starting at ``since``
        or at the time to live ago, whichever is later (as on SQLite); then the page's
        records, one BatchGetItem. DynamoDB deletes expired items some time after their
        ``ttl``, and until then they still appear in queries (AWS, DynamoDB developer
        guide, "Working with Time to Live"): they are filtered out.
        """
        now = self._clock.now()
        low = max(since, now - self._ttl) if since else now - self._ttl
        arguments = {
            **self._partition(keys.REPAIR_LOG_PK, "sk >= :low", {":low": timestamp(low)}, now),
            "Limit": self._page_size,
        }
        while True:
            response = await self._table.call("query", **arguments)
            entries = [codec.from_attributes(item) for item in response.get("Items", [])]
            for repair in await self._resolve(entries):
                yield repair
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            arguments["ExclusiveStartKey"] = last

    async def kept(
        self, owner: str, limit: int, after: After | None = None
    ) -> tuple[KeptRepair, ...]:
        """The owner's unexpired records, newest first, after ``after``: its partition's range."""
        now = self._clock.now()
        low = keys.REPAIR_PREFIX + timestamp(now - self._ttl)
        arguments: dict[str, Any] = {
            **self._partition(
                owner,
                "sk BETWEEN :low AND :high",
                {":low": low, ":high": keys.REPAIR_RANGE_END},
                now,
            ),
            "ScanIndexForward": False,
        }
        if after is not None:
            # The rest expired since. DynamoDB refuses a start key outside the key
            # condition's range ("The provided starting key is outside query boundaries
            # based on provided condition", a ValidationException; moto does not check).
            if after[0] < now - self._ttl:
                return ()
            start = keys.repair_key(owner, f"{timestamp(after[0])}#{after[1]}")
            arguments["ExclusiveStartKey"] = codec.to_attributes(start)
        found: list[dict[str, Any]] = []
        while len(found) < limit:
            response = await self._table.call("query", **arguments, Limit=limit - len(found))
            found += [codec.from_attributes(item) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                break
            arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return await asyncio.to_thread(_kept, found)  # decompressing is CPU work

    async def forget(self, owner: str) -> int:
        """Delete each of the owner's records with its log entry (both or neither); how many."""
        erased = 0
        query = {**self._owned_query(owner), "ProjectionExpression": "pk, sk"}
        async for item in query_items(self._table, query):
            at = item["sk"].removeprefix(keys.REPAIR_PREFIX)
            await self._transact(
                {"Delete": self._key(keys.repair_key(owner, at))},
                {"Delete": self._key(keys.repair_log_key(at))},
            )
            erased += 1
        return erased

    async def count(self, owner: str) -> int:
        """How many records the owner has: Queries of its partition counting (none returned)."""
        return await query_count(self._table, self._owned_query(owner))

    async def hand_over(self, from_owner: str, to_owner: str) -> int:
        """Move each record to ``to_owner``'s partition and re-point its entry, atomically."""
        moved = 0
        async for item in query_items(self._table, self._owned_query(from_owner)):
            at = item["sk"].removeprefix(keys.REPAIR_PREFIX)
            moved += await self._moved(
                {"Put": self._put({**item, "pk": to_owner}, "attribute_not_exists(pk)")},
                {"Delete": self._key(keys.repair_key(from_owner, at), "attribute_exists(pk)")},
                {"Update": self._repoint(at, from_owner, to_owner)},
            )
        return moved

    async def adopt_unowned(self) -> int:
        """Give records kept before owners to the dev tenant (``dgs store init``); how many.

        Such a record sits in the ``REPAIR`` partition itself, with no owner: it moves to
        the dev tenant's partition and an entry naming the tenant takes its place.
        """
        unowned = {
            "TableName": self._table.name,
            "KeyConditionExpression": "pk = :pk",
            "FilterExpression": "attribute_not_exists(#owner)",
            "ExpressionAttributeNames": _OWNER,
            "ExpressionAttributeValues": {":pk": codec.value(keys.REPAIR_LOG_PK)},
            "ConsistentRead": True,
        }
        adopted = 0
        async for legacy in query_items(self._table, unowned):
            record = {**legacy, **keys.repair_key(DEV_TENANT, legacy["sk"])}
            entry = {**keys.repair_log_key(legacy["sk"]), "owner": DEV_TENANT, "ttl": legacy["ttl"]}
            adopted += await self._moved(
                {"Put": self._put(record, "attribute_not_exists(pk)")},
                {"Put": self._put(entry, "attribute_not_exists(#owner)")},  # still unowned
            )
        return adopted

    async def _resolve(self, entries: list[dict[str, Any]]) -> list[LoggedRepair]:
        """Each entry's record: fetched by key, or held by the entry (kept before owners).

        A record erased since its entry was read is skipped.
        """
        wanted = [keys.repair_key(e["owner"], e["sk"]) for e in entries if "owner" in e]
        records = await self._batch_get(wanted)
        found = []
        for entry in entries:
            owner = entry.get("owner", DEV_TENANT)
            record = (
                records.get((owner, keys.REPAIR_PREFIX + entry["sk"]))
                if "owner" in entry
                else entry
            )
            if record is not None:
                found.append((entry["sk"], owner, record["outcome"], record["record_gz"]))
        return await asyncio.to_thread(_logged, found)  # decompressing is CPU work

    async def _batch_get(self, wanted: list[dict[str, str]]) -> dict[tuple[str, str], Any]:
        """The items with these keys that exist, by (pk, sk): BatchGetItem, consistent."""
        found: dict[tuple[str, str], Any] = {}
        request = [codec.to_attributes(key) for key in wanted]
        for _ in range(BATCH_GET_ROUNDS):
            if not request:
                return found
            response = await self._table.call(
                "batch_get_item",
                RequestItems={self._table.name: {"Keys": request, "ConsistentRead": True}},
            )
            for attributes in response.get("Responses", {}).get(self._table.name, []):
                item = codec.from_attributes(attributes)
                found[(item["pk"], item["sk"])] = item
            request = response.get("UnprocessedKeys", {}).get(self._table.name, {}).get("Keys", [])
        raise StoreUnavailableError("DynamoDB left repair records unread after several rounds")

    def _owned_query(self, owner: str) -> dict[str, Any]:
        return {
            "TableName": self._table.name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :repair)",
            "ExpressionAttributeValues": {
                ":pk": codec.value(owner),
                ":repair": codec.value(keys.REPAIR_PREFIX),
            },
            "ConsistentRead": True,
        }

    def _partition(
        self, pk: str, condition: str, values: dict[str, str], now: datetime
    ) -> dict[str, Any]:
        """A consistent Query of one partition's unexpired items."""
        return {
            "TableName": self._table.name,
            "KeyConditionExpression": f"pk = :pk AND {condition}",
            "FilterExpression": "#ttl > :now",
            "ExpressionAttributeNames": _TTL,
            "ExpressionAttributeValues": {
                ":pk": codec.value(pk),
                ":now": codec.value(int(now.timestamp())),
                **{name: codec.value(value) for name, value in values.items()},
            },
            "ConsistentRead": True,
        }

    def _put(self, item: dict[str, Any], condition: str | None = None) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self._table.name, "Item": codec.to_attributes(item)}
        if condition is not None:
            put["ConditionExpression"] = condition
            if "#owner" in condition:
                put["ExpressionAttributeNames"] = _OWNER
        return put

    def _key(self, key: dict[str, str], condition: str | None = None) -> dict[str, Any]:
        action: dict[str, Any] = {"TableName": self._table.name, "Key": codec.to_attributes(key)}
        if condition is not None:
            action["ConditionExpression"] = condition
        return action

    def _repoint(self, at: str, was: str, to: str) -> dict[str, Any]:
        """The update naming ``to`` in the log entry of a record of ``was``'s."""
        return {
            **self._key(keys.repair_log_key(at), "#owner = :from"),
            "UpdateExpression": "SET #owner = :to",
            "ExpressionAttributeNames": _OWNER,
            "ExpressionAttributeValues": {":to": codec.value(to), ":from": codec.value(was)},
        }

    async def _transact(self, *actions: dict[str, Any]) -> None:
        """Run the actions in one transaction (a failed condition is an error here)."""
        await self._table.call("transact_write_items", TransactItems=list(actions))

    async def _moved(self, *actions: dict[str, Any]) -> int:
        """1 if the transaction ran; 0 if a condition failed (another run moved it first)."""
        return 0 if await transact(self._table, *actions) else 1


def _logged(found: list[tuple[str, str, str, Any]]) -> list[LoggedRepair]:
    decoded = []
    for at, owner, outcome, blob in found:
        created, _, repair_id = at.partition("#")
        decoded.append(logged_repair(repair_id, parse_timestamp(created), outcome, blob, owner))
    return decoded


def _kept(items: list[dict[str, Any]]) -> tuple[KeptRepair, ...]:
    kept = []
    for item in items:
        created, _, repair_id = item["sk"].removeprefix(keys.REPAIR_PREFIX).partition("#")
        kept.append(
            kept_repair(repair_id, parse_timestamp(created), item["outcome"], item["record_gz"])
        )
    return tuple(kept)
