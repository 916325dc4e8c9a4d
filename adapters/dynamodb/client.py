"""The DynamoDB table connection: one long-lived client, bounded retries, typed errors.

botocore's ``standard`` retry mode is the only retry layer: it retries throttling and
transient faults with backoff, up to ``max_attempts``. What still fails becomes a
``StoreUnavailableError``; conditional failures become ``ConditionFailed`` or
``TransactionCanceled`` for the adapters to interpret.

Every answer must be DynamoDB's own: a JSON body (``application/x-amz-json-1.0``, see
the DynamoDB API reference, "DynamoDB low-level API"). A proxy, load balancer or crashed
server answering an HTML page is a store failure whatever its status: botocore would
read a 200 HTML page as an empty success (a write that never happened) and a 5xx one as
an error with a numeric code.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from adapters.aws_client import open_aws_client
from application.errors import StoreUnavailableError


@dataclass(frozen=True, slots=True)
class DynamoSettings:
    """Where the table is and how patiently to talk to it."""

    table: str
    region: str = "us-east-1"
    endpoint_url: str | None = None
    max_attempts: int = 4
    connect_timeout: float = 2.0
    read_timeout: float = 5.0
    compress_above: int = 4096


class ConditionFailed(Exception):
    """A conditional write's condition did not hold."""


class TransactionCanceled(StoreUnavailableError):
    """A transaction was cancelled; ``reasons`` holds one code per action ("None" if fine).

    Adapters turn the reasons they expect (a failed condition) into their own errors;
    any other (a conflicting transaction, throttling) leaves the store unavailable.
    """

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(f"transaction cancelled: {reasons}")
        self.reasons = reasons


class DynamoTable:
    """Calls on one table through a client created on first use and kept open."""

    def __init__(self, settings: DynamoSettings) -> None:
        self.settings = settings
        self.name = settings.table
        self._client: Any = None
        self._stack: AsyncExitStack | None = None
        self._lock = asyncio.Lock()

    async def call(self, operation: str, **arguments: Any) -> dict[str, Any]:
        """Call a DynamoDB operation; vendor errors come out as application errors."""
        client = self._client or await self._open()
        try:
            response: dict[str, Any] = await getattr(client, operation)(**arguments)
        except ClientError as exc:
            raise _translate(exc, operation, self.name) from exc
        except BotoCoreError as exc:  # connection refused, timeouts...
            raise StoreUnavailableError(
                f"DynamoDB did not answer {operation} ({type(exc).__name__}: {exc})"
            ) from exc
        except (ResponseParserError, UnicodeDecodeError, OSError) as exc:  # not DynamoDB's answer
            raise StoreUnavailableError(
                f"DynamoDB {operation}: unreadable answer ({type(exc).__name__}: {exc})"
            ) from exc
        if not _is_json(response):
            raise StoreUnavailableError(
                f"DynamoDB {operation} answered {_described(response)}, not DynamoDB JSON"
            )
        return response

    async def wait_until_exists(self) -> None:
        """Wait for a table being created to become active."""
        client = self._client or await self._open()
        await client.get_waiter("table_exists").wait(TableName=self.name)

    async def close(self) -> None:
        """Close the client."""
        if self._stack is not None:
            await self._stack.aclose()
        self._client = self._stack = None

    async def _open(self) -> Any:
        async with self._lock:
            if self._client is None:
                self._client, self._stack = await open_aws_client("dynamodb", self.settings)
        return self._client


# Errors that mean "the store cannot serve now": throttling and faults still failing after
# botocore's retries, and a table or credentials that do not let us in.
_UNAVAILABLE = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "LimitExceededException",
        "TransactionConflictException",
        "AccessDeniedException",
        "UnrecognizedClientException",
    }
)


class DynamoRequestError(RuntimeError):
    """DynamoDB refused a request as malformed: a bug here, not a user or store problem."""


def _is_json(response: Any) -> bool:
    """Whether an answer came as JSON (a missing content type is given the benefit of doubt)."""
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    content_type = str(headers.get("content-type", "json"))
    return "json" in content_type.lower()


def _described(response: Any) -> str:
    metadata = response.get("ResponseMetadata", {})
    content_type = metadata.get("HTTPHeaders", {}).get("content-type", "no content type")
    return f"HTTP {metadata.get('HTTPStatusCode', '?')} {content_type}"


def _translate(exc: ClientError, operation: str, table: str) -> Exception:
    error = exc.response.get("Error", {})
    code = error.get("Code", "")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if not _is_json(exc.response) or status >= 500:
        # Not an error DynamoDB explained: an intermediary's page, or a server fault that
        # outlasted botocore's retries.
        return StoreUnavailableError(
            f"DynamoDB {operation} failed: {_described(exc.response)} ({code})"
        )
    if code == "ConditionalCheckFailedException":
        return ConditionFailed(operation)
    if code == "TransactionCanceledException":
        reasons = exc.response.get("CancellationReasons") or []
        return TransactionCanceled([r.get("Code", "None") for r in reasons])
    if code == "ResourceNotFoundException":
        return StoreUnavailableError(f"table {table!r} not found: run `dgs store init`")
    if code in _UNAVAILABLE:
        return StoreUnavailableError(f"DynamoDB {operation} failed: {code}")
    return DynamoRequestError(f"DynamoDB refused {operation}: {code}")
