"""The stores every contract test runs against: SQLite, DynamoDB on moto, DynamoDB Local."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.dynamodb.cache import DynamoCache
from adapters.dynamodb.client import DynamoSettings, DynamoTable
from adapters.dynamodb.handover import DynamoIdempotencyHandover, DynamoJobHandover
from adapters.dynamodb.idempotency import DynamoIdempotencyStore
from adapters.dynamodb.jobs import DynamoJobStore
from adapters.dynamodb.lessons import DynamoLessonRepository
from adapters.dynamodb.rate_limit import DynamoRateLimiter
from adapters.dynamodb.repairs import DynamoRepairLog
from adapters.dynamodb.schema import create_table
from adapters.sqlite.cache import SqliteCache
from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.handover import SqliteIdempotencyHandover, SqliteJobHandover
from adapters.sqlite.idempotency import SqliteIdempotencyStore
from adapters.sqlite.jobs import SqliteJobStore
from adapters.sqlite.lessons import SqliteLessonRepository
from adapters.sqlite.rate_limit import SqliteRateLimiter
from adapters.sqlite.repairs import SqliteRepairLog
from adapters.system import RandomIds
from application.cursor import CursorCodec
from application.ports.account import Handover
from application.ports.cache import Cache
from application.ports.generation import RepairLog
from application.ports.idempotency import IdempotencyStore
from application.ports.jobs import JobStore
from application.ports.lessons import LessonRepository
from application.ports.rate_limit import RateLimiter
from tests.conftest import use_test_credentials
from tests.support.docker_probe import docker_unavailable_reason
from tests.support.dynamo_proxy import DynamoProxy
from tests.support.fakes import FakeClock

CURSOR_SECRET = b"contract-test-cursor-secret-0001"
REPAIR_TTL = timedelta(days=30)
DYNAMODB_LOCAL_IMAGE = "amazon/dynamodb-local:2.5.4"


@dataclass
class Stores:
    """One implementation of every storage port, sharing one clock."""

    kind: str
    lessons: LessonRepository
    idempotency: IdempotencyStore
    cache: Cache
    rate: RateLimiter
    repairs: RepairLog
    clock: FakeClock
    jobs: JobStore
    # What `dgs store assign-owner` hands over besides lessons and repair records.
    idempotency_handover: Handover
    job_handover: Handover
    proxy: DynamoProxy | None = None
    table: DynamoTable | None = None
    database: SqliteDatabase | None = None


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[str]:
    """DynamoDB Local in a container, when a Docker engine answers; skipped otherwise."""
    reason = docker_unavailable_reason()
    if reason is not None:
        pytest.skip(f"DynamoDB Local through testcontainers: {reason}")
    from testcontainers.core.container import DockerContainer

    container = DockerContainer(DYNAMODB_LOCAL_IMAGE).with_exposed_ports(8000)
    container.start()
    try:
        yield f"http://{container.get_container_host_ip()}:{container.get_exposed_port(8000)}"
    finally:
        container.stop()


# DynamoDB (moto's server, DynamoDB Local) is slow to set up per test: ``make unit`` leaves
# it out; SQLite runs every contract test there.
@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("dynamodb-moto", marks=pytest.mark.slow),
        pytest.param("dynamodb-local", marks=pytest.mark.slow),
    ]
)
async def stores(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Stores]:
    clock = FakeClock()
    ids = RandomIds()
    cursors = CursorCodec(CURSOR_SECRET)
    if request.param == "sqlite":
        database = SqliteDatabase(tmp_path / "data" / "dgs.sqlite3")
        yield Stores(
            "sqlite",
            SqliteLessonRepository(database, cursors, clock),
            SqliteIdempotencyStore(database, clock, ids),
            SqliteCache(database, clock),
            SqliteRateLimiter(database, clock),
            SqliteRepairLog(database, clock, ids, REPAIR_TTL),
            clock,
            SqliteJobStore(database, clock),
            SqliteIdempotencyHandover(database, clock),
            SqliteJobHandover(database, clock),
            database=database,
        )
        database.close()
        return
    use_test_credentials(monkeypatch)
    proxy: DynamoProxy | None = None
    if request.param == "dynamodb-moto":
        proxy = request.getfixturevalue("moto_proxy")
        proxy.reset()  # no faults or records left over from another test
        endpoint = proxy.url
    else:
        endpoint = request.getfixturevalue("dynamodb_local")
    settings = DynamoSettings(
        table=f"dgs-{uuid.uuid4().hex[:12]}", endpoint_url=endpoint, compress_above=2048
    )
    table = DynamoTable(settings)
    await create_table(table)
    if proxy is not None:
        proxy.reset()
    yield Stores(
        request.param,
        DynamoLessonRepository(table, cursors, clock),
        DynamoIdempotencyStore(table, clock, ids),
        DynamoCache(table, clock),
        DynamoRateLimiter(table, clock),
        DynamoRepairLog(table, clock, ids, REPAIR_TTL),
        clock,
        DynamoJobStore(table, clock),
        DynamoIdempotencyHandover(table, clock),
        DynamoJobHandover(table, clock),
        proxy,
        table,
    )
    if proxy is not None:
        assert "Scan" not in proxy.operations(), "the DynamoDB adapter must never Scan"
    await table.close()
