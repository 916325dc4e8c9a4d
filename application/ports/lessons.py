"""The lesson repository port.

Every call names the owner (``application.principal``): a lesson of another owner is
not found, exactly as a missing one, so no caller can reach past its own partition.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from application.records import LessonChanges, LessonQuery, LessonRecord, Page


@runtime_checkable
class LessonRepository(Protocol):
    """Stored lessons: save, get, list summaries, update with optimistic concurrency."""

    async def save(self, record: LessonRecord) -> None:
        """Store a new lesson of ``record.owner`` (its id must be new).

        Raises ``LessonTooLargeError`` or ``AlreadyExistsError``.
        """
        ...

    async def get(self, owner: str, lesson_id: str) -> LessonRecord:
        """The owner's lesson with this id. Raises ``NotFoundError`` (also for a deleted one)."""
        ...

    async def list_summaries(self, owner: str, query: LessonQuery) -> Page:
        """The owner's summaries newest first, filtered; never reads lesson bodies.

        Raises ``InvalidCursorError`` for a cursor not made by this store for this query
        and owner.
        """
        ...

    async def update(
        self, owner: str, lesson_id: str, expected_version: int, changes: LessonChanges
    ) -> LessonRecord:
        """Apply changes if the lesson is still at ``expected_version``; bump the version.

        Raises ``NotFoundError``, or ``VersionConflictError`` (nothing changed).
        """
        ...

    async def delete(
        self, owner: str, lesson_id: str, expected_version: int | None, purge_after: datetime
    ) -> None:
        """Mark the lesson ``deleted``: gone from reads and lists at once.

        It is purged with its body from ``purge_after`` on. ``expected_version`` None
        means any version.

        Raises ``NotFoundError``, or ``VersionConflictError`` (nothing changed).
        """
        ...

    async def erase(self, owner: str, lesson_id: str) -> None:
        """Remove the lesson and its body now, whatever its status (nothing if absent)."""
        ...

    async def owned(self, owner: str, limit: int) -> tuple[str, ...]:
        """Ids of up to ``limit`` of the owner's lessons, whatever their status.

        To erase or hand over all of them, a batch at a time.
        """
        ...

    async def reassign(self, lesson_id: str, from_owner: str, to_owner: str) -> bool:
        """Hand one lesson (any status) of ``from_owner`` to ``to_owner``, atomically.

        False when it is not ``from_owner``'s (moved already, or never was): reruns are
        harmless.
        """
        ...

    async def count(self, owner: str) -> int:
        """How many lessons the owner has (deleted ones not counted)."""
        ...

    async def ping(self) -> None:
        """Check the store answers. Raises ``StoreUnavailableError``."""
        ...
