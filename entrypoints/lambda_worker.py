"""AWS Lambda entry for the job worker: SQS events in, a partial batch response out.

The event loop and the job runner are made once per execution environment and reused by
every warm invocation (the runner on first use, so a cold start imports only what this
handler needs). Logs are JSON lines on standard output, as for the API function.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from adapters.lambda_.sqs_events import BatchResponse, handle_sqs_event
from application.ports.job_queue import RunJob

LambdaHandler = Callable[[dict[str, Any], Any], BatchResponse]


def make_handler(run_job: Callable[[], RunJob]) -> LambdaHandler:
    """A Lambda handler running each record's job with the runner ``run_job()`` returns."""
    loop = asyncio.new_event_loop()
    runner: list[RunJob] = []

    def handle(event: dict[str, Any], context: Any) -> BatchResponse:
        if not runner:
            runner.append(run_job())
        return loop.run_until_complete(handle_sqs_event(event, runner[0]))

    return handle


def _production_runner() -> RunJob:
    from entrypoints.observability import configure_logging
    from entrypoints.queue_wiring import build_run_job
    from entrypoints.settings import load_settings

    settings = load_settings()
    configure_logging(settings, "lambda")
    return build_run_job(settings)


handler = make_handler(_production_runner)
