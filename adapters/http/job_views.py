"""Job records as wire structs, their ETag, and the listing cursor bound to its owner."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.http import wire
from adapters.http.problems import problem
from application.cursor import CursorCodec, Position
from application.jobs.records import JobPage, JobPosition, JobRecord, JobStatus


def job(record: JobRecord, request_id: str, lesson: wire.Lesson | None = None) -> wire.Job:
    """The job as polled: its state, progress, calls and totals; the lesson or the problem."""
    calls = [
        wire.JobCall(
            index=c.index,
            purpose=c.purpose,
            provider=c.provider,
            model=c.model,
            input_tokens=c.input_tokens,
            output_tokens=c.output_tokens,
            reasoning_tokens=c.reasoning_tokens,
            cost_usd=c.cost_usd,
            latency_ms=c.latency_ms,
            outcome=c.outcome,
        )
        for c in record.calls
    ]
    failed = record.problem
    return wire.Job(
        job_id=record.job_id,
        status=record.status,
        phase=record.phase,
        subphase=record.subphase,
        completed_steps=record.completed_steps,
        total_steps=record.total_steps,
        progress=record.progress,
        cancel_requested=record.cancel_requested,
        calls=calls,
        totals=wire.JobTotals(
            input_tokens=sum(c.input_tokens for c in record.calls),
            output_tokens=sum(c.output_tokens for c in record.calls),
            reasoning_tokens=sum(c.reasoning_tokens for c in record.calls),
            tokens=record.total_tokens,
            cost_usd=record.total_cost_usd,
        ),
        logs=list(record.logs),
        created_at=record.created_at,
        updated_at=record.updated_at,
        started_at=record.started_at,
        finished_at=record.finished_at,
        version=record.version,
        lesson_id=record.lesson_id,
        lesson=lesson,
        # The problem the synchronous route would have answered (this request's id).
        problem=problem(failed.status, failed.code, failed.detail, request_id)
        if failed is not None
        else None,
    )


def etag(record: JobRecord, fmt: str) -> str:
    """A strong validator: the job's version (and the lesson format the body is in)."""
    return f'"{record.job_id}.{record.version}.{fmt}"'


def not_modified(if_none_match: str | None, tag: str) -> bool:
    """Whether ``If-None-Match`` names ``tag`` (RFC 9110 section 13.1.2: weak comparison)."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = (t.strip().removeprefix("W/") for t in if_none_match.split(","))
    return tag in tags


def _filters(status: JobStatus | None) -> dict[str, str | None]:
    # "listing": a lesson listing's cursor is no job listing's (and another owner's cursor
    # is refused by the codec: foreign_cursor).
    return {"listing": "jobs", "status": status}


def next_cursor(
    cursors: CursorCodec, page: JobPage, owner: str, status: JobStatus | None
) -> str | None:
    """The signed cursor of the next page (None on the last one)."""
    if page.next is None:
        return None
    at = page.next.created_at.isoformat()
    return cursors.seal(Position(at, page.next.job_id), _filters(status), owner)


def position(
    cursors: CursorCodec, cursor: str | None, owner: str, status: JobStatus | None
) -> JobPosition | None:
    """Where a cursor resumes (``InvalidCursorError`` if it is not this owner's listing's)."""
    if cursor is None:
        return None
    found = cursors.open(cursor, _filters(status), owner)
    at = datetime.fromisoformat(found.created_at)
    return JobPosition(at if at.tzinfo else at.replace(tzinfo=UTC), found.lesson_id)
