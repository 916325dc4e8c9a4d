"""One adapters container per store; the settings' ``DGS_STORAGE`` picks one, once.

Each gives every storage port (``lessons``, ``idempotency``, ``cache``, ``rate_limiter``,
``repair_log``, ``jobs``, and the ``idempotency_handover`` and ``job_handover`` of ``dgs
store assign-owner``) under the same names, from the parts the composition root shares with it
(settings, clock, ids, cursors, resources). The DynamoDB adapters come from
``dynamo_wiring`` factories, so their heavy imports (botocore, boto3) happen only when the
settings select DynamoDB.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from dependency_injector import containers, providers

from adapters.sqlite.cache import SqliteCache
from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.handover import SqliteIdempotencyHandover, SqliteJobHandover
from adapters.sqlite.idempotency import SqliteIdempotencyStore
from adapters.sqlite.jobs import SqliteJobStore
from adapters.sqlite.lessons import SqliteLessonRepository
from adapters.sqlite.rate_limit import SqliteRateLimiter
from adapters.sqlite.repairs import SqliteRepairLog
from application.cursor import CursorCodec
from application.ports.clock import Clock, IdGenerator
from entrypoints import dynamo_wiring
from entrypoints.resources import Resources
from entrypoints.settings import Settings


def repair_log_ttl(settings: Settings) -> timedelta:
    """How long repair records are kept."""
    return timedelta(days=settings.repair_log_ttl_days)


def _open_sqlite(settings: Settings, resources: Resources) -> SqliteDatabase:
    database = SqliteDatabase(settings.sqlite_path)
    resources.on_close(database.close)
    return database


class StoreParts(containers.DeclarativeContainer):
    """What the composition root gives every store's container (each one's dependencies).

    A subclass names them ``StoreParts.x``; each instance gets its own copies.
    """

    settings = providers.Dependency(instance_of=Settings)
    clock: providers.Dependency[Clock] = providers.Dependency()
    ids: providers.Dependency[IdGenerator] = providers.Dependency()
    cursors = providers.Dependency(instance_of=CursorCodec)
    resources = providers.Dependency(instance_of=Resources)
    repair_ttl = providers.Callable(repair_log_ttl, settings)


class SqliteAdapters(StoreParts):
    """The embedded store: one SQLite file (``DGS_SQLITE_PATH``) for every port."""

    database = providers.Singleton(_open_sqlite, StoreParts.settings, StoreParts.resources)
    lessons = providers.Singleton(
        SqliteLessonRepository, database, StoreParts.cursors, StoreParts.clock
    )
    idempotency = providers.Singleton(
        SqliteIdempotencyStore, database, StoreParts.clock, StoreParts.ids
    )
    cache = providers.Singleton(SqliteCache, database, StoreParts.clock)
    rate_limiter = providers.Singleton(SqliteRateLimiter, database, StoreParts.clock)
    repair_log = providers.Singleton(
        SqliteRepairLog, database, StoreParts.clock, StoreParts.ids, StoreParts.repair_ttl
    )
    jobs = providers.Singleton(SqliteJobStore, database, StoreParts.clock)
    idempotency_handover = providers.Singleton(
        SqliteIdempotencyHandover, database, StoreParts.clock
    )
    job_handover = providers.Singleton(SqliteJobHandover, database, StoreParts.clock)


class DynamoAdapters(StoreParts):
    """DynamoDB: one table (``DGS_DYNAMODB_TABLE``) for every port."""

    table = providers.Singleton(dynamo_wiring.table, StoreParts.settings, StoreParts.resources)
    lessons = providers.Singleton(
        dynamo_wiring.lessons, table, StoreParts.cursors, StoreParts.clock
    )
    idempotency = providers.Singleton(
        dynamo_wiring.idempotency, table, StoreParts.clock, StoreParts.ids
    )
    cache = providers.Singleton(dynamo_wiring.cache, table, StoreParts.clock)
    rate_limiter = providers.Singleton(dynamo_wiring.rate_limiter, table, StoreParts.clock)
    repair_log = providers.Singleton(
        dynamo_wiring.repair_log, table, StoreParts.clock, StoreParts.ids, StoreParts.repair_ttl
    )
    jobs = providers.Singleton(dynamo_wiring.jobs, table, StoreParts.clock)
    idempotency_handover = providers.Singleton(
        dynamo_wiring.idempotency_handover, table, StoreParts.clock
    )
    job_handover = providers.Singleton(dynamo_wiring.job_handover, table, StoreParts.clock)


StoreAdapters = SqliteAdapters | DynamoAdapters
STORES: dict[Literal["sqlite", "dynamodb"], type[StoreAdapters]] = {
    "sqlite": SqliteAdapters,
    "dynamodb": DynamoAdapters,
}
