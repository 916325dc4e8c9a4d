"""How a job reaches a worker: a queue of job ids, and what running one delivery came to.

A queue carries only the job's id. The job record (in the job store) is the truth; a
delivery is a nudge to run it, and may come twice (SQS standard queues deliver at least
once), so the runner claims the record conditionally and a second delivery is a no-op.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Protocol, runtime_checkable


@runtime_checkable
class JobQueue(Protocol):
    """Hands a job to some worker, now or later."""

    async def enqueue(self, job_id: str) -> None:
        """Queue ``job_id`` for a worker; raises ``StoreUnavailableError`` if it cannot."""
        ...


class JobRunOutcome(Enum):
    """What one delivery of a job came to, which decides what happens to the message.

    - ``DONE``: nothing more to do for this delivery (the job finished, failed for good,
      was cancelled, or was already claimed by another delivery): the message is deleted.
    - ``RETRY_LATER``: a transient failure (the store did not answer, the job's lease is
      held by a live worker): the message comes back later, until the redrive policy
      moves it to the dead-letter queue.
    - ``POISON``: this message can never run (unreadable, or names no job): it is
      reported failed at once, so the redrive policy moves it to the dead-letter queue
      after the allowed receives, where an operator can read it.
    """

    DONE = "done"
    RETRY_LATER = "retry_later"
    POISON = "poison"


# Runs the job with this id once (the job core's runner): claim, run, record.
RunJob = Callable[[str], Awaitable[JobRunOutcome]]
