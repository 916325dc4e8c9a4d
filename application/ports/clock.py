"""Time and identifiers, injected so that expiry, refill and ids are tested without sleeping."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """The current time, timezone-aware UTC."""

    def now(self) -> datetime:
        """Now."""
        ...


@runtime_checkable
class IdGenerator(Protocol):
    """New unique identifiers."""

    def lesson_id(self) -> str:
        """A new lesson id (a UUID)."""
        ...

    def token(self) -> str:
        """A new unguessable token (idempotency owners)."""
        ...
