"""Creating the table (``dgs store init``): keys, on-demand billing, TTL, the job indexes.

A table made before the jobs existed gets the job indexes it lacks (``add_missing_indexes``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from adapters.dynamodb.client import DynamoTable
from adapters.dynamodb.job_keys import index_definitions
from application.errors import StoreUnavailableError

TTL_ATTRIBUTE = "ttl"


async def create_table(table: DynamoTable) -> bool:
    """Create the table if it does not exist; True if it was created."""
    try:
        await table.call("describe_table", TableName=table.name)
        return False
    except StoreUnavailableError:
        pass  # not found (or unreachable: create_table below says which)
    job_attributes, job_indexes = index_definitions()
    await table.call(
        "create_table",
        TableName=table.name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            *job_attributes,
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=job_indexes,
        BillingMode="PAY_PER_REQUEST",
    )
    await table.wait_until_exists()
    await table.call(
        "update_time_to_live",
        TableName=table.name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )
    return True


async def add_missing_indexes(table: DynamoTable, poll_seconds: float = 2.0) -> list[str]:
    """Add the job indexes an existing table lacks; the names of those added.

    One index per ``UpdateTable``, each waited for until ``ACTIVE`` before the next: the
    DynamoDB API reference (UpdateTable) allows one GSI creation per call, and none while
    another index is being created. On a provisioned table a new index gets the table's
    own throughput (it must have one); on-demand, none.
    """
    description = await _describe(table)
    present = {index["IndexName"] for index in description.get("GlobalSecondaryIndexes", [])}
    attributes, indexes = index_definitions()
    provisioned = (
        description.get("BillingModeSummary", {}).get("BillingMode") != ("PAY_PER_REQUEST")
        and "ProvisionedThroughput" in description
    )
    added: list[str] = []
    for index in indexes:
        if index["IndexName"] in present:
            continue
        create = dict(index)
        if provisioned:
            throughput = description["ProvisionedThroughput"]
            create["ProvisionedThroughput"] = {
                "ReadCapacityUnits": throughput["ReadCapacityUnits"],
                "WriteCapacityUnits": throughput["WriteCapacityUnits"],
            }
        await table.call(
            "update_table",
            TableName=table.name,
            AttributeDefinitions=attributes,
            GlobalSecondaryIndexUpdates=[{"Create": create}],
        )
        await _until_active(table, index["IndexName"], poll_seconds)
        added.append(index["IndexName"])
    return added


async def _describe(table: DynamoTable) -> dict[str, Any]:
    response = await table.call("describe_table", TableName=table.name)
    return dict(response["Table"])


async def _until_active(table: DynamoTable, name: str, poll_seconds: float) -> None:
    """Wait while the table or the new index is still being built (backfilled)."""
    while True:
        description = await _describe(table)
        statuses = {
            index["IndexName"]: index.get("IndexStatus", "ACTIVE")
            for index in description.get("GlobalSecondaryIndexes", [])
        }
        if description.get("TableStatus", "ACTIVE") == "ACTIVE" and statuses.get(name) == (
            "ACTIVE"
        ):
            return
        await asyncio.sleep(poll_seconds)
