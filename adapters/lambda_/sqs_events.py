"""SQS event records for the Lambda worker, answered with a partial batch response.

Lambda's SQS event source mapping invokes the function with ``{"Records": [...]}``, one
record per message (``messageId``, ``receiptHandle``, ``body``, ``attributes``...). With
``FunctionResponseTypes: [ReportBatchItemFailures]`` the function answers
``{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}``: Lambda deletes every
other message of the batch and leaves the listed ones to come back after the queue's
visibility timeout (AWS Lambda Developer Guide, "Handling errors for an SQS event source
in Lambda", https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).

Every outcome but ``DONE`` is reported failed. A poison message (malformed body) is
therefore received again until the queue's redrive policy (``maxReceiveCount``) moves
it to the dead-letter queue: it is neither retried forever nor silently lost. Records
run one after another: the template's batch size is 1, so the reserved concurrency is
the number of jobs running at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.sqs.delivery import run_delivery
from application.ports.job_queue import JobRunOutcome, RunJob

BatchResponse = dict[str, list[dict[str, str]]]


class NotAnSqsEvent(ValueError):
    """The event is not an SQS event (the whole invocation fails: Lambda retries it)."""


async def handle_sqs_event(event: Mapping[str, Any], run_job: RunJob) -> BatchResponse:
    """Run each record's job; the partial batch response names the ones to redeliver."""
    records = event.get("Records")
    if not isinstance(records, list):
        raise NotAnSqsEvent("no Records list in the event")
    failures: list[dict[str, str]] = []
    for record in records:
        message_id = record.get("messageId") if isinstance(record, dict) else None
        if not isinstance(message_id, str) or not message_id:
            # Without its id a failure cannot be reported; an empty or unknown
            # itemIdentifier makes Lambda retry the whole batch, so say so plainly.
            raise NotAnSqsEvent("an SQS record without a messageId")
        body = record.get("body")
        attributes = record.get("attributes")
        receive_count = (
            str(attributes.get("ApproximateReceiveCount", "?"))
            if isinstance(attributes, dict)
            else "?"
        )
        outcome = await run_delivery(
            body if isinstance(body, str) else "",
            run_job,
            message_id=message_id,
            receive_count=receive_count,
        )
        if outcome is not JobRunOutcome.DONE:
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
