"""Factories for the DynamoDB adapters that import them only when called.

The container refers to these instead of the classes, so selecting SQLite never
imports botocore or boto3 (about half a second of start-up).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from application.cursor import CursorCodec
from application.ports.clock import Clock, IdGenerator
from entrypoints.resources import Resources
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from adapters.dynamodb.cache import DynamoCache
    from adapters.dynamodb.client import DynamoTable
    from adapters.dynamodb.handover import DynamoIdempotencyHandover, DynamoJobHandover
    from adapters.dynamodb.idempotency import DynamoIdempotencyStore
    from adapters.dynamodb.jobs import DynamoJobStore
    from adapters.dynamodb.lessons import DynamoLessonRepository
    from adapters.dynamodb.rate_limit import DynamoRateLimiter
    from adapters.dynamodb.repairs import DynamoRepairLog


def table(settings: Settings, resources: Resources) -> DynamoTable:
    """The table connection the settings describe (closed at shutdown)."""
    from adapters.dynamodb.client import DynamoSettings, DynamoTable

    opened = DynamoTable(
        DynamoSettings(
            table=settings.dynamodb_table,
            region=settings.aws_region,
            endpoint_url=settings.dynamodb_endpoint_url,
            max_attempts=settings.dynamodb_max_attempts,
        )
    )
    resources.on_close(opened.close)
    return opened


def lessons(table: DynamoTable, cursors: CursorCodec, clock: Clock) -> DynamoLessonRepository:
    """The DynamoDB lesson repository."""
    from adapters.dynamodb.lessons import DynamoLessonRepository

    return DynamoLessonRepository(table, cursors, clock)


def idempotency(table: DynamoTable, clock: Clock, ids: IdGenerator) -> DynamoIdempotencyStore:
    """The DynamoDB idempotency store."""
    from adapters.dynamodb.idempotency import DynamoIdempotencyStore

    return DynamoIdempotencyStore(table, clock, ids)


def cache(table: DynamoTable, clock: Clock) -> DynamoCache:
    """The DynamoDB cache."""
    from adapters.dynamodb.cache import DynamoCache

    return DynamoCache(table, clock)


def rate_limiter(table: DynamoTable, clock: Clock) -> DynamoRateLimiter:
    """The DynamoDB rate limiter."""
    from adapters.dynamodb.rate_limit import DynamoRateLimiter

    return DynamoRateLimiter(table, clock)


def repair_log(
    table: DynamoTable, clock: Clock, ids: IdGenerator, ttl: timedelta
) -> DynamoRepairLog:
    """The DynamoDB repair log."""
    from adapters.dynamodb.repairs import DynamoRepairLog

    return DynamoRepairLog(table, clock, ids, ttl)


def jobs(table: DynamoTable, clock: Clock) -> DynamoJobStore:
    """The DynamoDB job store (``JOB#`` items with a TTL)."""
    from adapters.dynamodb.jobs import DynamoJobStore

    return DynamoJobStore(table, clock)


def idempotency_handover(table: DynamoTable, clock: Clock) -> DynamoIdempotencyHandover:
    """Hands an owner's idempotency records to another (``dgs store assign-owner``)."""
    from adapters.dynamodb.handover import DynamoIdempotencyHandover

    return DynamoIdempotencyHandover(table, clock)


def job_handover(table: DynamoTable, clock: Clock) -> DynamoJobHandover:
    """Hands an owner's jobs to another (``dgs store assign-owner``)."""
    from adapters.dynamodb.handover import DynamoJobHandover

    return DynamoJobHandover(table, clock)
