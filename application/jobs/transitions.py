"""The rules of a job's life, as pure functions from one record to the next.

Every store applies them the same way: read the record, compute the next one here, and
write it only if the record's ``version`` is still the one read (a conditional write).
So whatever races (twenty claims, a cancel against a finish), one write wins and the
others see the record it wrote and are decided again on it.

queued -> running (claim) -> done | failed | canceled; queued -> canceled (cancel). A
running job asked to cancel keeps running until its next step boundary; once it entered
its store phase it can no longer be canceled (the lesson is being stored).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from application.errors import ApplicationError
from application.jobs.records import JobProblem, JobProgress, JobRecord, bounded_logs


class JobFinishedError(ApplicationError):
    """The job has ended (or is storing its lesson): it can no longer be canceled."""

    code = "job_finished"


class LeaseLostError(ApplicationError):
    """The worker no longer holds the job (its lease expired and another took it)."""

    code = "job_lease_lost"


class CancelRequestedError(ApplicationError):
    """The job was asked to cancel: the worker stops at this step boundary."""

    code = "job_cancel_requested"


def claimed(job: JobRecord, worker: str, now: datetime, lease: timedelta) -> JobRecord | None:
    """The job claimed by ``worker``, or None if it is not free to claim.

    A queued job is free; so is a running one whose lease expired (its worker died).
    """
    if job.status == "queued" or (
        job.status == "running" and job.lease_until is not None and job.lease_until <= now
    ):
        return _changed(
            job,
            now,
            status="running",
            worker=worker,
            lease_until=now + lease,
            attempts=job.attempts + 1,
            started_at=job.started_at or now,
        )
    return None


def heartbeat(job: JobRecord, worker: str, now: datetime, lease: timedelta) -> JobRecord:
    """The lease extended (LeaseLostError if ``worker`` no longer holds the job)."""
    _held(job, worker)
    return _changed(job, now, lease_until=now + lease)


def progressed(job: JobRecord, worker: str, now: datetime, report: JobProgress) -> JobRecord:
    """The progress after a step.

    ``CancelRequestedError`` if a cancel came in: the step boundary is where it is obeyed.
    """
    _held(job, worker)
    if job.cancel_requested:
        raise CancelRequestedError("the job was asked to cancel")
    return _changed(
        job,
        now,
        phase=report.phase,
        subphase=report.subphase,
        completed_steps=report.completed_steps,
        total_steps=report.total_steps,
        progress=report.percent,
        calls=report.calls or job.calls,
        logs=bounded_logs(job.logs, report.logs),
    )


def finished(
    job: JobRecord,
    worker: str,
    now: datetime,
    *,
    lesson_id: str | None = None,
    problem: JobProblem | None = None,
    canceled: bool = False,
) -> JobRecord:
    """The job ended: done with ``lesson_id``, failed with ``problem``, or canceled.

    A failure after a cancel was asked for ends canceled: the requester asked to stop.
    """
    _held(job, worker)
    if lesson_id is not None:
        return _ended(
            job, now, "done", lesson_id=lesson_id, progress=100, completed_steps=job.total_steps
        )
    if canceled or job.cancel_requested:
        return _ended(job, now, "canceled")
    assert problem is not None, "a failed job says why"
    return _ended(job, now, "failed", problem=problem)


def failed_unheld(job: JobRecord, now: datetime, problem: JobProblem) -> JobRecord | None:
    """A job whose worker is gone, failed (the sweeper); None if it is no longer active."""
    if job.final:
        return None
    return _ended(job, now, "canceled" if job.cancel_requested else "failed", problem=problem)


def canceled(job: JobRecord, now: datetime) -> JobRecord:
    """Cancel: a queued job ends at once, a running one is asked to stop at its next step.

    ``JobFinishedError`` if it has ended, or is storing its lesson.
    """
    if job.final:
        raise JobFinishedError(f"job {job.job_id} has ended ({job.status}); it cannot be canceled")
    if job.phase == "store":
        raise JobFinishedError(f"job {job.job_id} is storing its lesson; it cannot be canceled")
    if job.status == "queued":
        return _ended(job, now, "canceled")
    return _changed(job, now, cancel_requested=True)


def requeued(job: JobRecord, now: datetime, grace: timedelta) -> JobRecord:
    """A queued job that was enqueued again: not again before ``grace`` passes."""
    return _changed(job, now, lease_until=now + grace)


def handed_over(job: JobRecord, owner: str, now: datetime, *, keep_key: bool) -> JobRecord:
    """The job given to another owner (``dgs store assign-owner``), whatever its status.

    Without its idempotency key when ``keep_key`` is false: the new owner holds the same
    key already, and that key stays with the new owner's own job.
    """
    key = job.idempotency_key if keep_key else None
    return _changed(job, now, owner=owner, idempotency_key=key)


def _held(job: JobRecord, worker: str) -> None:
    if job.status != "running" or job.worker != worker:
        raise LeaseLostError(f"job {job.job_id} is not held by this worker")


def _ended(job: JobRecord, now: datetime, status: str, **changes: object) -> JobRecord:
    return _changed(
        job, now, status=status, finished_at=now, worker=None, lease_until=None, **changes
    )


def _changed(job: JobRecord, now: datetime, **changes: object) -> JobRecord:
    return replace(job, updated_at=now, version=job.version + 1, **changes)  # type: ignore[arg-type]
