"""``dgs worker`` in a process of its own, with a job runner that writes what it does.

``python -m tests.support.sqs_worker_process RECORD [dgs worker options]`` runs the real
command (settings, logging, signals, the SQS consumer); only the runner seam
(``build_run_job``, wired to the job core at merge) is this file's: a job id ending in
``-sleep-SECONDS`` takes that long. Each start and finish is a line in RECORD.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from application.ports.job_queue import JobRunOutcome, RunJob
from entrypoints import queue_wiring
from entrypoints.cli import main
from entrypoints.settings import Settings


def recording_runner(record: Path) -> RunJob:
    """A runner that logs each job's start and finish to ``record``."""

    async def run_job(job_id: str) -> JobRunOutcome:
        _, _, seconds = job_id.partition("-sleep-")
        with record.open("a", encoding="utf-8") as lines:
            lines.write(f"start {job_id}\n")
        await asyncio.sleep(float(seconds or 0))
        with record.open("a", encoding="utf-8") as lines:
            lines.write(f"done {job_id}\n")
        return JobRunOutcome.DONE

    return run_job


if __name__ == "__main__":
    record = Path(sys.argv[1])

    def build_run_job(settings: Settings) -> RunJob:
        return recording_runner(record)

    queue_wiring.build_run_job = build_run_job
    sys.exit(main(["worker", *sys.argv[2:]]))
