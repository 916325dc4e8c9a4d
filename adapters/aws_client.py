"""Opening one long-lived aioboto3 client, the same way for every AWS service DGS uses.

botocore's ``standard`` retry mode retries throttling and transient faults itself; the
timeouts bound each attempt. aioboto3 is imported here, on first use only, so processes
that never reach AWS do not pay for it.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any, Literal

from aiobotocore.config import AioConfig


async def open_aws_client(
    service: Literal["dynamodb", "sqs"],
    *,
    region: str,
    endpoint_url: str | None,
    max_attempts: int,
    connect_timeout: float,
    read_timeout: float,
) -> tuple[Any, AsyncExitStack]:
    """A client of ``service`` and the stack that closes it."""
    import aioboto3  # heavy: only the paths that reach AWS pay for it

    config = AioConfig(
        # total_max_attempts counts the first try too (max_attempts would not)
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )
    stack = AsyncExitStack()
    client = await stack.enter_async_context(
        aioboto3.Session().client(
            service, region_name=region, endpoint_url=endpoint_url, config=config
        )
    )
    return client, stack
