"""``JobStore`` on DynamoDB: ``JOB#`` items with TTL, listed through GSIs (never a Scan).

Every change is a PutItem conditional on the version read (see ``job_keys`` for the
item and index design). A job made with an idempotency key is written in one
transaction with the key's item, so two requests with one key make one job.
"""

from __future__ import annotations

from typing import Any

from adapters.dynamodb import codec
from adapters.dynamodb.client import ConditionFailed, DynamoTable, TransactionCanceled
from adapters.dynamodb.job_keys import ACTIVE, job_idempotency_key, job_key, owner_partition
from adapters.jobs.codec import decode_job, encode_job
from adapters.serialization import timestamp
from application.errors import StoreUnavailableError
from application.jobs.records import JobPage, JobPosition, JobRecord, JobStatus
from application.jobs.store import VersionedJobStore
from application.ports.clock import Clock


class DynamoJobStore(VersionedJobStore):
    """Job records in the service's table."""

    def __init__(self, table: DynamoTable, clock: Clock) -> None:
        super().__init__(clock)
        self._table = table

    async def create(self, job: JobRecord) -> tuple[JobRecord, bool]:
        """Put the job (with its key's item, in one transaction, when it has a key)."""
        if job.idempotency_key is None:
            await self._table.call(
                "put_item",
                TableName=self._table.name,
                Item=self._item(job),
                ConditionExpression="attribute_not_exists(pk)",
            )
            return job, True
        key = job_idempotency_key(job.owner, job.idempotency_key)
        now = timestamp(self._clock.now())
        try:
            await self._table.call(
                "transact_write_items",
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table.name,
                            "Item": codec.to_attributes(key_item(job)),
                            # A key whose job expired is free again (TTL deletes lazily).
                            "ConditionExpression": "attribute_not_exists(pk) OR expires_at <= :now",
                            "ExpressionAttributeValues": {":now": codec.value(now)},
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table.name,
                            "Item": self._item(job),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ],
            )
        except TransactionCanceled as exc:
            if exc.reasons and exc.reasons[0] == "ConditionalCheckFailed":
                existing = await self._by_key(key, required=True)
                if existing is not None:
                    return existing, False
            raise
        return job, True

    async def find(self, owner: str, idempotency_key: str) -> JobRecord | None:
        """The live job made under this owner and key (its key item names it)."""
        return await self._by_key(job_idempotency_key(owner, idempotency_key), required=False)

    async def list(
        self,
        owner: str,
        status: JobStatus | None = None,
        limit: int = 20,
        after: JobPosition | None = None,
    ) -> JobPage:
        """One Query on the owner's index (of one status when filtered), newest first."""
        index = "jobs_by_owner" if status is None else "jobs_by_status"
        partition = "jobs_owner" if status is None else "jobs_owner_status"
        condition = "#p = :p"
        values: dict[str, Any] = {":p": codec.value(owner_partition(owner, status))}
        if after is not None:
            condition += " AND jobs_at < :after"
            values[":after"] = codec.value(_at(after.created_at, after.job_id))
        items: list[JobRecord] = []
        start: dict[str, Any] | None = None
        while len(items) <= limit:
            page = await self._table.call(
                "query",
                TableName=self._table.name,
                IndexName=index,
                KeyConditionExpression=condition,
                ExpressionAttributeNames={"#p": partition},
                ExpressionAttributeValues=values,
                ScanIndexForward=False,
                Limit=limit + 1 - len(items),
                **({"ExclusiveStartKey": start} if start else {}),
            )
            # Expired items TTL has not deleted yet are skipped (rare: a day's lag at most).
            items += [j for j in map(job_record, page.get("Items", [])) if not self._expired(j)]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        shown = tuple(items[:limit])
        more = len(items) > limit
        return JobPage(shown, JobPosition(shown[-1].created_at, shown[-1].job_id) if more else None)

    async def due(self, limit: int = 50) -> tuple[JobRecord, ...]:
        """One Query on the sparse ``jobs_due`` index: active jobs past their lease."""
        now = self._clock.now()
        page = await self._table.call(
            "query",
            TableName=self._table.name,
            IndexName="jobs_due",
            KeyConditionExpression="jobs_active = :a AND jobs_lease <= :now",
            ExpressionAttributeValues={
                ":a": codec.value(ACTIVE),
                ":now": codec.value(timestamp(now)),
            },
            Limit=limit,
        )
        return tuple(j for j in map(job_record, page.get("Items", [])) if not self._expired(j))

    async def erase(self, owner: str, job_id: str) -> bool:
        """Delete the job's item on condition of its owner, then its idempotency key's."""
        job = await self._read(job_id)
        if job is None or job.owner != owner:
            return False
        try:
            await self._table.call(
                "delete_item",
                TableName=self._table.name,
                Key=codec.to_attributes(job_key(job_id)),
                ConditionExpression="jobs_owner = :owner",
                ExpressionAttributeValues={":owner": codec.value(owner_partition(owner))},
            )
        except ConditionFailed:
            return False
        if job.idempotency_key is not None:
            await self._table.call(
                "delete_item",
                TableName=self._table.name,
                Key=codec.to_attributes(job_idempotency_key(owner, job.idempotency_key)),
            )
        return True

    async def _read(self, job_id: str) -> JobRecord | None:
        response = await self._table.call(
            "get_item",
            TableName=self._table.name,
            Key=codec.to_attributes(job_key(job_id)),
            ConsistentRead=True,
        )
        return job_record(response["Item"]) if "Item" in response else None

    async def _swap(self, old_version: int, job: JobRecord) -> bool:
        try:
            await self._table.call(
                "put_item",
                TableName=self._table.name,
                Item=self._item(job),
                ConditionExpression="version = :v",
                ExpressionAttributeValues={":v": codec.value(old_version)},
            )
        except ConditionFailed:
            return False
        return True

    async def _by_key(self, key: dict[str, str], *, required: bool) -> JobRecord | None:
        """The job a key item names (when ``required``, its absence is a store failure)."""
        response = await self._table.call(
            "get_item",
            TableName=self._table.name,
            Key=codec.to_attributes(key),
            ConsistentRead=True,
        )
        if "Item" not in response:
            if required:  # it failed our condition, then TTL deleted it: try again
                raise StoreUnavailableError("the job of an idempotency key vanished")
            return None
        return await self.load(str(codec.from_attributes(response["Item"])["job_id"]))

    def _item(self, job: JobRecord) -> dict[str, Any]:
        return job_item(self._table, job)


