"""``dgs worker``: run generation jobs from the SQS queue (``DGS_JOB_QUEUE_URL``).

API containers enqueue; any number of worker containers consume, each running up to
``--concurrency`` jobs (default ``DGS_WORKER_CONCURRENCY``). SIGTERM or SIGINT stops
taking messages and gives running jobs a grace period; a second signal (or the end of
the grace) cancels them and releases their messages to another worker.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from adapters.sqs.consumer import ConsumerSettings, SqsJobConsumer, StopSignal
from adapters.sqs.depth import reporting_depth
from application.ports.job_queue import RunJob
from entrypoints import queue_wiring
from entrypoints.commands import EXIT_BAD_INPUT, EXIT_OK
from entrypoints.commands.terminal import fail
from entrypoints.observability import configure_logging
from entrypoints.queue_wiring import sqs_queue
from entrypoints.settings import Settings, SettingsError, load_settings

log = logging.getLogger("dgs.worker")


def worker(args: argparse.Namespace) -> int:
    """Consume the job queue until SIGTERM or SIGINT."""
    try:
        settings = load_settings()
        sqs_queue(settings)  # the queue URL is required: say so before anything starts
    except SettingsError as exc:
        return fail("worker", str(exc), EXIT_BAD_INPUT)
    configure_logging(settings, "container")
    run_job = queue_wiring.build_run_job(settings)  # the job core's runner
    concurrency = args.concurrency or settings.worker_concurrency
    asyncio.run(consume(settings, run_job, ConsumerSettings(concurrency=concurrency)))
    return EXIT_OK


async def consume(settings: Settings, run_job: RunJob, consumer: ConsumerSettings) -> None:
    """Run ``run_job`` for each message of the settings' queue until a stop signal."""
    stop = StopSignal.new()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.request)
    queue = sqs_queue(settings)
    log.info("worker: %s, %d job(s) at a time", settings.job_queue_url, consumer.concurrency)
    depth = asyncio.create_task(reporting_depth(queue))  # a `queue` line every minute
    try:
        await SqsJobConsumer(queue, run_job, consumer).run(stop)
    finally:
        depth.cancel()
        await asyncio.gather(depth, return_exceptions=True)
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(number)
        await queue.close()
    log.info("worker: stopped")
