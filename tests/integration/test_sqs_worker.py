"""The consumer behind ``dgs worker`` against moto's SQS: it deletes what ran, hides a
running job's message with heartbeats, gives back what must run again, and drains."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from adapters.sqs.client import SqsQueue, SqsSettings
from adapters.sqs.consumer import ConsumerSettings, SqsJobConsumer, StopSignal
from adapters.sqs.messages import encode_job_message
from adapters.sqs.queue import SqsJobQueue
from application.errors import StoreUnavailableError
from application.ports.job_queue import JobRunOutcome
from tests.http.serve import free_port
from tests.support.sqs import FakeJobs, Queue, SqsQueues

FAST = ConsumerSettings(concurrency=2, heartbeat_seconds=0.3, retry_delay_seconds=1)


@asynccontextmanager
async def consuming(
    queue: Queue, jobs: FakeJobs, settings: ConsumerSettings = FAST
) -> AsyncIterator[StopSignal]:
    """A consumer running on ``queue`` until the block ends (then stopped and drained)."""
    client = SqsQueue(SqsSettings(queue_url=queue.url))
    signal = StopSignal.new()
    task = asyncio.create_task(SqsJobConsumer(client, jobs, settings).run(signal))
    try:
        yield signal
    finally:
        signal.request()
        await asyncio.wait_for(task, 15)
        await client.close()


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def send(sqs: SqsQueues, queue: Queue, *job_ids: str) -> None:
    for job_id in job_ids:
        sqs.send(queue.url, encode_job_message(job_id))


async def test_jobs_run_and_their_messages_are_deleted(sqs: SqsQueues) -> None:
    queue = sqs.queue()
    jobs = FakeJobs()
    send(sqs, queue, "a", "b", "c")
    async with consuming(queue, jobs):
        await until(lambda: len(jobs.generated) == 3)
        await until(lambda: sqs.counts(queue.url) == (0, 0))
    assert sorted(jobs.generated) == ["a", "b", "c"]


async def test_a_stop_ends_the_long_poll_at_once(sqs: SqsQueues) -> None:
    queue = sqs.queue()
    async with consuming(queue, FakeJobs()) as signal:
        await asyncio.sleep(0.3)  # inside a 20 s long poll on an empty queue
        started = time.monotonic()
        signal.request()
    assert time.monotonic() - started < 2


async def test_no_more_jobs_run_at_once_than_the_concurrency(sqs: SqsQueues) -> None:
    queue = sqs.queue()
    jobs = FakeJobs(seconds=0.3)
    send(sqs, queue, *[f"job-{n}" for n in range(6)])
    async with consuming(queue, jobs):
        await until(lambda: len(jobs.generated) == 6)
    assert jobs.most_at_once == FAST.concurrency


async def test_a_running_jobs_message_stays_hidden_past_its_visibility_timeout(
    sqs: SqsQueues,
) -> None:
    queue = sqs.queue()
    # The job outlasts the visibility timeout; the heartbeat renews it well before it
    # runs out even on a loaded machine (a 1 s timeout flaked when the loop was late).
    jobs = FakeJobs(seconds=4.0)
    settings = ConsumerSettings(concurrency=1, visibility_seconds=2, heartbeat_seconds=0.3)
    send(sqs, queue, "long")
    async with consuming(queue, jobs, settings):
        await until(lambda: jobs.running == 1)
        while jobs.running:  # another worker polling all along sees nothing
            assert await asyncio.to_thread(sqs.receive, queue.url, 10, 1) == []
            await asyncio.sleep(0.2)
        await until(lambda: sqs.counts(queue.url) == (0, 0))
    assert jobs.calls == ["long"]


async def test_retry_later_gives_the_message_back_after_the_delay(sqs: SqsQueues) -> None:
    queue = sqs.queue(max_receive_count=5)
    jobs = FakeJobs(outcomes={"busy": JobRunOutcome.RETRY_LATER})
    send(sqs, queue, "busy")
    async with consuming(queue, jobs):
        await until(lambda: jobs.calls == ["busy"])
        first = time.monotonic()
        await until(lambda: len(jobs.calls) == 2)
        assert time.monotonic() - first >= 0.8  # retry_delay_seconds (1 s), not at once


async def test_a_poisoned_message_goes_to_the_dead_letter_queue(sqs: SqsQueues) -> None:
    queue = sqs.queue(max_receive_count=3)
    jobs = FakeJobs()
    poison = sqs.send(queue.url, '{"job_id": "no version"}')
    async with consuming(queue, jobs):
        await until(lambda: sqs.counts(queue.dead_letter_url)[0] == 1)
    (dead,) = sqs.receive(queue.dead_letter_url)
    assert dead["MessageId"] == poison
    assert int(dead["Attributes"]["ApproximateReceiveCount"]) >= queue.max_receive_count
    assert jobs.calls == []


async def test_a_duplicate_delivery_runs_the_job_once(sqs: SqsQueues) -> None:
    queue = sqs.queue()
    jobs = FakeJobs(seconds=0.2)
    send(sqs, queue, "dup", "dup", "dup")
    async with consuming(queue, jobs):
        await until(lambda: len(jobs.calls) == 3)
        await until(lambda: sqs.counts(queue.url) == (0, 0))
    assert jobs.generated == ["dup"]


async def test_a_job_that_finishes_within_the_grace_is_completed(sqs: SqsQueues) -> None:
    queue = sqs.queue()
    jobs = FakeJobs(seconds=0.6)
    send(sqs, queue, "nearly-done")
    async with consuming(queue, jobs):
        await until(lambda: jobs.running == 1)
    assert jobs.generated == ["nearly-done"]
    assert sqs.counts(queue.url) == (0, 0)


@pytest.mark.parametrize("force", [False, True])
async def test_a_job_past_the_grace_is_cancelled_and_its_message_released(
    sqs: SqsQueues, force: bool
) -> None:
    queue = sqs.queue()
    jobs = FakeJobs(seconds=60)
    grace = 30 if force else 0.3  # a second signal does not wait for the grace
    settings = ConsumerSettings(concurrency=1, heartbeat_seconds=0.3, grace_seconds=grace)
    send(sqs, queue, "long")
    started = 0.0
    async with consuming(queue, jobs, settings) as signal:
        await until(lambda: jobs.running == 1)
        started = time.monotonic()
        if force:
            signal.request()
    assert time.monotonic() - started < 3
    assert jobs.generated == []
    (message,) = sqs.receive(queue.url)  # visible again at once, for another worker
    assert message["Attributes"]["ApproximateReceiveCount"] == "2"


async def test_sending_to_a_missing_queue_is_store_unavailable(sqs: SqsQueues) -> None:
    missing = SqsJobQueue(SqsQueue(SqsSettings(queue_url=f"{sqs.endpoint}/123456789012/nope")))
    with pytest.raises(StoreUnavailableError, match="SQS send_message failed"):
        await missing.enqueue("job-1")
    await missing.close()
    unreachable = SqsJobQueue(
        SqsQueue(
            SqsSettings(
                queue_url=f"http://127.0.0.1:{free_port()}/123456789012/jobs",
                max_attempts=1,
                connect_timeout=0.5,
            )
        )
    )
    with pytest.raises(StoreUnavailableError, match="SQS did not answer send_message"):
        await unreachable.enqueue("job-1")
    await unreachable.close()
