"""Reading and changing stored lessons: get (in any catalog version), list, patch, delete.

Each use case takes the caller's owner and passes it to every repository call: another
owner's lesson is not found, exactly as a missing one.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from application.errors import InvalidRequestError, PreconditionFailedError, VersionConflictError
from application.ports.clock import Clock
from application.ports.lessons import LessonRepository
from application.records import LessonChanges, LessonQuery, LessonRecord, Page
from domain.conversion.versions import convert_lesson
from domain.validation.result import Issue
from domain.values.catalog_version import catalog_version
from domain.values.lines import MAX_TAGS, TAG, TITLE


@dataclass(frozen=True, slots=True)
class LessonView:
    """A stored lesson in the asked catalog version, with what the conversion changed."""

    record: LessonRecord
    lesson: dict[str, Any]  # full form
    conversion_warnings: tuple[Issue, ...]


def view_of(record: LessonRecord) -> LessonView:
    """A stored lesson as it is, in its own catalog version."""
    return LessonView(record, json.loads(record.lesson_json), ())


class GetLesson:
    """One lesson, converted to another catalog version on request."""

    def __init__(self, lessons: LessonRepository) -> None:
        self._lessons = lessons

    async def __call__(
        self, owner: str, lesson_id: str, schema_version: str | None = None
    ) -> LessonView:
        """The owner's lesson; ``schema_version`` converts it (warnings say what changed)."""
        if schema_version is not None:
            try:
                catalog_version(schema_version)
            except ValueError as exc:
                raise InvalidRequestError(str(exc)) from None
        record = await self._lessons.get(owner, lesson_id)
        view = view_of(record)
        if schema_version is None or schema_version == record.schema_version:
            return view
        converted = convert_lesson(view.lesson, schema_version)
        return LessonView(record, converted.lesson, converted.warnings)


class ListLessons:
    """Summaries, newest first."""

    def __init__(self, lessons: LessonRepository) -> None:
        self._lessons = lessons

    async def __call__(self, owner: str, query: LessonQuery) -> Page:
        """One page of the owner's lessons."""
        return await self._lessons.list_summaries(owner, query)


@dataclass(frozen=True, slots=True)
class LessonPatch:
    """Tags to add and remove, and a new title; all optional."""

    tags_add: tuple[str, ...] = ()
    tags_remove: tuple[str, ...] = ()
    title: str | None = None


def clean_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    """Tags trimmed and de-duplicated (first spelling kept), each a ``TAG``."""
    cleaned: list[str] = []
    for raw in tags:
        try:
            tag = TAG.clean(raw)
        except ValueError as exc:
            raise InvalidRequestError(f"{exc}: {raw!r}") from None
        if tag not in cleaned:
            cleaned.append(tag)
    return tuple(cleaned)


def clean_title(title: str | None) -> str | None:
    """The new title trimmed, a ``TITLE`` (it becomes the document's title too)."""
    if title is None:
        return None
    try:
        return TITLE.clean(title)
    except ValueError as exc:
        raise InvalidRequestError(str(exc)) from None


class PatchLesson:
    """Retag and rename with optimistic concurrency; the title changes the document too.

    With a precondition (If-Match) a lesson at another version fails it
    (``PreconditionFailedError``), whenever it changed. Without one,
    the patch is re-applied to the latest version until it lands, so concurrent tag
    changes commute: each lost race means another patch landed, so with fewer than
    ``MAX_ATTEMPTS`` patches at once every one lands.
    """

    MAX_ATTEMPTS = 32
    BACKOFF = 0.005  # seconds per attempt, randomised, so that racers spread out

    def __init__(self, lessons: LessonRepository) -> None:
        self._lessons = lessons

    async def __call__(
        self, owner: str, lesson_id: str, patch: LessonPatch, expected_version: int | None
    ) -> LessonRecord:
        """Apply the patch to the owner's lesson at ``expected_version`` (current if None)."""
        adding, removing = clean_tags(patch.tags_add), set(clean_tags(patch.tags_remove))
        title = clean_title(patch.title)
        attempts = 1 if expected_version is not None else self.MAX_ATTEMPTS
        for attempt in range(1, attempts + 1):
            current = await self._lessons.get(owner, lesson_id)
            if expected_version is not None and expected_version != current.version:
                raise PreconditionFailedError(f"the lesson is at version {current.version}")
            changes = _changes(current, adding, removing, title)
            try:
                return await self._lessons.update(owner, lesson_id, current.version, changes)
            except VersionConflictError as exc:
                if expected_version is not None:  # changed since it was read: not as expected
                    raise PreconditionFailedError(
                        f"the lesson is at version {exc.current}"
                    ) from exc
                if attempt == attempts:
                    raise
            await asyncio.sleep(random.uniform(0, self.BACKOFF * attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")


class DeleteLesson:
    """Delete a lesson: gone from reads and lists at once, purged after the retention."""

    def __init__(self, lessons: LessonRepository, clock: Clock, retention: timedelta) -> None:
        self._lessons = lessons
        self._clock = clock
        self._retention = retention

    async def __call__(self, owner: str, lesson_id: str, expected_version: int | None) -> None:
        """Mark the owner's lesson deleted (at ``expected_version``, if given).

        ``PreconditionFailedError`` when the lesson is no longer at ``expected_version``.
        """
        purge_after = self._clock.now() + self._retention
        try:
            await self._lessons.delete(owner, lesson_id, expected_version, purge_after)
        except VersionConflictError as exc:
            raise PreconditionFailedError(f"the lesson is at version {exc.current}") from exc


def _changes(
    current: LessonRecord, adding: tuple[str, ...], removing: set[str], title: str | None
) -> LessonChanges:
    """The patch applied to ``current``: its tags, and its document when the title changes."""
    tags = tuple(t for t in current.tags if t not in removing)
    tags += tuple(t for t in adding if t not in tags and t not in removing)
    if len(tags) > MAX_TAGS:
        raise InvalidRequestError(f"a lesson has at most {MAX_TAGS} tags")
    lesson_json = None
    if title is not None:
        document = json.loads(current.lesson_json)
        document["title"] = title
        lesson_json = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return LessonChanges(title=title, tags=tags, lesson_json=lesson_json)
