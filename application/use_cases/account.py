"""The caller's own account: what DGS holds for it, exported or erased (issue 14).

``DescribeAccount`` is ``GET /v1/me`` beyond the token's claims: the caller's lessons,
its generations this month against its quota, and its rate limits now. ``ExportAccount``
pages through everything held for the caller (``GET /v1/me/export``); ``EraseAccount``
removes all of it (``DELETE /v1/me``) a batch at a time, so a retry after a failure
resumes where the last one stopped, and a repeat finds nothing left to do.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from application.errors import NotFoundError
from application.jobs.records import JobRecord
from application.ports.idempotency import IdempotencyStore
from application.ports.jobs import JobStore
from application.ports.lessons import LessonRepository
from application.records import DEFAULT_LIMIT, MAX_LIMIT, LessonQuery, LessonRecord
from application.use_cases.rate_limits import GenerationQuotas, MonthlyQuota, MonthlyUsage, Quotas

ERASE_BATCH = 100  # lessons (or jobs) per round of an erasure


@dataclass(frozen=True, slots=True)
class Account:
    """The caller's holdings and limits."""

    lessons: int  # lessons held (deleted ones not counted)
    usage: MonthlyUsage
    limits: Quotas  # the rate limits a generation would meet now


@dataclass(frozen=True, slots=True)
class ExportPage:
    """One page of an export: whole lessons, the usage, and the next page's cursor."""

    lessons: tuple[LessonRecord, ...]
    usage: MonthlyUsage
    next_cursor: str | None
    jobs: tuple[JobRecord, ...] = ()  # on the first page: every job kept (7 days at most)


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
    """``GET /v1/me/export``: the caller's lessons, whole, a page at a time, and its usage."""

    def __init__(
        self, lessons: LessonRepository, monthly: MonthlyQuota, jobs: JobStore | None = None
    ) -> None:
        self._lessons = lessons
        self._monthly = monthly
        self._jobs = jobs

    async def __call__(
        self, owner: str, cursor: str | None, limit: int = DEFAULT_LIMIT
    ) -> ExportPage:
        """One page (newest first); follow ``next_cursor`` for the rest."""
        page = await self._lessons.list_summaries(owner, LessonQuery(limit=limit, cursor=cursor))
        records = await asyncio.gather(*(self._get(owner, s.lesson_id) for s in page.items))
        usage = await self._monthly.usage(owner)
        kept = tuple(record for record in records if record is not None)
        jobs = await self._all_jobs(owner) if cursor is None else ()
        return ExportPage(kept, usage, page.next_cursor, jobs)

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
    """``DELETE /v1/me``: the caller's lessons (deleted or not), keys and counters."""

    def __init__(
        self,
        lessons: LessonRepository,
        idempotency: IdempotencyStore,
        monthly: MonthlyQuota,
        quotas: GenerationQuotas,
        jobs: JobStore | None = None,
    ) -> None:
        self._lessons = lessons
        self._idempotency = idempotency
        self._monthly = monthly
        self._quotas = quotas
        self._jobs = jobs

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
            self._monthly.forget(owner),
            self._quotas.forget(client),
        )
        return erased
