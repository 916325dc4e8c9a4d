"""The caller's own account: what DGS holds for it, exported or erased (issue 14).

``DescribeAccount`` is ``GET /v1/me`` beyond the token's claims: the caller's lessons,
its generations this month against its quota, and its rate limits now. ``ExportAccount``
pages through everything held for the caller (``GET /v1/me/export``); ``EraseAccount``
removes all of it (``DELETE /v1/me``) a batch at a time, so a retry after a failure
resumes where the last one stopped, and a repeat finds nothing left to do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar

from application.cursor import CursorCodec, Position
from application.errors import InvalidCursorError, NotFoundError
from application.jobs.records import JobRecord
from application.ports.account import After, DeletedLesson, DeletedLessons, KeptRepair, OwnedRepairs
from application.ports.idempotency import IdempotencyStore
from application.ports.jobs import JobStore
from application.ports.lessons import LessonRepository
from application.records import DEFAULT_LIMIT, MAX_LIMIT, LessonQuery, LessonRecord
from application.use_cases.rate_limits import GenerationQuotas, MonthlyQuota, MonthlyUsage, Quotas

ERASE_BATCH = 100  # lessons (or jobs) per round of an erasure
# A repair record may be about 1 MB once unzipped (128 KiB compressed): a page of them
# stays a few MB, as a page of 20 lessons (256 KiB at most each) does.
REPAIRS_PER_PAGE = 5
# The export's parts after the lessons, in order. Their cursors are "~{part}~{sealed}":
# "~" is in no listing cursor (base64url and "."), so the lessons' own cursor passes on.
Part = Literal["deleted", "repairs"]
_MARK = "~"
Held = TypeVar("Held", DeletedLesson, KeptRepair)


@dataclass(frozen=True, slots=True)
class Account:
    """The caller's holdings and limits."""

    lessons: int  # lessons held (deleted ones not counted)
    usage: MonthlyUsage
    limits: Quotas  # the rate limits a generation would meet now


@dataclass(frozen=True, slots=True)
class ExportPage:
    """One page of an export: whole lessons, the usage, and the next page's cursor.

    ``deleted`` and ``repairs`` follow the lessons on later pages (see ``ExportAccount``).
    """

    lessons: tuple[LessonRecord, ...]
    usage: MonthlyUsage
    next_cursor: str | None
    jobs: tuple[JobRecord, ...] = ()  # on the first page: every job kept (7 days at most)
    deleted: tuple[DeletedLesson, ...] = ()  # deleted, not purged yet (status "deleted")
    repairs: tuple[KeptRepair, ...] = ()  # the repair records of the caller's generations


class DescribeAccount:
    """``GET /v1/me``: counts and limits of the caller, spending nothing."""

    def __init__(
        self, lessons: LessonRepository, monthly: MonthlyQuota, quotas: GenerationQuotas
    ) -> None:
        self._lessons = lessons
        self._monthly = monthly
        self._quotas = quotas

    async def __call__(self, owner: str, client: str) -> Account:
        """The owner's account, with the limits of ``client`` (its rate-limit identity)."""
        count, usage, limits = await asyncio.gather(
            self._lessons.count(owner), self._monthly.usage(owner), self._quotas.peek(client)
        )
        return Account(count, usage, limits)


