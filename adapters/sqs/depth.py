"""The SQS queue's depth, as ``dgs worker`` reports it: a ``queue`` log line now and then.

SQS counts for itself: ``ApproximateNumberOfMessages`` (waiting) and
``ApproximateNumberOfMessagesNotVisible`` (taken by a worker, not yet deleted), read with
``GetQueueAttributes`` (SQS API reference; approximate by design, eventually consistent).
On AWS the same figures are CloudWatch metrics of the queue; a container worker logs
them so an operator without CloudWatch sees the backlog too.
"""

from __future__ import annotations

import asyncio
import logging

from adapters.observability.logs import fields
from adapters.observability.metrics import Metrics, NoMetrics, Point
from adapters.sqs.client import SqsQueue
from application.errors import StoreUnavailableError

log = logging.getLogger("dgs.worker")
WAITING = "ApproximateNumberOfMessages"
IN_FLIGHT = "ApproximateNumberOfMessagesNotVisible"


async def queue_depth(queue: SqsQueue) -> tuple[int, int]:
    """Messages waiting, and messages being worked on (both approximate)."""
    response = await queue.call("get_queue_attributes", AttributeNames=[WAITING, IN_FLIGHT])
    attributes = response.get("Attributes", {})
    return int(attributes.get(WAITING, 0)), int(attributes.get(IN_FLIGHT, 0))


async def report_depth(queue: SqsQueue, metrics: Metrics | None = None) -> None:
    """One ``queue`` line (and the depth gauge); a queue that does not answer is logged."""
    try:
        waiting, in_flight = await queue_depth(queue)
    except StoreUnavailableError as exc:
        log.warning("queue depth unavailable: %s", exc)
        return
    log.info("queue", extra=fields(event="queue", waiting=waiting, in_flight=in_flight))
    (metrics or NoMetrics()).record([Point("dgs_job_queue_depth", waiting)])


async def reporting_depth(queue: SqsQueue, every: float = 60.0) -> None:
    """``report_depth`` every ``every`` seconds, until cancelled."""
    while True:
        await report_depth(queue)
        await asyncio.sleep(every)
