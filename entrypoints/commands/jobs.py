"""``dgs generate --async`` and ``dgs jobs list|get|watch|cancel``: generation jobs.

The CLI acts as the dev tenant (``Principal.dev_tenant()``), the owner a dev-key caller
has over HTTP, so jobs started here are listed by the API and the other way round. It
goes through the same use cases as ``/v1/jobs``.

Where a job started here runs: with ``DGS_JOB_QUEUE_URL`` it is sent to the SQS queue
(``dgs worker`` or the worker Lambda runs it); otherwise this process has no worker, so
the job is recorded as due at once and the worker pool of a running ``dgs serve`` (same
store) takes it at its next sweep (``adapters.jobs.pool.SWEEP_EVERY``: 2 s).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import json
import sys
from datetime import datetime, timedelta
from typing import Any

from application.errors import InvalidCursorError
from application.jobs.records import JobPosition, JobRecord
from application.principal import Principal
from application.use_cases.generation_request import GenerateRequest
from entrypoints.commands import (
    EXIT_CANCELED,
    EXIT_OK,
    EXIT_PROVIDER,
)
from entrypoints.commands.generation_options import CommandFailed, run_generation_command
from entrypoints.commands.job_view import job_json, job_line, job_summary
from entrypoints.commands.terminal import json_text
from entrypoints.commands.with_container import run_with_container
from entrypoints.container import Container

# The exit code of a job's final state (README, "Exit codes").
EXIT_OF_STATUS = {"done": EXIT_OK, "failed": EXIT_PROVIDER, "canceled": EXIT_CANCELED}


def _owner() -> str:
    return Principal.dev_tenant().owner


def start(args: argparse.Namespace) -> int:
    """``dgs generate --async``: accept the job, print its id (the job as JSON with --json)."""

    async def work(container: Container, request: GenerateRequest) -> tuple[JobRecord, bool]:
        detached = container.settings().job_queue_url is None
        # No worker in this process: due at once for a serving process's sweeper.
        start_job = (
            container.start_job(queue_grace=timedelta(0)) if detached else container.start_job()
        )
        # The local operator: no quota, and always a new lesson (as `dgs generate`).
        started = await start_job(request, _owner(), None, use_cache=False)
        return started.job, detached

    try:
        job, detached = run_generation_command("generate", args, work)
    except CommandFailed as failed:
        return failed.code
    if args.json:
        _print_json(job_json(job))
    else:
        print(job.job_id)
    where = (
        "a running `dgs serve` on this store runs it (at its next sweep)"
        if detached
        else "sent to the SQS queue for `dgs worker`"
    )
    print(f"dgs generate: job queued; {where}; `dgs jobs watch {job.job_id}`", file=sys.stderr)
    return EXIT_OK


def jobs_list(args: argparse.Namespace) -> int:
    """The dev tenant's jobs, newest first (``GET /v1/jobs``)."""

    async def work(container: Container) -> int:
        after = _position(args.cursor) if args.cursor else None
        page = await container.list_jobs()(_owner(), args.status, args.limit, after)
        cursor = _cursor(page.next) if page.next is not None else None
        if args.json:
            _print_json({"items": [job_json(job) for job in page.items], "next_cursor": cursor})
            return EXIT_OK
        for job in page.items:
            print(job_line(job))
        if cursor:
            print(f"next: --cursor {cursor}")
        return EXIT_OK

    return run_with_container("jobs list", work)


def jobs_get(args: argparse.Namespace) -> int:
    """One job (``GET /v1/jobs/{job_id}``)."""

    async def work(container: Container) -> int:
        job = await container.get_job()(_owner(), args.job_id)
        if args.json:
            _print_json(job_json(job))
        else:
            print("\n".join(job_summary(job, container.clock().now())))
        return EXIT_OK

    return run_with_container("jobs get", work)


def jobs_cancel(args: argparse.Namespace) -> int:
    """Cancel a job: a queued one never runs, a running one stops at its next step."""

    async def work(container: Container) -> int:
        job = await container.cancel_job()(_owner(), args.job_id)
        if args.json:
            _print_json(job_json(job))
        elif job.status == "canceled":
            print(f"{job.job_id} canceled")
        else:
            print(f"{job.job_id} asked to cancel: it stops at its next step")
        return EXIT_OK

    return run_with_container("jobs cancel", work)


def jobs_watch(args: argparse.Namespace) -> int:
    """Follow a job to its final state; the exit code says which (``EXIT_OF_STATUS``).

    On a terminal one line is redrawn (status, phase, subphase, progress, elapsed);
    with ``--json`` (or into a pipe) one line per change: JSON lines, or plain text.
    """
    redraw = sys.stdout.isatty() and not args.json

    async def work(container: Container) -> int:
        get, clock = container.get_job(), container.clock()
        version = 0
        while True:
            job = await get(_owner(), args.job_id)
            now = clock.now()
            if redraw:
                sys.stdout.write(f"\r{job_line(job, now, bar=True)} ")
            elif job.version != version:
                print(json_text(json.dumps(job_json(job))) if args.json else job_line(job, now))
            sys.stdout.flush()
            version = job.version
            if job.final:
                if redraw:
                    sys.stdout.write("\n")
                if not args.json:
                    print("\n".join(job_summary(job, now)[-1:]))
                return EXIT_OF_STATUS[job.status]
            await asyncio.sleep(args.interval)

    return run_with_container("jobs watch", work)


def _cursor(position: JobPosition) -> str:
    """Where the next page starts, as the text ``--cursor`` takes (opaque to users)."""
    text = json.dumps([position.created_at.isoformat(), position.job_id])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _position(cursor: str) -> JobPosition:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, job_id = json.loads(raw)
        return JobPosition(datetime.fromisoformat(created_at), str(job_id))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidCursorError("this cursor was not made by `dgs jobs list`") from exc


def _print_json(value: Any) -> None:
    print(json_text(json.dumps(value, ensure_ascii=False, indent=2)))
