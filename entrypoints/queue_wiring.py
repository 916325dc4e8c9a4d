"""The job queue's wiring: the SQS queue the settings name, and the job runner workers call.

``build_run_job`` is the seam where the job core's runner (issue 13: claim the job
record, run the generation, record the outcome) plugs into both SQS workers.
"""

from __future__ import annotations

from adapters.sqs.client import SqsQueue, SqsSettings
from adapters.sqs.queue import SqsJobQueue
from application.ports.job_queue import RunJob
from entrypoints.settings import Settings, SettingsError


def sqs_queue(settings: Settings) -> SqsQueue:
    """The queue of ``DGS_JOB_QUEUE_URL`` (a ``SettingsError`` when it is not set)."""
    if settings.job_queue_url is None:
        raise SettingsError("DGS_JOB_QUEUE_URL: required (the SQS queue of generation jobs)")
    return SqsQueue(SqsSettings(queue_url=settings.job_queue_url, region=settings.aws_region))


def sqs_job_queue(settings: Settings) -> SqsJobQueue | None:
    """The API's SQS job queue, or None: jobs then run on the in-process worker."""
    return None if settings.job_queue_url is None else SqsJobQueue(sqs_queue(settings))


def build_run_job(settings: Settings) -> RunJob:
    """The job core's runner for these settings (one job by id).

    Not wired on this branch: the job store and runner arrive with the job core and are
    connected here at merge.
    """
    raise NotImplementedError("the job runner (issue 13 job core) is not wired in yet")
