"""moto's SQS for the job-queue tests: queues with a dead-letter queue, and Lambda's side.

``EventSourceMapping`` does what Lambda's SQS event source mapping does with a queue
(AWS Lambda Developer Guide, "Using Lambda with Amazon SQS" and "Handling errors for an
SQS event source in Lambda"): it receives messages, turns each into an event record of
the documented shape, invokes the handler with the batch, and deletes every message
the handler's ``batchItemFailures`` does not name. The records are built from messages
moto really delivered (their ids, receipt handles, bodies and receive counts).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3

from application.ports.job_queue import JobRunOutcome

REGION = "us-east-1"  # tests.conftest.TEST_CREDENTIALS' region


@dataclass(frozen=True)
class Queue:
    """A job queue and its dead-letter queue."""

    url: str
    arn: str
    dead_letter_url: str
    max_receive_count: int


class SqsQueues:
    """The SQS API of a moto server (a plain boto3 client: the test's own view)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.api: Any = boto3.client(
            "sqs", region_name=REGION, endpoint_url=endpoint,
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )  # fmt: skip

    def queue(self, max_receive_count: int = 3, visibility_seconds: int = 30) -> Queue:
        """A new standard queue whose redrive policy moves a message to its DLQ after
        ``max_receive_count`` receives (as the SAM template's queue does)."""
        name = f"dgs-jobs-{uuid.uuid4().hex[:10]}"
        dead_letter_url = self.api.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dead_letter_arn = self.arn(dead_letter_url)
        redrive = {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": max_receive_count}
        url = self.api.create_queue(
            QueueName=name,
            Attributes={
                "VisibilityTimeout": str(visibility_seconds),
                "RedrivePolicy": json.dumps(redrive),
            },
        )["QueueUrl"]
        return Queue(url, self.arn(url), dead_letter_url, max_receive_count)

    def arn(self, url: str) -> str:
        attributes = self.api.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return str(attributes["Attributes"]["QueueArn"])

    def send(self, url: str, body: str) -> str:
        """Send a raw body (e.g. a malformed one); returns the message id."""
        return str(self.api.send_message(QueueUrl=url, MessageBody=body)["MessageId"])

    def receive(
        self, url: str, count: int = 10, visibility_seconds: int = 30
    ) -> list[dict[str, Any]]:
        """Messages visible now (no waiting), hidden for ``visibility_seconds`` after."""
        response = self.api.receive_message(
            QueueUrl=url, MaxNumberOfMessages=count, WaitTimeSeconds=0,
            VisibilityTimeout=visibility_seconds, MessageSystemAttributeNames=["All"],
        )  # fmt: skip
        return list(response.get("Messages", []))

    def expire(self, url: str, messages: list[dict[str, Any]]) -> None:
        """Their visibility timeout passes: they are visible again at once."""
        for message in messages:
            self.api.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )

    def counts(self, url: str) -> tuple[int, int]:
        """(visible, in flight) messages of a queue."""
        attributes = self.api.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return (
            int(attributes["ApproximateNumberOfMessages"]),
            int(attributes["ApproximateNumberOfMessagesNotVisible"]),
        )


def lambda_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """The event record Lambda makes of a received message (the documented shape)."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


@dataclass
class Invocation:
    """One batch: the messages received, the event sent, the handler's answer."""

    messages: list[dict[str, Any]]
    event: dict[str, Any]
    response: dict[str, Any]

    def failed(self) -> list[str]:
        """The message ids the handler reported failed."""
        return [f["itemIdentifier"] for f in self.response["batchItemFailures"]]

    def failed_messages(self) -> list[dict[str, Any]]:
        """The messages the handler reported failed (still on the queue, in flight)."""
        failed = set(self.failed())
        return [m for m in self.messages if m["MessageId"] in failed]


class EventSourceMapping:
    """Lambda's poller for one queue, invoking ``handler`` with batches of ``batch_size``."""

    def __init__(self, sqs: SqsQueues, queue: Queue, handler: Any, batch_size: int = 1) -> None:
        self.sqs, self.queue, self.handler, self.batch_size = sqs, queue, handler, batch_size

    def poll(self) -> Invocation | None:
        """Receive one batch and invoke the handler; None when the queue has nothing."""
        messages = self.sqs.receive(self.queue.url, self.batch_size)
        if not messages:
            return None
        event = {"Records": [lambda_record(m, self.queue.arn) for m in messages]}
        response = self.handler(event, None)
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        for message in messages:  # Lambda deletes what succeeded; the rest reappear later
            if message["MessageId"] not in failed:
                self.sqs.api.delete_message(
                    QueueUrl=self.queue.url, ReceiptHandle=message["ReceiptHandle"]
                )
        return Invocation(messages, event, response)


@dataclass
class FakeJobs:
    """The job core in miniature: a job id is claimed once (an in-memory set, standing in
    for the store's conditional claim), so a repeated delivery generates nothing.

    ``outcomes`` fixes what some job ids answer (without claiming); ``seconds`` is how
    long a generation takes.
    """

    outcomes: dict[str, JobRunOutcome] = field(default_factory=dict)
    seconds: float = 0.0
    calls: list[str] = field(default_factory=list)
    generated: list[str] = field(default_factory=list)
    claimed: set[str] = field(default_factory=set)
    running: int = 0
    most_at_once: int = 0

    async def __call__(self, job_id: str) -> JobRunOutcome:
        self.calls.append(job_id)
        if job_id in self.outcomes:
            return self.outcomes[job_id]
        if job_id in self.claimed:
            return JobRunOutcome.DONE  # the claim fails: another delivery ran it
        self.claimed.add(job_id)
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await asyncio.sleep(self.seconds)
        finally:
            self.running -= 1
        self.generated.append(job_id)
        return JobRunOutcome.DONE
