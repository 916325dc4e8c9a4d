"""One delivery of a job message, as both workers run it (Lambda and ``dgs worker``).

The body is decoded, the job id handed to ``run_job``, and whatever happens comes out as
a ``JobRunOutcome``: a malformed body is poison (it can never run), an unexpected error
is retried later (the redrive policy bounds how often).
"""

from __future__ import annotations

import logging

from adapters.sqs.messages import MalformedJobMessage, decode_job_message
from application.ports.job_queue import JobRunOutcome, RunJob

log = logging.getLogger("dgs.worker")


async def run_delivery(
    body: str, run_job: RunJob, *, message_id: str, receive_count: str = "?"
) -> JobRunOutcome:
    """Run the job a message names, once; never raises (except cancellation)."""
    try:
        job_id = decode_job_message(body)
    except MalformedJobMessage as exc:
        log.error(
            "job message %s is malformed (%s): it goes to the dead-letter queue after the "
            "allowed receives",
            message_id,
            exc,
        )
        return JobRunOutcome.POISON
    try:
        outcome = await run_job(job_id)
    except Exception:  # the runner's own bug or an untranslated fault: try again later
        log.exception("job %s (message %s) failed unexpectedly", job_id, message_id)
        return JobRunOutcome.RETRY_LATER
    level = logging.INFO if outcome is JobRunOutcome.DONE else logging.WARNING
    log.log(
        level,
        "job %s (message %s, receive %s): %s",
        job_id,
        message_id,
        receive_count,
        outcome.value,
    )
    return outcome
