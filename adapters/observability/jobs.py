"""Jobs as log lines: one ``job`` line per job that ended, and the job queue's depth.

``LoggedJobs`` serves the ``JobEvents`` port: the job's id, its owner as a keyed hash
(never the raw subject), the outcome code, how long it ran and waited, each model
call's purpose, provider, model, tokens, cost and latency, and the totals. Never the
topic, the prompt or the lesson.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime

from adapters.observability.logs import fields, identity_hash
from application.jobs.records import JobRecord
from application.ports.telemetry import OK

log = logging.getLogger("dgs.jobs")


class LoggedJobs:
    """The ``JobEvents`` port as one JSON (or text) log line per job."""

    def __init__(self, identity_key: bytes) -> None:
        self._identity_key = identity_key

    def job_finished(self, job: JobRecord) -> None:
        """One ``job`` line."""
        calls = job.calls
        log.info(
            "job",
            extra=fields(
                event="job",
                job_id=job.job_id,
                owner=identity_hash(self._identity_key, job.owner),
                status=job.status,
                outcome=outcome(job),
                lesson_id=job.lesson_id,
                attempts=job.attempts,
                duration_ms=_ms(job.finished_at, job.started_at),
                queued_ms=_ms(job.started_at, job.created_at),
                input_tokens=sum(c.input_tokens for c in calls),
                output_tokens=sum(c.output_tokens for c in calls),
                reasoning_tokens=sum(c.reasoning_tokens for c in calls),
                cost_usd=job.total_cost_usd,
                calls=[asdict(call) for call in calls],
            ),
        )


def outcome(job: JobRecord) -> str:
    """``ok``, ``canceled``, or the failed job's problem code."""
    if job.status == "done":
        return OK
    if job.problem is not None and job.status == "failed":
        return job.problem.code
    return job.status


def _ms(later: datetime | None, earlier: datetime | None) -> int | None:
    if later is None or earlier is None:
        return None
    return round((later - earlier).total_seconds() * 1000)
