"""The job ports: where job records live, and how jobs reach a worker.

``JobStore`` keeps the records; ``application.ports.job_queue.JobQueue`` hands job ids
on (an in-process queue locally, SQS on AWS).

A store keeps each job as one record with a ``version``; every change is a conditional
write on that version (``application.jobs.transitions`` decides what the change is), so
claims happen exactly once and a cancel racing a finish has one winner.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol, runtime_checkable

from application.jobs.records import (
    JobPage,
    JobPosition,
    JobProblem,
    JobProgress,
    JobRecord,
    JobStatus,
)


@runtime_checkable
class JobStore(Protocol):
    """Durable job records, each owned; another owner's job is not found."""

    async def create(self, job: JobRecord) -> tuple[JobRecord, bool]:
        """Store a new job; True if created.

        With an ``idempotency_key``, the job already made under the same key and owner
        (not expired) is returned instead, with False.
        """
        ...

    async def find(self, owner: str, idempotency_key: str) -> JobRecord | None:
        """The live job the owner made with this idempotency key, if any."""
        ...

    async def get(self, owner: str, job_id: str) -> JobRecord:
        """The owner's job (``NotFoundError`` if absent, expired or another's)."""
        ...

    async def load(self, job_id: str) -> JobRecord | None:
        """Any job by id, for the workers (no owner: they act for the system)."""
        ...

    async def list(
        self,
        owner: str,
        status: JobStatus | None = None,
        limit: int = 20,
        after: JobPosition | None = None,
    ) -> JobPage:
        """The owner's jobs, newest first, one page at a time (a query, never a scan)."""
        ...

    async def claim(self, job_id: str, worker: str, lease: timedelta) -> JobRecord | None:
        """Take the job to run (exactly one claimant wins); None if it is not free."""
        ...

    async def heartbeat(self, job_id: str, worker: str, lease: timedelta) -> JobRecord:
        """Extend the lease; ``LeaseLostError`` if the worker lost it."""
        ...

    async def progress(self, job_id: str, worker: str, report: JobProgress) -> JobRecord:
        """Record a step's progress; ``CancelRequestedError`` if asked to cancel."""
        ...

    async def finish(
        self,
        job_id: str,
        worker: str,
        *,
        lesson_id: str | None = None,
        problem: JobProblem | None = None,
        canceled: bool = False,
    ) -> JobRecord:
        """End the job: done, failed or canceled (``LeaseLostError`` if not held)."""
        ...

    async def cancel(self, owner: str, job_id: str) -> JobRecord:
        """Cancel the owner's job (``JobFinishedError`` if it ended; ``NotFoundError``)."""
        ...

    async def due(self, limit: int = 50) -> tuple[JobRecord, ...]:
        """Active jobs past their ``lease_until`` (read through an index, never a scan).

        Queued ones are to be enqueued again; running ones lost their worker.
        """
        ...

    async def requeue(self, job_id: str, grace: timedelta) -> JobRecord | None:
        """Note that a queued job was enqueued again (None if it is no longer queued)."""
        ...

    async def fail_lost(self, job_id: str, problem: JobProblem) -> JobRecord | None:
        """End a job whose worker is gone (None if it already ended)."""
        ...

    async def erase(self, owner: str, job_id: str) -> bool:
        """Delete the owner's job record now (its user's data is erased); False if absent.

        A worker still running it loses its next write and stops; nothing is stored for it.
        """
        ...


@runtime_checkable
class JobEvents(Protocol):
    """Told when a job ends, for logs and metrics (must not raise)."""

    def job_finished(self, job: JobRecord) -> None:
        """The job's final record (done, failed or canceled)."""
        ...


class NoJobEvents:
    """Tells nobody."""

    def job_finished(self, job: JobRecord) -> None:
        """Nothing."""
        return
