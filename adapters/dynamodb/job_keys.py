"""The job items' keys and the table's three job indexes.

- ``pk=JOB#{job_id}, sk=JOB``: the whole job record (a get is one consistent GetItem).
- ``pk=JOBKEY#{owner}#{idempotency key}, sk=JOBKEY``: which job a key made (written in
  one transaction with the job, so one key makes one job).
- GSI ``jobs_by_owner`` (``jobs_owner``, ``jobs_at``) lists an owner's jobs newest
  first; GSI ``jobs_by_status`` (``jobs_owner_status``, ``jobs_at``) the same for one
  status, so a status filter is a key condition, not a filter over every job; GSI
  ``jobs_due`` (``jobs_active``, ``jobs_lease``) is sparse: only queued and running jobs
  carry its key, so the sweeper reads just the active jobs past their lease.
Items carry ``ttl`` (epoch seconds) so DynamoDB deletes expired jobs; code ignores them
before that.
"""

from __future__ import annotations

from typing import Any

ACTIVE = "JOBS#ACTIVE"
INDEXES: dict[str, tuple[str, str]] = {
    "jobs_by_owner": ("jobs_owner", "jobs_at"),
    "jobs_by_status": ("jobs_owner_status", "jobs_at"),
    "jobs_due": ("jobs_active", "jobs_lease"),
}


def job_key(job_id: str) -> dict[str, str]:
    """The key of a job's item."""
    return {"pk": f"JOB#{job_id}", "sk": "JOB"}


def job_idempotency_key(owner: str, key: str) -> dict[str, str]:
    """The key of the item naming the job an idempotency key made."""
    return {"pk": f"JOBKEY#{owner}#{key}", "sk": "JOBKEY"}


def owner_partition(owner: str, status: str | None = None) -> str:
    """The index partition of an owner's jobs (of one status, when given)."""
    return f"JOBS#{owner}" if status is None else f"JOBS#{owner}#{status}"


def index_definitions() -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """The attribute definitions and GSIs ``create_table`` adds for the jobs."""
    attributes = sorted({name for pair in INDEXES.values() for name in pair})
    definitions = [{"AttributeName": name, "AttributeType": "S"} for name in attributes]
    indexes = [
        {
            "IndexName": index,
            "KeySchema": [
                {"AttributeName": hash_key, "KeyType": "HASH"},
                {"AttributeName": range_key, "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
        for index, (hash_key, range_key) in INDEXES.items()
    ]
    return definitions, indexes
