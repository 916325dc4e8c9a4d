"""Creating the table (``dgs store init``): keys, on-demand billing, TTL."""

from __future__ import annotations

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