def key_item(job: JobRecord) -> dict[str, Any]:
    """The item naming the job its owner's idempotency key made (the job must have a key)."""
    assert job.idempotency_key is not None
    return {
        **job_idempotency_key(job.owner, job.idempotency_key),
        "job_id": job.job_id,
        "expires_at": timestamp(job.expires_at),
        "ttl": int(job.expires_at.timestamp()),
    }


def job_item(table: DynamoTable, job: JobRecord) -> dict[str, Any]:
    """The job's item, as attribute values: the record and the index keys it lists under."""
    at = _at(job.created_at, job.job_id)
    item: dict[str, Any] = {
        **job_key(job.job_id),
        "version": job.version,
        "expires_at": timestamp(job.expires_at),
        "ttl": int(job.expires_at.timestamp()),
        "jobs_owner": owner_partition(job.owner),
        "jobs_owner_status": owner_partition(job.owner, job.status),
        "jobs_at": at,
    }
    if job.lease_until is not None and not job.final:
        item["jobs_active"] = ACTIVE
        item["jobs_lease"] = timestamp(job.lease_until)
    codec.pack_text(item, "record", encode_job(job), table.settings.compress_above)
    codec.guard_size(item)
    return codec.to_attributes(item)


def _at(created_at: Any, job_id: str) -> str:
    return f"{timestamp(created_at)}#{job_id}"


def job_record(attributes: dict[str, Any]) -> JobRecord:
    """The record in a job's item (attribute values)."""
    text = codec.unpack_text(codec.from_attributes(attributes), "record")
    assert text is not None, "a job item carries its record"
    return decode_job(text)
