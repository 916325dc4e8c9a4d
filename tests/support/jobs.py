"""Job records for tests."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from application.jobs.records import JOB_TTL, JobRecord, JobSpec

OWNER = "USER#alice"


def make_job(
    now: datetime, owner: str = OWNER, key: str | None = None, topic: str = "Tides"
) -> JobRecord:
    """A new queued job, due for enqueueing again a minute from ``now``."""
    return JobRecord(
        job_id=str(uuid.uuid4()),
        owner=owner,
        status="queued",
        spec=JobSpec(topic),
        fingerprint="fp-" + topic,
        created_at=now,
        updated_at=now,
        expires_at=now + JOB_TTL,
        idempotency_key=key,
        lease_until=now + timedelta(minutes=1),
    )


class IdlePool:
    """A worker pool that runs nothing: jobs stay queued (tests that do not run jobs)."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None
