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


class LambdaWorker:
    """The Lambda handler: runs each record's job with the runner ``build_runner()`` makes.

    One event loop for the execution environment's life (warm invocations reuse it and
    the clients bound to it); ``close`` is for tests, Lambda just freezes the process.
    """

    def __init__(self, build_runner: Callable[[], RunJob]) -> None:
        self._build_runner = build_runner
        self._runner: RunJob | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __call__(self, event: dict[str, Any], context: Any) -> BatchResponse:
        """Handle one SQS event; the answer is Lambda's partial batch response."""
        if self._runner is None:
            self._runner = self._build_runner()
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(handle_sqs_event(event, self._runner))

    def close(self) -> None:
        """Close the event loop."""
        if self._loop is not None:
            self._loop.close()
            self._loop = None


def _production_runner() -> RunJob:
    from entrypoints.observability import configure_logging
    from entrypoints.queue_wiring import build_run_job
    from entrypoints.settings import load_settings

    settings = load_settings()
    configure_logging(settings, "lambda")
    return build_run_job(settings)


handler = LambdaWorker(_production_runner)
