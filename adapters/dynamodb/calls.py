"""DynamoDB calls the adapters share.

A Query's every item or its count, and a transaction whose failed conditions are an
answer rather than an error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from adapters.dynamodb import codec
from adapters.dynamodb.client import DynamoTable, TransactionCanceled

CONDITION_FAILED = "ConditionalCheckFailed"


async def query_items(
    table: DynamoTable, arguments: dict[str, Any]
) -> AsyncIterator[dict[str, Any]]:
    """Every item a Query finds (decoded), page after page."""
    arguments = dict(arguments)
    while True:
        response = await table.call("query", **arguments)
        for item in response.get("Items", []):
            yield codec.from_attributes(item)
        if "LastEvaluatedKey" not in response:
            return
        arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]


async def query_count(table: DynamoTable, arguments: dict[str, Any]) -> int:
    """How many items a Query finds (``Select=COUNT``: none is returned)."""
    arguments = {**arguments, "Select": "COUNT"}
    total = 0
    while True:
        response = await table.call("query", **arguments)
        total += int(response.get("Count", 0))
        if "LastEvaluatedKey" not in response:
            return total
        arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]


async def transact(table: DynamoTable, *actions: dict[str, Any]) -> list[str]:
    """Run the actions in one transaction: [] if it ran, else each action's reason.

    Only failed conditions are answered so (``CONDITION_FAILED`` where one failed); any
    other cancellation (a conflicting transaction, throttling) leaves the store
    unavailable, as everywhere.
    """
    try:
        await table.call("transact_write_items", TransactItems=list(actions))
    except TransactionCanceled as exc:
        if CONDITION_FAILED not in exc.reasons:
            raise
        return exc.reasons
    return []
