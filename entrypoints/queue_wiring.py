"""The job queue's wiring: the SQS queue the settings name, and the job runner workers call.

``build_run_job`` gives both SQS workers the job core's runner (claim the job record, run
the generation, record the outcome).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from adapters.jobs.pool import InProcessJobQueue
from application.ports.job_queue import JobQueue, JobRunOutcome, RunJob
from entrypoints.settings import Settings, SettingsError

if TYPE_CHECKING:  # botocore is imported only where a queue is used (not by every import)
    from adapters.sqs.client import SqsQueue
    from adapters.sqs.queue import SqsJobQueue


def sqs_queue(settings: Settings) -> SqsQueue:
    """The queue of ``DGS_JOB_QUEUE_URL`` (a ``SettingsError`` when it is not set)."""
    if settings.job_queue_url is None:
        raise SettingsError("DGS_JOB_QUEUE_URL: required (the SQS queue of generation jobs)")
    from adapters.sqs.client import SqsQueue, SqsSettings

    return SqsQueue(SqsSettings(queue_url=settings.job_queue_url, region=settings.aws_region))


def sqs_job_queue(settings: Settings) -> SqsJobQueue | None:
    """The API's SQS job queue, or None: jobs then run on the in-process worker."""
    if settings.job_queue_url is None:
        return None
    from adapters.sqs.queue import SqsJobQueue

    return SqsJobQueue(sqs_queue(settings))


def job_queue(settings: Settings, in_process: InProcessJobQueue) -> JobQueue:
    """Where accepted jobs go: the SQS queue when one is set, else this process's workers."""
    return sqs_job_queue(settings) or in_process


def build_run_job(settings: Settings) -> RunJob:
    """The job runner of an SQS worker (``dgs worker``, the worker Lambda): one job by id.

    The runner claims the job record conditionally, so a second delivery of a message (SQS
    standard queues deliver at least once) finds the job taken or ended and does nothing:
    the message is then deleted (``DONE``). A store that does not answer raises, and the
    message comes back later. A worker that died mid-job leaves an expired lease; the
    message's next delivery claims the job again and runs it from its first step.
    """
    from entrypoints.container import build_container

    run = build_container(settings).run_job()
    worker = f"sqs-{secrets.token_hex(4)}"

    async def run_job(job_id: str) -> JobRunOutcome:
        await run(job_id, worker)
        return JobRunOutcome.DONE

    return run_job
