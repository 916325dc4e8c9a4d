"""``SqsJobQueue``: the API hands a job to the workers through an SQS standard queue."""

from __future__ import annotations

from adapters.sqs.client import SqsQueue
from adapters.sqs.messages import encode_job_message


class SqsJobQueue:
    """A ``JobQueue`` sending one small message per job (its id; the record holds the rest).

    A standard queue may deliver a message more than once; the job's conditional claim
    makes every delivery after the first a no-op, so no FIFO queue is needed.
    """

    def __init__(self, queue: SqsQueue) -> None:
        self._queue = queue

    async def enqueue(self, job_id: str) -> None:
        """Send the job's message; ``StoreUnavailableError`` if SQS does not take it."""
        await self._queue.call("send_message", MessageBody=encode_job_message(job_id))

    async def close(self) -> None:
        """Close the SQS client."""
        await self._queue.close()