class ExportAccount:
    """``GET /v1/me/export``: everything held for the caller, a page at a time.

    The pages go through the caller's lessons (newest first, whole), then its deleted
    lessons still within their retention, then the repair records of its generations
    (each newest first); ``next_cursor`` carries on from one part to the next, so a
    client following it to ``None`` has everything. A page holds at most ``limit`` items
    in all, at most ``REPAIRS_PER_PAGE`` of them repair records; the first page also
    holds every job. Each part's cursor is bound to the caller (``foreign_cursor``).
    """

    def __init__(
        self,
        lessons: LessonRepository,
        monthly: MonthlyQuota,
        jobs: JobStore | None = None,
        *,
        deleted: DeletedLessons,
        repairs: OwnedRepairs,
        cursors: CursorCodec,
    ) -> None:
        self._lessons = lessons
        self._monthly = monthly
        self._jobs = jobs
        self._deleted = deleted
        self._repairs = repairs
        self._cursors = cursors

    async def __call__(
        self, owner: str, cursor: str | None, limit: int = DEFAULT_LIMIT
    ) -> ExportPage:
        """One page; follow ``next_cursor`` for the rest."""
        part, after = self._open(owner, cursor)
        usage = await self._monthly.usage(owner)
        jobs = await self._all_jobs(owner) if cursor is None else ()
        lessons: tuple[LessonRecord, ...] = ()
        room = limit
        if part is None:  # the lessons
            page = await self._lessons.list_summaries(
                owner, LessonQuery(limit=limit, cursor=cursor)
            )
            records = await asyncio.gather(*(self._get(owner, s.lesson_id) for s in page.items))
            lessons = tuple(record for record in records if record is not None)
            if page.next_cursor is not None:
                return ExportPage(lessons, usage, page.next_cursor, jobs)
            part, room = "deleted", limit - len(page.items)
        deleted: tuple[DeletedLesson, ...] = ()
        if part == "deleted":
            deleted, rest = await self._take(self._deleted.deleted, owner, "deleted", room, after)
            if rest is not None:
                return ExportPage(lessons, usage, rest, jobs, deleted)
            room, after = room - len(deleted), None
        repairs, rest = await self._take(
            self._repairs.kept, owner, "repairs", min(room, REPAIRS_PER_PAGE), after
        )
        return ExportPage(lessons, usage, rest, jobs, deleted, repairs)

    async def _take(
        self,
        read: Callable[[str, int, After | None], Awaitable[tuple[Held, ...]]],
        owner: str,
        part: Part,
        room: int,
        after: After | None,
    ) -> tuple[tuple[Held, ...], str | None]:
        """Up to ``room`` items of a part from after ``after``; the cursor of the rest."""
        if room <= 0:  # the page is full: the part starts on the next one
            return (), self._seal(owner, part, None)
        items = await read(owner, room + 1, after)
        if len(items) <= room:
            return items, None
        return items[:room], self._seal(owner, part, _position(items[room - 1]))

    def _seal(self, owner: str, part: Part, after: After | None) -> str:
        """The cursor resuming ``part`` after ``after`` (at its start when ``None``)."""
        position = Position("", "") if after is None else Position(after[0].isoformat(), after[1])
        return f"{_MARK}{part}{_MARK}{self._cursors.seal(position, {'export': part}, owner)}"

    def _open(self, owner: str, cursor: str | None) -> tuple[Part | None, After | None]:
        """The part a cursor continues (``None``: the lessons) and where in it."""
        if cursor is None or not cursor.startswith(_MARK):
            return None, None
        name, _, sealed = cursor[len(_MARK) :].partition(_MARK)
        part: Part
        if name == "deleted":
            part = "deleted"
        elif name == "repairs":
            part = "repairs"
        else:
            raise InvalidCursorError("malformed cursor")
        position = self._cursors.open(sealed, {"export": part}, owner)
        if not position.lesson_id:
            return part, None
        try:
            return part, (datetime.fromisoformat(position.created_at), position.lesson_id)
        except ValueError:
            raise InvalidCursorError("malformed cursor") from None

    async def _all_jobs(self, owner: str) -> tuple[JobRecord, ...]:
        """The owner's jobs, newest first (they expire after a week: a bounded list)."""
        if self._jobs is None:
            return ()
        jobs: list[JobRecord] = []
        page = await self._jobs.list(owner, limit=MAX_LIMIT)
        jobs += page.items
        while page.next is not None:
            page = await self._jobs.list(owner, limit=MAX_LIMIT, after=page.next)
            jobs += page.items
        return tuple(jobs)

    async def _get(self, owner: str, lesson_id: str) -> LessonRecord | None:
        try:
            return await self._lessons.get(owner, lesson_id)
        except NotFoundError:  # deleted between the listing and the read
            return None


class EraseAccount:
    """``DELETE /v1/me``: the caller's lessons (deleted or not), jobs, keys, repairs, counters."""

    def __init__(
        self,
        lessons: LessonRepository,
        idempotency: IdempotencyStore,
        monthly: MonthlyQuota,
        quotas: GenerationQuotas,
        jobs: JobStore | None = None,
        *,
        repairs: OwnedRepairs,
    ) -> None:
        self._lessons = lessons
        self._idempotency = idempotency
        self._monthly = monthly
        self._quotas = quotas
        self._jobs = jobs
        self._repairs = repairs

    async def __call__(self, owner: str, client: str) -> int:
        """Erase it all, a batch at a time; how many lessons were erased."""
        erased = 0
        while batch := await self._lessons.owned(owner, ERASE_BATCH):
            await asyncio.gather(*(self._lessons.erase(owner, i) for i in batch))
            erased += len(batch)
        if self._jobs is not None:
            while jobs := (await self._jobs.list(owner, limit=ERASE_BATCH)).items:
                erased_jobs = await asyncio.gather(
                    *(self._jobs.erase(owner, j.job_id) for j in jobs)
                )
                if not any(erased_jobs):  # each went meanwhile (TTL): nothing left to do
                    break
        await asyncio.gather(
            self._idempotency.forget(owner),  # stored responses hold lessons too
            self._repairs.forget(owner),  # the model's output on the caller's topics
            self._monthly.forget(owner),
            self._quotas.forget(client),
        )
        return erased


def _position(item: DeletedLesson | KeptRepair) -> After:
    """Where a part's page stopped: the created_at and id of its last item."""
    if isinstance(item, DeletedLesson):
        return item.record.created_at, item.record.lesson_id
    return item.created_at, item.repair_id
