"""The lesson repository port."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from application.records import LessonChanges, LessonQuery, LessonRecord, Page


@runtime_checkable
class LessonRepository(Protocol):
    """Stored lessons: save, get, list summaries, update with optimistic concurrency."""

    async def save(self, record: LessonRecord) -> None:
        """Store a new lesson (its id must be new). Raises ``LessonTooLargeError``."""
        ...

    async def get(self, lesson_id: str) -> LessonRecord:
        """The lesson with this id. Raises ``NotFoundError``."""
        ...

    async def list_summaries(self, query: LessonQuery) -> Page:
        """Summaries newest first, filtered; never reads lesson bodies.

        Raises ``InvalidCursorError`` for a cursor not made by this store for this query.
        """
        ...

    async def update(
        self, lesson_id: str, expected_version: int, changes: LessonChanges
    ) -> LessonRecord:
        """Apply changes if the lesson is still at ``expected_version``; bump the version.

        Raises ``NotFoundError``, or ``VersionConflictError`` (nothing changed).
        """
        ...

    async def ping(self) -> None:
        """Check the store answers. Raises ``StoreUnavailableError``."""
        ...
