"""The SAM template's job queue (issue 13): an SQS queue with a dead-letter queue, a worker
function fed by an event source mapping, timings derived from the generation deadline,
and IAM limited to this queue (send for the API, receive/delete for the worker)."""

from __future__ import annotations

import importlib
import json
from typing import Any

from entrypoints.settings import known_names
from tests.deploy.test_cognito_template import settings_as_deployed
from tests.deploy.test_deploy_files import API, WORKER, resource, statements, template

FUNCTION = "AWS::Serverless::Function"
QUEUE_ARN = {"Fn::GetAtt": ["JobQueue", "Arn"]}


def named(name: str) -> dict[str, Any]:
    return dict(template()["Resources"][name])


def test_a_standard_queue_moves_a_message_to_its_dlq_after_n_receives() -> None:
    queue, dead_letters = named("JobQueue"), named("JobDeadLetterQueue")
    assert queue["Type"] == dead_letters["Type"] == "AWS::SQS::Queue"
    assert "FifoQueue" not in queue["Properties"]  # duplicates are absorbed by the claim
    assert queue["Properties"]["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["JobDeadLetterQueue", "Arn"]},
        "maxReceiveCount": {"Ref": "JobMaxReceiveCount"},
    }
    assert template()["Parameters"]["JobMaxReceiveCount"]["Default"] == 3
    # the DLQ keeps messages longer than the queue, or they would expire there first
    assert (
        dead_letters["Properties"]["MessageRetentionPeriod"]
        > queue["Properties"]["MessageRetentionPeriod"]
    )


def test_the_timings_follow_from_the_generation_deadline() -> None:
    api, worker = resource(FUNCTION, API), resource(FUNCTION, WORKER)
    api_variables, variables = api["Environment"]["Variables"], worker["Environment"]["Variables"]
    # one job is one generation: the same deadline, the same Timeout, as the API's
    assert worker["Timeout"] == api["Timeout"]
    for name in ("DGS_GENERATION_DEADLINE_SECONDS", "DGS_DEPLOYMENT_TIMEOUT_SECONDS"):
        assert variables[name] == api_variables[name]
    assert float(variables["DGS_DEPLOYMENT_TIMEOUT_SECONDS"]) == worker["Timeout"]
    # and the settings accept that the deadline plus its writes fit the Timeout
    _, settings = settings_as_deployed(WORKER)
    assert settings.generation_deadline_seconds < worker["Timeout"]
    # SQS Developer Guide: the queue's visibility timeout at least six times the
    # function timeout; so a running job's message cannot reappear while it runs.
    visibility = named("JobQueue")["Properties"]["VisibilityTimeout"]
    assert visibility >= 6 * worker["Timeout"]
    assert visibility > settings.generation_deadline_seconds


def test_the_worker_is_fed_one_message_at_a_time_with_partial_batch_failures() -> None:
    (mapping,) = [
        r["Properties"]
        for r in template()["Resources"].values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
    ]
    assert mapping["EventSourceArn"] == QUEUE_ARN
    assert mapping["FunctionName"] == {"Ref": WORKER}
    assert mapping["BatchSize"] == 1
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    worker = resource(FUNCTION, WORKER)
    concurrency = {"Ref": "WorkerReservedConcurrency"}
    assert worker["ReservedConcurrentExecutions"] == concurrency
    assert mapping["ScalingConfig"]["MaximumConcurrency"] == concurrency  # never throttled
    # a SAM SQS event would attach AWSLambdaSQSQueueExecutionRole (every queue)
    assert "Events" not in worker


def test_the_worker_handler_is_the_sqs_one_and_its_settings_load() -> None:
    worker = resource(FUNCTION, WORKER)
    module, _, attribute = worker["Handler"].rpartition(".")
    assert callable(getattr(importlib.import_module(module), attribute))
    assert worker["Runtime"] == resource(FUNCTION, API)["Runtime"]
    assert set(worker["Environment"]["Variables"]) <= known_names()
    environment, settings = settings_as_deployed(WORKER)
    assert settings.storage == "dynamodb"
    assert settings.cursor_secret is not None  # DynamoDB cursors need it
    assert not {n for n in environment if n.startswith(("DGS_DEV_KEY", "DGS_COGNITO"))}
    assert "FunctionUrlConfig" not in worker  # not reachable over HTTP


