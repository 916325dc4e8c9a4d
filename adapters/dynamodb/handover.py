"""Handing the single tenant's idempotency records and jobs to a user, on DynamoDB.

``dgs store assign-owner`` moves lessons (``adapters.dynamodb.removal``) and repair
records (``adapters.dynamodb.repairs``) with these. Every record moves in one transaction
conditioned on the record as read, so a run stopped midway leaves each record with one
owner, a concurrent change is never overwritten (that record waits for a rerun), and a
rerun moves what is left. Records are found by Query (never a Scan).
"""

from __future__ import annotations

from typing import Any

from adapters.dynamodb import codec, keys
from adapters.dynamodb.calls import CONDITION_FAILED as _FAILED
from adapters.dynamodb.calls import query_count, query_items, transact
from adapters.dynamodb.client import DynamoTable
from adapters.dynamodb.job_keys import job_idempotency_key, job_key, owner_partition
from adapters.dynamodb.jobs import job_item, job_record, key_item
from adapters.serialization import timestamp
from application.jobs.transitions import handed_over
from application.ports.clock import Clock


class DynamoIdempotencyHandover:
    """Idempotency records (``pk={owner}, sk=IDEMP#...``) of one owner given to another."""

    def __init__(self, table: DynamoTable, clock: Clock) -> None:
        self._table = table
        self._clock = clock

    async def count(self, owner: str) -> int:
        """How many records the owner has: Queries of its partition counting."""
        return await query_count(self._table, _idempotency_query(self._table, owner))

    async def hand_over(self, from_owner: str, to_owner: str) -> int:
        """Move each record not held right now (put the new, delete the old, at once).

        A claim whose lease has not run out belongs to a generation running now: it waits
        for a later run. Where ``to_owner`` holds the same key already, its record stays
        and the tenant's is deleted.
        """
        now = timestamp(self._clock.now())
        moved = 0
        async for item in query_items(self._table, _idempotency_query(self._table, from_owner)):
            if item["state"] == "in_progress" and item["lease_until"] > now:
                continue
            # Still the record read: the same attempt token, in the same state.
            unchanged = {
                "TableName": self._table.name,
                "Key": codec.to_attributes({"pk": item["pk"], "sk": item["sk"]}),
                "ConditionExpression": "#owner = :holder AND #state = :state",
                "ExpressionAttributeNames": {"#owner": "owner", "#state": "state"},
                "ExpressionAttributeValues": {
                    ":holder": codec.value(item["owner"]),
                    ":state": codec.value(item["state"]),
                },
            }
            put = {
                "TableName": self._table.name,
                "Item": codec.to_attributes({**item, "pk": to_owner}),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
            reasons = await transact(self._table, {"Put": put}, {"Delete": unchanged})
            if reasons and reasons[0] == _FAILED and reasons[1] != _FAILED:
                await transact(self._table, {"Delete": unchanged})  # the user's key stays
            moved += not reasons
        return moved


class DynamoJobHandover:
    """Jobs of one owner given to another: the job's item and its idempotency key's item."""

    def __init__(self, table: DynamoTable, clock: Clock) -> None:
        self._table = table
        self._clock = clock

    async def count(self, owner: str) -> int:
        """How many jobs the owner has: Queries of its ``jobs_by_owner`` partition counting."""
        return await query_count(self._table, _jobs_query(self._table, owner))

    async def hand_over(self, from_owner: str, to_owner: str) -> int:
        """Move each job at its next version, with its key's item; how many moved.

        The index is read first (it is eventually consistent), then each job by its key,
        consistently: a job no longer ``from_owner``'s is left alone. A worker running a
        moved job reads the new owner at its next step. A job whose idempotency key
        ``to_owner`` holds already moves without it.
        """
        index = {**_jobs_query(self._table, from_owner), "ProjectionExpression": "pk"}
        listed = [item["pk"] async for item in query_items(self._table, index)]
        moved = 0
        for pk in listed:
            moved += await self._move(pk.removeprefix("JOB#"), from_owner, to_owner)
        return moved

    async def _move(self, job_id: str, from_owner: str, to_owner: str) -> bool:
        response = await self._table.call(
            "get_item",
            TableName=self._table.name,
            Key=codec.to_attributes(job_key(job_id)),
            ConsistentRead=True,
        )
        if "Item" not in response:
            return False
        job = job_record(response["Item"])
        if job.owner != from_owner:
            return False
        now = self._clock.now()
        moved = handed_over(job, to_owner, now, keep_key=True)
        put_job = {
            "Put": {
                "TableName": self._table.name,
                "Item": job_item(self._table, moved),
                "ConditionExpression": "version = :v",
                "ExpressionAttributeValues": {":v": codec.value(job.version)},
            }
        }
        if job.idempotency_key is None:
            return not await transact(self._table, put_job)
        old_key = {
            "Delete": {
                "TableName": self._table.name,
                "Key": codec.to_attributes(job_idempotency_key(from_owner, job.idempotency_key)),
            }
        }
        new_key = {
            "Put": {
                "TableName": self._table.name,
                "Item": codec.to_attributes(key_item(moved)),
                # A key whose job expired is free again (TTL deletes lazily).
                "ConditionExpression": "attribute_not_exists(pk) OR expires_at <= :now",
                "ExpressionAttributeValues": {":now": codec.value(timestamp(now))},
            }
        }
        reasons = await transact(self._table, put_job, old_key, new_key)
        if reasons and reasons[0] != _FAILED and reasons[2] == _FAILED:  # the user's key
            keyless = handed_over(job, to_owner, now, keep_key=False)
            put_job["Put"]["Item"] = job_item(self._table, keyless)
            reasons = await transact(self._table, put_job, old_key)
        return not reasons


def _idempotency_query(table: DynamoTable, owner: str) -> dict[str, Any]:
    return {
        "TableName": table.name,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :idem)",
        "ExpressionAttributeValues": {
            ":pk": codec.value(owner),
            ":idem": codec.value(keys.IDEMPOTENCY_PREFIX),
        },
        "ConsistentRead": True,
    }


def _jobs_query(table: DynamoTable, owner: str) -> dict[str, Any]:
    return {
        "TableName": table.name,
        "IndexName": "jobs_by_owner",
        "KeyConditionExpression": "jobs_owner = :p",
        "ExpressionAttributeValues": {":p": codec.value(owner_partition(owner))},
    }
