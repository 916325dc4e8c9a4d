"""Job messages: what the API sends is what a worker reads; anything else is malformed."""

from __future__ import annotations

import json

import pytest

from adapters.sqs.client import SqsSettings
from adapters.sqs.messages import MalformedJobMessage, decode_job_message, encode_job_message


def test_a_job_message_round_trips_and_is_small() -> None:
    body = encode_job_message("job_01HZX")
    assert json.loads(body) == {"v": 1, "job_id": "job_01HZX"}
    assert decode_job_message(body) == "job_01HZX"
    assert len(body) < 100


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("", "not JSON"),
        ("[1]", "not a JSON object"),
        ('{"job_id": "j"}', "unknown message version"),
        ('{"v": 2, "job_id": "j"}', "unknown message version"),
        ('{"v": 1}', "job_id is missing"),
        ('{"v": 1, "job_id": 7}', "job_id is missing or not a string"),
        ('{"v": 1, "job_id": ""}', "printable characters"),
        ('{"v": 1, "job_id": "a\\nb"}', "printable characters"),
        (json.dumps({"v": 1, "job_id": "x" * 129}), "printable characters"),
        ("[" * 100_000, "not JSON"),
    ],
)
def test_malformed_bodies_are_refused_with_the_reason(body: str, reason: str) -> None:
    with pytest.raises(MalformedJobMessage, match=reason):
        decode_job_message(body)


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("https://sqs.eu-west-1.amazonaws.com/123456789012/dgs-jobs", None),
        ("http://127.0.0.1:4566/000000000000/dgs-jobs", "http://127.0.0.1:4566"),
        ("http://elasticmq:9324/queue/dgs-jobs", "http://elasticmq:9324"),
    ],
)
def test_a_queue_url_off_aws_names_its_own_endpoint(url: str, endpoint: str | None) -> None:
    assert SqsSettings(queue_url=url).endpoint_url == endpoint
