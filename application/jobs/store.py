"""The job store's behaviour over three primitives a storage adapter provides.

An adapter reads a record, inserts a new one, and swaps a record for its next version
only if the stored version is still the one read. Everything else (claims, progress,
cancel, recovery) is ``application.jobs.transitions`` applied here, the same way for
every store: the contract suite holds each adapter to it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime, timedelta

from application.errors import NotFoundError, StoreUnavailableError
from application.jobs import transitions
from application.jobs.records import JobProblem, JobProgress, JobRecord
from application.ports.clock import Clock

# Each failed swap means another writer succeeded: twenty racing writers need at most
# twenty rounds, so this bound is only reached by a store that keeps failing.
MAX_SWAPS = 64


class VersionedJobStore(ABC):
    """``JobStore`` on a record store with conditional (versioned) writes."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    @abstractmethod
    async def _read(self, job_id: str) -> JobRecord | None:
        """The stored record (expired ones included)."""

    @abstractmethod
    async def _swap(self, old_version: int, job: JobRecord) -> bool:
        """Write ``job`` if the stored one is still at ``old_version``."""

    async def load(self, job_id: str) -> JobRecord | None:
        """Any live job by id."""
        job = await self._read(job_id)
        return None if job is None or self._expired(job) else job

    async def get(self, owner: str, job_id: str) -> JobRecord:
        """The owner's job; another's reads as not found."""
        job = await self.load(job_id)
        if job is None or job.owner != owner:
            raise NotFoundError(f"no job {job_id}")
        return job

    async def claim(self, job_id: str, worker: str, lease: timedelta) -> JobRecord | None:
        """Queued (or lease expired) -> running, held by ``worker``."""
        return await self._change(
            job_id, lambda job, now: transitions.claimed(job, worker, now, lease)
        )

    async def heartbeat(self, job_id: str, worker: str, lease: timedelta) -> JobRecord:
        """The lease extended."""
        return await self._must(
            job_id, lambda job, now: transitions.heartbeat(job, worker, now, lease)
        )

    async def progress(self, job_id: str, worker: str, report: JobProgress) -> JobRecord:
        """A step's progress recorded."""
        return await self._must(
            job_id, lambda job, now: transitions.progressed(job, worker, now, report)
        )

    async def finish(
        self,
        job_id: str,
        worker: str,
        *,
        lesson_id: str | None = None,
        problem: JobProblem | None = None,
        canceled: bool = False,
    ) -> JobRecord:
        """The job ended."""
        return await self._must(
            job_id,
            lambda job, now: transitions.finished(
                job, worker, now, lesson_id=lesson_id, problem=problem, canceled=canceled
            ),
        )

    async def cancel(self, owner: str, job_id: str) -> JobRecord:
        """Cancel the owner's job."""
        await self.get(owner, job_id)  # another owner's job is not found
        return await self._must(job_id, transitions.canceled)

    async def requeue(self, job_id: str, grace: timedelta) -> JobRecord | None:
        """A queued job enqueued again."""
        return await self._change(
            job_id,
            lambda job, now: (
                transitions.requeued(job, now, grace) if job.status == "queued" else None
            ),
        )

    async def fail_lost(self, job_id: str, problem: JobProblem) -> JobRecord | None:
        """A job whose worker is gone, ended."""
        return await self._change(
            job_id, lambda job, now: transitions.failed_unheld(job, now, problem)
        )

    async def _must(
        self, job_id: str, change: Callable[[JobRecord, datetime], JobRecord]
    ) -> JobRecord:
        changed = await self._change(job_id, change)
        assert changed is not None
        return changed

    async def _change(
        self, job_id: str, change: Callable[[JobRecord, datetime], JobRecord | None]
    ) -> JobRecord | None:
        """Apply ``change`` to the current record until a conditional write takes it."""
        for _ in range(MAX_SWAPS):
            job = await self.load(job_id)
            if job is None:
                raise NotFoundError(f"no job {job_id}")
            changed = change(job, self._clock.now())
            if changed is None:
                return None
            if await self._swap(job.version, changed):
                return changed
        raise StoreUnavailableError(f"job {job_id}: too many concurrent writers")

    def _expired(self, job: JobRecord) -> bool:
        return job.expires_at <= self._clock.now()
