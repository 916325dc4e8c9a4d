"""How the CLI shows a job: its JSON (the fields of ``GET /v1/jobs/{job_id}``) and lines.

Text from the store (topics, problem details, log lines) goes through ``printable``.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from application.jobs.records import JobRecord
from entrypoints.commands.terminal import printable

_BAR = 20


def job_json(job: JobRecord) -> dict[str, Any]:
    """The job as JSON values (no owner, worker or lease: internal to the service)."""
    return {
        "job_id": job.job_id,
        "status": job.status,
        "phase": job.phase,
        "subphase": job.subphase,
        "completed_steps": job.completed_steps,
        "total_steps": job.total_steps,
        "progress": job.progress,
        "calls": [asdict(call) for call in job.calls],
        "total_tokens": job.total_tokens,
        "total_cost_usd": job.total_cost_usd,
        "logs": list(job.logs),
        "created_at": job.created_at.isoformat(),
        "updated_at": job.updated_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "attempts": job.attempts,
        "cancel_requested": job.cancel_requested,
        "topic": job.spec.topic,
        "lesson_id": job.lesson_id,
        "problem": asdict(job.problem) if job.problem is not None else None,
    }


def elapsed(job: JobRecord, now: datetime) -> float:
    """Seconds from the job's creation to its end (or to ``now`` while it is active)."""
    end = job.finished_at or now
    return max(0.0, (end - job.created_at).total_seconds())


def job_line(job: JobRecord, now: datetime | None = None, *, bar: bool = False) -> str:
    """One line: id (in listings), status, phase, subphase, progress, elapsed time."""
    stage = f"{job.phase or '-':9} {job.subphase or '':16}"
    progress = f"{job.progress:3d}%"
    if bar:
        filled = round(_BAR * job.progress / 100)
        progress = f"[{'#' * filled}{'-' * (_BAR - filled)}] {progress}"
    if now is None:  # a listing: when, and what about
        return printable(
            f"{job.job_id}  {job.created_at:%Y-%m-%d %H:%M}  {job.status:8} {stage} "
            f"{job.progress:3d}%  {job.spec.topic}"
        )
    return f"{job.status:8} {stage} {progress} {elapsed(job, now):6.1f}s"


def job_summary(job: JobRecord, now: datetime) -> list[str]:
    """The job in a few lines; the last says how it ended (or that it has not yet)."""
    lines = [
        f"job      {job.job_id}",
        printable(f"topic    {job.spec.topic}"),
        job_line(job, now),
        f"calls    {len(job.calls)}  tokens {job.total_tokens:,}  cost ${job.total_cost_usd:.6f}",
    ]
    lines += [printable(f"log      {line}") for line in job.logs[-5:]]
    if job.status == "done":
        lines.append(f"done     lesson {job.lesson_id} (`dgs lessons get {job.lesson_id}`)")
    elif job.status == "failed" and job.problem is not None:
        lines.append(printable(f"failed   {job.problem.code}: {job.problem.detail}"))
    elif job.status == "canceled":
        lines.append("canceled nothing was stored")
    else:
        lines.append(f"{job.status:8} `dgs jobs watch {job.job_id}` follows it")
    return lines
