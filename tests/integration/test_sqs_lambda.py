"""The worker Lambda against moto's SQS: the API's SqsJobQueue enqueues, a Lambda-shaped
poller delivers real event records, the handler answers a partial batch response."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator

import pytest

from adapters.lambda_.sqs_events import NotAnSqsEvent
from adapters.sqs.client import SqsQueue, SqsSettings
from adapters.sqs.queue import SqsJobQueue
from application.ports.job_queue import JobRunOutcome, RunJob
from entrypoints.lambda_worker import LambdaWorker
from tests.support.sqs import EventSourceMapping, FakeJobs, SqsQueues

Maker = Callable[[Callable[[], RunJob]], LambdaWorker]


@pytest.fixture
def make_handler() -> Iterator[Maker]:
    """Lambda handlers as the worker function builds them (closed after the test)."""
    made: list[LambdaWorker] = []

    def make(build_runner: Callable[[], RunJob]) -> LambdaWorker:
        made.append(LambdaWorker(build_runner))
        return made[-1]

    yield make
    for handler in made:
        handler.close()


def enqueue(url: str, *job_ids: str) -> None:
    """Enqueue through the adapter the API uses."""

    async def send() -> None:
        queue = SqsJobQueue(SqsQueue(SqsSettings(queue_url=url)))
        try:
            for job_id in job_ids:
                await queue.enqueue(job_id)
        finally:
            await queue.close()

    asyncio.run(send())


def test_an_enqueued_job_reaches_the_handler_and_its_message_is_deleted(
    sqs: SqsQueues, make_handler: Maker
) -> None:
    queue = sqs.queue()
    jobs = FakeJobs()
    enqueue(queue.url, "job-1")
    mapping = EventSourceMapping(sqs, queue, make_handler(lambda: jobs))
    invocation = mapping.poll()
    assert invocation is not None
    (record,) = invocation.event["Records"]
    assert json.loads(record["body"]) == {"v": 1, "job_id": "job-1"}
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert invocation.response == {"batchItemFailures": []}
    assert jobs.generated == ["job-1"]
    assert sqs.counts(queue.url) == (0, 0)  # deleted, not merely in flight


def test_only_the_failed_records_of_a_batch_are_reported_and_come_back(
    sqs: SqsQueues, make_handler: Maker
) -> None:
    queue = sqs.queue()
    jobs = FakeJobs(outcomes={"busy": JobRunOutcome.RETRY_LATER})
    enqueue(queue.url, "fine", "busy")
    malformed = sqs.send(queue.url, "not json at all")
    invocation = EventSourceMapping(sqs, queue, make_handler(lambda: jobs), batch_size=10).poll()
    assert invocation is not None
    assert len(invocation.messages) == 3
    ids = {json.loads(m["Body"])["job_id"] if m["Body"][0] == "{" else "?": m["MessageId"]
           for m in invocation.messages}  # fmt: skip
    assert sorted(invocation.failed()) == sorted([ids["busy"], malformed])
    assert sorted(jobs.calls) == ["busy", "fine"]  # the malformed body ran nothing
    sqs.expire(queue.url, invocation.failed_messages())
    back = sqs.receive(queue.url)
    assert sorted(m["MessageId"] for m in back) == sorted([ids["busy"], malformed])


def test_a_poisoned_message_lands_in_the_dead_letter_queue_after_n_receives(
    sqs: SqsQueues, make_handler: Maker
) -> None:
    queue = sqs.queue(max_receive_count=3)
    jobs = FakeJobs()
    poison = sqs.send(queue.url, json.dumps({"v": 99, "job_id": "from-the-future"}))
    mapping = EventSourceMapping(sqs, queue, make_handler(lambda: jobs))
    for receive in range(1, queue.max_receive_count + 1):
        invocation = mapping.poll()
        assert invocation is not None, f"receive {receive}"
        assert invocation.failed() == [poison]
        assert invocation.event["Records"][0]["attributes"]["ApproximateReceiveCount"] == str(
            receive
        )
        sqs.expire(queue.url, invocation.failed_messages())
    assert mapping.poll() is None  # the redrive policy moved it
    (dead,) = sqs.receive(queue.dead_letter_url)
    assert dead["MessageId"] == poison
    assert json.loads(dead["Body"])["v"] == 99
    assert jobs.calls == []


def test_a_failing_runner_is_retried_until_the_dead_letter_queue(
    sqs: SqsQueues, make_handler: Maker
) -> None:
    queue = sqs.queue(max_receive_count=2)

    async def broken(job_id: str) -> JobRunOutcome:
        raise RuntimeError("a bug in the runner")

    enqueue(queue.url, "job-x")
    mapping = EventSourceMapping(sqs, queue, make_handler(lambda: broken))
    for _ in range(2):
        invocation = mapping.poll()
        assert invocation is not None
        assert len(invocation.failed()) == 1
        sqs.expire(queue.url, invocation.failed_messages())
    assert mapping.poll() is None
    assert len(sqs.receive(queue.dead_letter_url)) == 1


def test_a_duplicate_delivery_runs_the_job_once(sqs: SqsQueues, make_handler: Maker) -> None:
    """SQS standard queues deliver at least once: the handler passes the job id to the
    runner every time, and the runner's conditional claim turns repeats into no-ops."""
    queue = sqs.queue()
    jobs = FakeJobs()
    enqueue(queue.url, "job-dup", "job-dup")  # the API retried its send
    handler = make_handler(lambda: jobs)
    mapping = EventSourceMapping(sqs, queue, handler)
    first = mapping.poll()
    second = mapping.poll()
    assert first is not None
    assert second is not None
    # and one message delivered twice (its visibility lapsed mid-run, say)
    enqueue(queue.url, "job-dup")
    (message,) = sqs.receive(queue.url)
    sqs.expire(queue.url, [message])
    again = mapping.poll()
    assert again is not None
    assert again.messages[0]["MessageId"] == message["MessageId"]
    assert jobs.calls == ["job-dup"] * 3
    assert jobs.generated == ["job-dup"]
    assert [i.failed() for i in (first, second, again)] == [[], [], []]


def test_the_runner_is_built_once_per_execution_environment(
    sqs: SqsQueues, make_handler: Maker
) -> None:
    queue = sqs.queue()
    built: list[FakeJobs] = []

    def build() -> FakeJobs:
        built.append(FakeJobs())
        return built[-1]

    enqueue(queue.url, "a", "b")
    mapping = EventSourceMapping(sqs, queue, make_handler(build))
    assert mapping.poll() is not None
    assert mapping.poll() is not None
    assert len(built) == 1
    assert built[0].generated == ["a", "b"]


@pytest.mark.parametrize(
    "event",
    [{}, {"Records": "x"}, {"Records": [{"body": "{}"}]}, {"Records": [{"messageId": ""}]}],
)
def test_an_event_that_is_not_sqs_fails_the_invocation(
    event: dict[str, object], make_handler: Maker
) -> None:
    handler = make_handler(lambda: FakeJobs())
    with pytest.raises(NotAnSqsEvent):
        handler(event, None)
