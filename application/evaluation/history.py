"""Past runs for estimates: the newest stored lessons' usage, read through the repository.

A bounded sample (one listing query and at most ``limit`` reads), kept for ``ttl``
seconds, so that estimates learn from what the configured models really wrote without
reading the store on every request. Lessons served from the cache carry no usage and are
left out.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence

from application.errors import NotFoundError
from application.ports.estimation import PastGeneration
from application.ports.lessons import LessonRepository
from application.principal import DEV_TENANT
from application.records import LessonQuery, LessonRecord

DEFAULT_SAMPLE = 20
DEFAULT_TTL_SECONDS = 60.0


class RecentGenerations:
    """``UsageHistory`` over a ``LessonRepository``."""

    def __init__(
        self,
        lessons: LessonRepository,
        *,
        limit: int = DEFAULT_SAMPLE,
        ttl: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        owner: str = DEV_TENANT,
    ) -> None:
        self._lessons = lessons
        self._owner = owner  # whose lessons are sampled: the local tenant's
        self._limit = limit
        self._ttl = ttl
        self._monotonic = monotonic
        self._kept: tuple[float, tuple[PastGeneration, ...]] | None = None

    async def recent(self) -> Sequence[PastGeneration]:
        """The newest generations' usage (cached for ``ttl`` seconds)."""
        now = self._monotonic()
        if self._kept is not None and now - self._kept[0] < self._ttl:
            return self._kept[1]
        page = await self._lessons.list_summaries(self._owner, LessonQuery(limit=self._limit))
        records = await asyncio.gather(*(self._get(item.lesson_id) for item in page.items))
        past = tuple(
            PastGeneration(record.meta.usage, _sections(record), record.meta.repaired)
            for record in records
            if record is not None and record.meta.usage
        )
        self._kept = (now, past)
        return past

    async def _get(self, lesson_id: str) -> LessonRecord | None:
        try:
            return await self._lessons.get(self._owner, lesson_id)
        except NotFoundError:  # removed between the listing and the read
            return None


def _sections(record: LessonRecord) -> int:
    """Top-level sections of the stored lesson (what the length setting asks for)."""
    blocks = json.loads(record.lesson_json).get("blocks", [])
    return sum(1 for block in blocks if isinstance(block, dict) and "section" in block)
