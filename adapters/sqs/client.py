"""One SQS queue through a long-lived aioboto3 client, with vendor errors translated.

botocore's ``standard`` retry mode retries throttling and transient faults; what still
fails becomes a ``StoreUnavailableError`` (the queue is part of the job store's
machinery: a job that cannot be queued is not accepted). aioboto3 is imported on first
use only, so processes that never touch SQS do not pay for it.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from adapters.aws_client import open_aws_client
from adapters.loop_lock import LoopLock
from application.errors import StoreUnavailableError


@dataclass(frozen=True, slots=True)
class SqsSettings:
    """Which queue, and how patiently to talk to it."""

    queue_url: str
    region: str = "us-east-1"
    max_attempts: int = 4
    connect_timeout: float = 2.0
    # Above the longest long poll (ReceiveMessage WaitTimeSeconds is at most 20 s), or
    # every empty poll would end as a read timeout.
    read_timeout: float = 25.0

    @property
    def endpoint_url(self) -> str | None:
        """Where requests go: None (AWS's regional endpoint) for an AWS queue URL.

        A queue URL on another host (ElasticMQ, LocalStack, moto) names its own server.
        """
        parts = urlsplit(self.queue_url)
        host = parts.hostname or ""
        if host.endswith(".amazonaws.com"):
            return None
        return f"{parts.scheme}://{parts.netloc}"


class SqsQueue:
    """Calls on one queue through a client created on first use and kept open."""

    def __init__(self, settings: SqsSettings) -> None:
        self.settings = settings
        self.url = settings.queue_url
        self._client: Any = None
        self._stack: AsyncExitStack | None = None
        self._lock = LoopLock()

    async def call(self, operation: str, **arguments: Any) -> dict[str, Any]:
        """Call an SQS operation on this queue (``QueueUrl`` is filled in)."""
        client = self._client or await self._open()
        try:
            response: dict[str, Any] = await getattr(client, operation)(
                QueueUrl=self.url, **arguments
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            raise StoreUnavailableError(f"SQS {operation} failed: {code}") from exc
        except (BotoCoreError, ResponseParserError, OSError) as exc:  # no answer, or not SQS's
            raise StoreUnavailableError(
                f"SQS did not answer {operation} ({type(exc).__name__}: {exc})"
            ) from exc
        return response

    async def close(self) -> None:
        """Close the client (a later call opens a new one)."""
        if self._stack is not None:
            await self._stack.aclose()
        self._client = self._stack = None

    async def _open(self) -> Any:
        async with self._lock():
            if self._client is None:
                self._client, self._stack = await open_aws_client("sqs", self.settings)
        return self._client
