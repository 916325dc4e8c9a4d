"""The cache port: values with a time to live."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Cache(Protocol):
    """A key-value cache; an expired entry reads as absent (expiry checked in code)."""

    async def get(self, key: str) -> str | None:
        """The value, or None when absent or expired."""
        ...

    async def put(self, key: str, value: str, ttl: timedelta) -> None:
        """Store a value for ``ttl``."""
        ...
