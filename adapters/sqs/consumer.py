"""The long-polling consumer behind ``dgs worker``: receive, run, delete; heartbeat; drain.

- Receives with a long poll (``WaitTimeSeconds`` 20, the most SQS allows) and only as
  many messages as it has free slots (``concurrency``), so no message waits invisible
  in this process while another worker could run it.
- While a job runs, a heartbeat extends the message's visibility
  (``ChangeMessageVisibility``) so no other worker receives it; a job may run for the
  whole generation deadline, far past one visibility period.
- ``DONE``: the message is deleted. ``RETRY_LATER``: it becomes visible again after
  ``retry_delay_seconds``. ``POISON``: it becomes visible at once, so its remaining
  receives pass quickly and the redrive policy moves it to the dead-letter queue.
- Stopping (``stop`` set, e.g. by SIGTERM): no new receive; running jobs get
  ``grace_seconds`` to finish; any still running then are cancelled and their messages
  released (visibility 0), so another worker takes them over at once. Setting ``stop``
  again (``force``) cancels and releases at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from adapters.sqs.client import SqsQueue
from adapters.sqs.delivery import run_delivery
from application.errors import StoreUnavailableError
from application.ports.job_queue import JobRunOutcome, RunJob

log = logging.getLogger("dgs.worker")
# SQS API reference, ReceiveMessage: WaitTimeSeconds 0-20, MaxNumberOfMessages 1-10.
MAX_WAIT_SECONDS = 20
MAX_MESSAGES_PER_RECEIVE = 10


@dataclass(frozen=True, slots=True)
class ConsumerSettings:
    """How the consumer polls, holds and gives back messages."""

    concurrency: int = 4
    wait_seconds: int = MAX_WAIT_SECONDS
    visibility_seconds: int = 60  # each receive and each heartbeat hides the message this long
    heartbeat_seconds: float = 20.0  # well inside visibility_seconds: one late beat is harmless
    retry_delay_seconds: int = 30
    grace_seconds: float = 8.0  # under docker stop's 10 s before SIGKILL
    error_pause_seconds: float = 5.0  # after a failed receive, before the next

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be 1 or more, not {self.concurrency}")
        if not 0 <= self.wait_seconds <= MAX_WAIT_SECONDS:
            raise ValueError(f"wait_seconds must be 0-{MAX_WAIT_SECONDS}, not {self.wait_seconds}")


@dataclass
class StopSignal:
    """``stop``: finish what runs, take nothing new. ``force``: release everything now."""

    stop: asyncio.Event
    force: asyncio.Event

    @classmethod
    def new(cls) -> StopSignal:
        """Neither stop nor force requested yet."""
        return cls(asyncio.Event(), asyncio.Event())

    def request(self) -> None:
        """The first request stops; a second forces."""
        (self.force if self.stop.is_set() else self.stop).set()


class SqsJobConsumer:
    """Runs the jobs of one queue's messages, ``concurrency`` at a time."""

    def __init__(self, queue: SqsQueue, run_job: RunJob, settings: ConsumerSettings) -> None:
        self._queue = queue
        self._run_job = run_job
        self._settings = settings
        self._running: set[asyncio.Task[None]] = set()

    async def run(self, signal: StopSignal) -> None:
        """Consume until ``signal.stop`` is set, then drain (see the module's docstring)."""
        while not signal.stop.is_set():
            free = self._settings.concurrency - len(self._running)
            if free <= 0:  # every slot busy: wait for one (or for the stop)
                await _first(
                    asyncio.wait(set(self._running), return_when=asyncio.FIRST_COMPLETED),
                    signal.stop,
                )
                continue
            # A stop during the long poll abandons it: a message SQS handed out just
            # then reappears after visibility_seconds for another worker.
            messages = await _first(self._receive(free), signal.stop)
            for message in messages or []:
                task = asyncio.create_task(self._handle(message))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
                task.add_done_callback(_log_failure)
        await self._drain(signal)

    async def _receive(self, count: int) -> list[dict[str, Any]]:
        settings = self._settings
        try:
            response = await self._queue.call(
                "receive_message",
                MaxNumberOfMessages=min(count, MAX_MESSAGES_PER_RECEIVE),
                WaitTimeSeconds=settings.wait_seconds,
                VisibilityTimeout=settings.visibility_seconds,
                MessageSystemAttributeNames=["ApproximateReceiveCount"],
            )
        except StoreUnavailableError as exc:
            log.warning("receiving from the job queue failed: %s", exc)
            await asyncio.sleep(settings.error_pause_seconds)
            return []
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages

    async def _handle(self, message: dict[str, Any]) -> None:
        receipt = str(message["ReceiptHandle"])
        heartbeat = asyncio.create_task(self._heartbeat(receipt))
        try:
            outcome = await run_delivery(
                str(message.get("Body", "")),
                self._run_job,
                message_id=str(message.get("MessageId", "?")),
                receive_count=str(
                    message.get("Attributes", {}).get("ApproximateReceiveCount", "?")
                ),
            )
        except asyncio.CancelledError:
            heartbeat.cancel()
            await self._settle(receipt, "change_message_visibility", VisibilityTimeout=0)
            raise
        finally:
            heartbeat.cancel()
        if outcome is JobRunOutcome.DONE:
            await self._settle(receipt, "delete_message")
        else:
            delay = (
                self._settings.retry_delay_seconds if outcome is JobRunOutcome.RETRY_LATER else 0
            )
            await self._settle(receipt, "change_message_visibility", VisibilityTimeout=delay)

    async def _heartbeat(self, receipt: str) -> None:
        while True:
            await asyncio.sleep(self._settings.heartbeat_seconds)
            await self._settle(
                receipt,
                "change_message_visibility",
                VisibilityTimeout=self._settings.visibility_seconds,
            )

    async def _settle(self, receipt: str, operation: str, **arguments: Any) -> None:
        """Delete or re-time a message; a failure is only logged.

        The message then reappears after its visibility timeout, and the job's
        conditional claim absorbs the repeat.
        """
        try:
            await self._queue.call(operation, ReceiptHandle=receipt, **arguments)
        except StoreUnavailableError as exc:
            log.warning("job queue %s failed: %s", operation, exc)

    async def _drain(self, signal: StopSignal) -> None:
        if not self._running:
            return
        grace = self._settings.grace_seconds
        log.info("stopping: waiting up to %gs for %d job(s)", grace, len(self._running))
        await _first(asyncio.wait(set(self._running), timeout=grace), signal.force)
        for task in list(self._running):
            task.cancel()  # each releases its message as it ends
        if self._running:
            await asyncio.wait(set(self._running))


def _log_failure(task: asyncio.Task[None]) -> None:
    """A message handling that broke (a bug: deliveries never raise) is logged, not lost."""
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("handling a job message failed", exc_info=error)


async def _first(awaitable: Any, event: asyncio.Event) -> Any:
    """``awaitable``'s result, or None if ``event`` is set first (the awaitable cancelled)."""
    work = asyncio.ensure_future(awaitable)
    waiter = asyncio.create_task(event.wait())
    try:
        await asyncio.wait({work, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if work.done():
        return work.result()
    work.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await work
    return None
