"""The idempotency store port: one generation per key, replayable for 24 hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from application.records import LessonRecord

RECORD_TTL = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class IdempotencyScope:
    """A key is only meaningful within its owner (``tenant``: the owner id) and route."""

    tenant: str
    route: str
    key: str


@dataclass(frozen=True, slots=True)
class Claimed:
    """The caller owns the key now and must complete or release it."""

    owner: str


@dataclass(frozen=True, slots=True)
class InProgress:
    """Another attempt owns the key; try again after ``retry_after``."""

    retry_after: timedelta


@dataclass(frozen=True, slots=True)
class Completed:
    """The key was completed: replay ``response`` (the same request fingerprint)."""

    lesson_id: str
    response: str


@dataclass(frozen=True, slots=True)
class FingerprintMismatch:
    """The key was used for a different request."""


ClaimResult = Claimed | InProgress | Completed | FingerprintMismatch


@runtime_checkable
class IdempotencyStore(Protocol):
    """Claims, completions and replays of idempotency keys.

    A claim holds for ``lease``; after that another attempt may take it over with a new
    owner token, and the late attempt's ``complete`` is refused (``FencedError``).
    Records expire ``RECORD_TTL`` after they are claimed; expiry is checked in code.
    """

    async def claim(
        self, scope: IdempotencyScope, fingerprint: str, lease: timedelta
    ) -> ClaimResult:
        """Claim the key atomically, or say who has it and what it produced."""
        ...

    async def complete(
        self, scope: IdempotencyScope, owner: str, lesson: LessonRecord, response: str
    ) -> None:
        """Store the lesson and mark the key completed, atomically (both or neither).

        Raises ``FencedError`` if ``owner`` no longer holds the claim.
        """
        ...

    async def release(self, scope: IdempotencyScope, owner: str) -> None:
        """Give the key up after a failure, if ``owner`` still holds it."""
        ...

    async def forget(self, tenant: str) -> None:
        """Drop every record of the tenant (an owner whose data is erased)."""
        ...


def expires_at(claimed_at: datetime) -> datetime:
    """When a record claimed at ``claimed_at`` stops counting."""
    return claimed_at + RECORD_TTL
