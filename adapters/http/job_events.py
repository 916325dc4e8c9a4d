"""The Server-Sent Events of a job: one ``state`` event per change, until it ends.

The stream reads the job store at a short interval (any process may be running the job:
this one's pool, another container, an SQS worker), so it needs nothing but the record.
Comments keep idle connections open through proxies. Format: the WHATWG HTML standard,
section 9.2 "Server-sent events" (``event:``, ``id:``, ``data:`` lines; ``:`` comments).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import msgspec
from litestar.response import ServerSentEventMessage

from adapters.http import job_views
from adapters.http.job_event_timing import JobEvents
from application.jobs.records import JobRecord
from application.use_cases.jobs.manage import GetJob


def _event(record: JobRecord, request_id: str) -> ServerSentEventMessage:
    body = msgspec.json.encode(job_views.job(record, request_id)).decode()
    return ServerSentEventMessage(data=body, event="state", id=str(record.version))


async def job_events(
    first: JobRecord, jobs: GetJob, owner: str, request_id: str, timing: JobEvents
) -> AsyncIterator[ServerSentEventMessage]:
    """The job's state now, then each new version, ending after a final state."""
    record = first
    yield _event(record, request_id)
    quiet_since = time.monotonic()
    while not record.final:
        await asyncio.sleep(timing.poll_seconds)
        latest = await jobs(owner, record.job_id)
        if latest.version != record.version:
            record = latest
            yield _event(record, request_id)
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= timing.heartbeat_seconds:
            yield ServerSentEventMessage(data=None, comment="heartbeat")
            quiet_since = time.monotonic()