def test_the_api_enqueues_to_the_queue_and_may_only_send() -> None:
    environment, settings = settings_as_deployed(API)
    assert resource(FUNCTION, API)["Environment"]["Variables"]["DGS_JOB_QUEUE_URL"] == {
        "Ref": "JobQueue"
    }
    assert settings.job_queue_url == environment["DGS_JOB_QUEUE_URL"]
    found = statements(API)
    assert found["EnqueueJobs"]["Action"] == "sqs:SendMessage"
    assert found["EnqueueJobs"]["Resource"] == QUEUE_ARN
    assert _queue_actions(found) == {"sqs:SendMessage"}


def test_the_worker_may_only_consume_the_queue() -> None:
    found = statements(WORKER)
    assert found["ConsumeJobs"]["Resource"] == QUEUE_ARN
    assert _queue_actions(found) == {
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
    }  # fmt: skip


def test_the_worker_reads_the_apis_table_and_secrets_but_not_the_dev_key() -> None:
    api, worker = statements(API), statements(WORKER)
    assert worker["LessonTableItems"] == api["LessonTableItems"]
    assert worker["DecryptSecretsThroughTheirService"] == api["DecryptSecretsThroughTheirService"]
    for sid in ("ReadOwnSecrets", "ReadOwnParameters"):
        without_dev_key = [r for r in api[sid]["Resource"] if "DevKeySecret" not in str(r)]
        assert worker[sid] == {**api[sid], "Resource": without_dev_key}
    assert set(worker) == set(api) - {"EnqueueJobs", "QueryJobIndexes"} | {"ConsumeJobs"}


def test_the_stack_outputs_the_queue_urls() -> None:
    outputs = template()["Outputs"]
    assert outputs["JobQueueUrl"]["Value"] == {"Ref": "JobQueue"}
    assert outputs["JobDeadLetterQueueUrl"]["Value"] == {"Ref": "JobDeadLetterQueue"}


def _queue_actions(found: dict[str, Any]) -> set[str]:
    """Every sqs: action in these statements (each must name the job queue alone)."""
    actions: set[str] = set()
    for statement in found.values():
        listed = statement["Action"]
        for action in [listed] if isinstance(listed, str) else listed:
            if action.startswith("sqs:"):
                assert statement["Resource"] == QUEUE_ARN, json.dumps(statement)
                actions.add(action)
    return actions


def test_the_table_has_the_job_indexes_the_adapter_queries() -> None:
    from adapters.dynamodb.job_keys import index_definitions

    table = named("LessonsTable")["Properties"]
    attributes, indexes = index_definitions()
    assert {a["AttributeName"]: a["AttributeType"] for a in attributes}.items() <= {
        a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]
    }.items()
    declared = {
        index["IndexName"]: (index["KeySchema"], index["Projection"])
        for index in table["GlobalSecondaryIndexes"]
    }
    assert declared == {i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in indexes}
    # Provisioned like the table: the free tier's 25 units cover the table and its indexes.
    units = table["ProvisionedThroughput"]["ReadCapacityUnits"] + sum(
        i["ProvisionedThroughput"]["ReadCapacityUnits"] for i in table["GlobalSecondaryIndexes"]
    )
    assert units <= 25


def test_the_api_may_query_the_job_indexes_by_name_and_the_worker_none() -> None:
    from adapters.dynamodb.job_keys import INDEXES

    statement = statements(API)["QueryJobIndexes"]
    assert statement["Action"] == "dynamodb:Query"
    assert statement["Resource"] == [
        {"Fn::Sub": f"${{LessonsTable.Arn}}/index/{name}"} for name in INDEXES
    ]
    assert "QueryJobIndexes" not in statements(WORKER)  # a worker runs jobs by id only
