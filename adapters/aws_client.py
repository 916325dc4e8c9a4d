"""Opening one long-lived aioboto3 client, the same way for every AWS service DGS uses.

botocore's ``standard`` retry mode retries throttling and transient faults itself; the
timeouts bound each attempt. aioboto3 is imported here, on first use only, so processes
that never reach AWS do not pay for it.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any, Literal, Protocol


class ClientSettings(Protocol):
    """Where a client connects, and how patiently."""

    @property
    def region(self) -> str:
        """The AWS region."""
        ...

    @property
    def endpoint_url(self) -> str | None:
        """Another server (moto, DynamoDB Local); None for AWS's own."""
        ...

    @property
    def max_attempts(self) -> int:
        """Tries per call, the first included."""
        ...

    @property
    def connect_timeout(self) -> float:
        """Seconds to connect."""
        ...

    @property
    def read_timeout(self) -> float:
        """Seconds to wait for an answer."""
        ...


async def open_aws_client(
    service: Literal["dynamodb", "sqs"], settings: ClientSettings
) -> tuple[Any, AsyncExitStack]:
    """A client of ``service`` and the stack that closes it."""
    import aioboto3  # heavy: only the paths that reach AWS pay for it
    from aiobotocore.config import AioConfig

    config = AioConfig(
        # total_max_attempts counts the first try too (max_attempts would not)
        retries={"mode": "standard", "total_max_attempts": settings.max_attempts},
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
    )
    stack = AsyncExitStack()
    client = await stack.enter_async_context(
        aioboto3.Session().client(
            service,
            region_name=settings.region,
            endpoint_url=settings.endpoint_url,
            config=config,
        )
    )
    return client, stack
