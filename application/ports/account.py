"""What an owner's account needs of the stores beyond its lessons (issue 14).

``GET /v1/me/export`` reads the owner's deleted lessons still within their retention
(``DeletedLessons``) and its repair records (``OwnedRepairs``); ``DELETE /v1/me`` erases
the repair records; ``dgs store assign-owner`` hands each kind of record the single
tenant holds to a user (``Handover``). Pages go newest first and resume after the
(created_at, id) of the last item read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from application.records import LessonRecord

After = tuple[datetime, str]  # where a page stopped: the created_at and id of its last item


@dataclass(frozen=True, slots=True)
class DeletedLesson:
    """A lesson its owner deleted, kept (status ``deleted``) until ``purge_after``."""

    record: LessonRecord
    purge_after: datetime


@dataclass(frozen=True, slots=True)
class KeptRepair:
    """One of an owner's repair records, as kept.

    ``document`` is the stored JSON document: the material, the invalid output, its
    errors, the repaired output and the request's constraints (a part cut to fit the size
    cap is marked ``"truncated"``; a record that cannot be read is ``{"unreadable": true}``).
    """

    repair_id: str
    created_at: datetime
    outcome: str  # "valid" | "invalid"
    document: dict[str, Any]


@runtime_checkable
class DeletedLessons(Protocol):
    """An owner's deleted lessons not purged yet."""

    async def deleted(
        self, owner: str, limit: int, after: After | None = None
    ) -> tuple[DeletedLesson, ...]:
        """Up to ``limit`` of them whose retention has not ended, newest first, after ``after``."""
        ...


@runtime_checkable
class OwnedRepairs(Protocol):
    """An owner's repair records: read back and erased with the rest of its data."""

    async def kept(
        self, owner: str, limit: int, after: After | None = None
    ) -> tuple[KeptRepair, ...]:
        """Up to ``limit`` of the owner's unexpired records, newest first, after ``after``."""
        ...

    async def forget(self, owner: str) -> int:
        """Erase every record of the owner now; how many (0 when none are left)."""
        ...


@runtime_checkable
class Handover(Protocol):
    """One kind of record an owner holds, handed to another owner.

    Each record moves atomically, so a run stopped midway is finished by another; what
    moved is no longer ``from_owner``'s, so a repeat moves nothing more.
    """

    async def count(self, owner: str) -> int:
        """How many records of this kind the owner holds."""
        ...

    async def hand_over(self, from_owner: str, to_owner: str) -> int:
        """Move every record of ``from_owner`` that may move now to ``to_owner``; how many.

        A record in use (an idempotency key a generation holds right now) waits for a
        later run; where ``to_owner`` already holds the same idempotency key, that record
        stays the user's and the tenant's gives way (dropped, or a job moved without it).
        """
        ...
