"""``dgs store init`` and ``dgs lessons list|get`` against the store the settings select."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.dynamodb import codec
from adapters.serialization import repair_blob
from application.ports.generation import RepairRecord
from application.ports.idempotency import Claimed, Completed, IdempotencyScope
from application.principal import DEV_TENANT
from entrypoints.cli import main
from entrypoints.container import build_container, shutdown
from entrypoints.settings import load_settings
from tests.conftest import use_test_credentials
from tests.support.dynamo_proxy import DynamoProxy
from tests.support.generation import IDM, INVALID, VALID
from tests.support.jobs import make_job
from tests.support.records import make_record


@pytest.fixture(params=["sqlite", "dynamodb"])
def store_env(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Settings in the environment, as a user would set them."""
    if request.param == "sqlite":
        monkeypatch.setenv("DGS_SQLITE_PATH", str(tmp_path / "data" / "dgs.sqlite3"))
        return "sqlite"
    proxy: DynamoProxy = request.getfixturevalue("moto_proxy")
    use_test_credentials(monkeypatch)
    monkeypatch.setenv("DGS_STORAGE", "dynamodb")
    monkeypatch.setenv("DGS_DYNAMODB_ENDPOINT_URL", proxy.url)
    monkeypatch.setenv("DGS_DYNAMODB_TABLE", f"cli-{uuid.uuid4().hex[:10]}")
    monkeypatch.setenv("DGS_CURSOR_SECRET", "cli-test-cursor-secret-000001")
    return "dynamodb"


def seed(count: int) -> list[str]:
    """Save lessons through the same container the CLI builds."""

    async def save() -> list[str]:
        container = build_container(load_settings())
        repository = container.lessons()
        start = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
        ids = []
        for n in range(count):
            record = make_record(
                start + timedelta(hours=n), title=f"Lesson {n}", tags=(f"t{n % 2}",)
            )
            await repository.save(record)
            ids.append(record.lesson_id)
        await shutdown(container)
        return ids

    return asyncio.run(save())


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_store_init_then_list_and_get(store_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "store", "init")
    assert code == 0
    assert ("SQLite store ready" if store_env == "sqlite" else "created") in out
    if store_env == "dynamodb":
        assert "already exists" in run(capsys, "store", "init")[1]
    ids = seed(5)

    code, out, _ = run(capsys, "lessons", "list", "--json", "--limit", "2")
    assert code == 0
    first = json.loads(out)
    assert [i["lesson_id"] for i in first["items"]] == [ids[4], ids[3]]
    assert first["next_cursor"]
    code, out, _ = run(
        capsys, "lessons", "list", "--json", "--limit", "2", "--cursor", first["next_cursor"]
    )
    assert [i["lesson_id"] for i in json.loads(out)["items"]] == [ids[2], ids[1]]

    code, out, _ = run(
        capsys, "lessons", "list", "--json", "--tag", "t0", "--from", "2026-11-01T13:00"
    )
    assert [i["lesson_id"] for i in json.loads(out)["items"]] == [ids[4], ids[2]]
    code, out, _ = run(capsys, "lessons", "list", "--q", "LESSON 3")
    assert ids[3] in out
    assert ids[2] not in out

    code, out, _ = run(capsys, "lessons", "get", ids[0], "--json")
    assert code == 0
    record = json.loads(out)
    assert record["title"] == "Lesson 0"
    assert record["meta"]["cost_usd"] == 0.000123456789
    assert record["lesson_json"]["title"] == "Photosynthesis"  # the API's GET shape


def test_errors_have_exit_codes(store_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "store", "init")[0] == 0
    code, _, err = run(capsys, "lessons", "get", str(uuid.uuid4()))
    assert code == 1
    assert "no lesson" in err
    code, _, err = run(capsys, "lessons", "list", "--cursor", "forged.cursor")
    assert code == 2
    assert "cursor" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["lessons", "list", "--limit", "0"])
    assert exit_info.value.code == 2


def test_bad_settings_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DGS_STORAGE", "postgres")
    code, _, err = run(capsys, "lessons", "list")
    assert code == 2
    assert "DGS_STORAGE" in err
    monkeypatch.setenv("DGS_STORAGE", "dynamodb")
    monkeypatch.delenv("DGS_CURSOR_SECRET", raising=False)
    code, _, err = run(capsys, "lessons", "list")
    assert code == 2
    assert "DGS_CURSOR_SECRET" in err


def test_an_unreachable_store_exits_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_test_credentials(monkeypatch)
    monkeypatch.setenv("DGS_STORAGE", "dynamodb")
    monkeypatch.setenv("DGS_DYNAMODB_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("DGS_DYNAMODB_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("DGS_CURSOR_SECRET", "cli-test-cursor-secret-000001")
    code, _, err = run(capsys, "lessons", "list")
    assert code == 3
    assert "did not answer" in err


def test_lessons_delete(store_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "store", "init")[0] == 0
    ids = seed(2)
    code, out, _ = run(capsys, "lessons", "delete", ids[0])
    assert (code, out.strip()) == (0, f"deleted {ids[0]}")
    code, _, err = run(capsys, "lessons", "get", ids[0])
    assert code == 1
    assert "no lesson" in err
    code, out, _ = run(capsys, "lessons", "list", "--json")
    assert [i["lesson_id"] for i in json.loads(out)["items"]] == [ids[1]]
    code, _, err = run(capsys, "lessons", "delete", ids[0])  # deleted already: not found
    assert code == 1
    assert "no lesson" in err


def test_assign_owner_moves_the_tenants_lessons_resumably(
    store_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "store", "init")[0] == 0
    ids = seed(3)
    assert run(capsys, "lessons", "delete", ids[0])[0] == 0  # a deleted one moves too
    code, out, _ = run(capsys, "store", "assign-owner", "--to", "sub-1", "--dry-run")
    assert (code, counts(out)) == (0, {"lessons": "3"})
    assert out.splitlines()[0] == "dry run: would move from TENANT#default to USER#sub-1"
    assert len(json.loads(run(capsys, "lessons", "list", "--json")[1])["items"]) == 2

    async def interrupted() -> None:  # a run stopped after its first lesson
        container = build_container(load_settings())
        lessons = container.lessons()
        assert await lessons.reassign(ids[1], "TENANT#default", "USER#sub-1")
        assert not await lessons.reassign(ids[1], "TENANT#default", "USER#sub-1")  # moved
        await shutdown(container)

    asyncio.run(interrupted())
    code, out, _ = run(capsys, "store", "assign-owner", "--to", "sub-1")
    assert (code, counts(out)) == (0, {"lessons": "2 of 2"})
    assert out.splitlines()[0] == "moved from TENANT#default to USER#sub-1"
    code, out, _ = run(capsys, "store", "assign-owner", "--to", "sub-1")  # nothing left
    assert (code, counts(out)) == (0, {})
    assert "  lessons              0 of 0" in out.splitlines()
    assert json.loads(run(capsys, "lessons", "list", "--json")[1])["items"] == []

    async def owned() -> tuple[list[str], int]:
        from application.records import LessonQuery

        container = build_container(load_settings())
        page = await container.lessons().list_summaries("USER#sub-1", LessonQuery())
        total = len(await container.lessons().owned("USER#sub-1", 10))
        await shutdown(container)
        return [s.lesson_id for s in page.items], total

    listed, total = asyncio.run(owned())
    assert (sorted(listed), total) == (sorted(ids[1:]), 3)  # the deleted one stays deleted
    code, _, err = run(capsys, "store", "assign-owner", "--to", "USER#x")
    assert code == 2
    assert "not a user's sub" in err


def counts(out: str) -> dict[str, str]:
    """The per-kind lines of assign-owner's report, kinds with nothing left out."""
    kinds = ("lessons", "jobs", "idempotency records", "repair records")
    found = {}
    for line in out.splitlines()[1:]:
        kind = next(k for k in kinds if line.strip().startswith(k))
        found[kind] = line.strip()[len(kind) :].strip()
    assert list(found) == list(kinds), out  # every kind, in this order
    return {kind: n for kind, n in found.items() if n not in ("0", "0 of 0")}


def test_assign_owner_moves_every_kind_the_tenant_owns(
    store_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "store", "init")[0] == 0
    user = "USER#sub-2"
    scope = IdempotencyScope(DEV_TENANT, "POST /v1/lessons/generate", "key-1")

    async def hold() -> tuple[str, str]:  # one of each kind, the tenant's
        container = build_container(load_settings())
        now = container.clock().now()
        claim = await container.idempotency().claim(scope, "fp", timedelta(seconds=60))
        assert isinstance(claim, Claimed)
        lesson = make_record(now, idempotency_key=scope.key)
        await container.idempotency().complete(scope, claim.owner, lesson, '{"replay": 1}')
        job = make_job(now, owner=DEV_TENANT, key="job-key")
        await container.jobs().create(job)
        await container.repair_log().record(
            RepairRecord(IDM, INVALID, (), VALID, "valid", "1.1", "v1", owner=DEV_TENANT)
        )
        await shutdown(container)
        return lesson.lesson_id, job.job_id

    lesson_id, job_id = asyncio.run(hold())
    code, out, _ = run(capsys, "store", "assign-owner", "--to", "sub-2", "--dry-run")
    every = {"lessons": "1", "jobs": "1", "idempotency records": "1", "repair records": "1"}
    assert (code, counts(out)) == (0, every)
    code, out, _ = run(capsys, "store", "assign-owner", "--to", "sub-2", "--dry-run")
    assert counts(out) == every  # a dry run changed nothing
    code, out, _ = run(capsys, "store", "assign-owner", "--to", "sub-2")
    assert (code, counts(out)) == (0, {kind: f"{n} of {n}" for kind, n in every.items()})
    code, out, _ = run(capsys, "store", "assign-owner", "--to", "sub-2")
    assert counts(out) == {}  # resumed or repeated: nothing left to move

    async def owned_by_the_user() -> None:
        container = build_container(load_settings())
        user_scope = IdempotencyScope(user, scope.route, scope.key)
        replay = await container.idempotency().claim(user_scope, "fp", timedelta(seconds=60))
        assert replay == Completed(lesson_id, '{"replay": 1}')
        assert (await container.jobs().get(user, job_id)).owner == user
        assert await container.jobs().find(user, "job-key") is not None
        (kept,) = await container.repair_log().kept(user, 10)
        assert kept.document["invalid_lesson"] == INVALID
        assert (await container.lessons().get(user, lesson_id)).owner == user
        await shutdown(container)

    asyncio.run(owned_by_the_user())


def test_repair_records_kept_before_owners_become_the_tenants(
    store_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blob = repair_blob(RepairRecord(IDM, INVALID, (), VALID, "valid", "1.1", "v1", owner="-"))
    at = "2026-11-20T10:00:00.000000Z"
    if store_env == "sqlite":  # a file whose repairs table has no owner column yet
        (tmp_path / "data").mkdir()
        with closing(sqlite3.connect(tmp_path / "data" / "dgs.sqlite3")) as older:
            older.executescript(
                "CREATE TABLE repairs (repair_id TEXT PRIMARY KEY, created_at TEXT NOT NULL,"
                " outcome TEXT NOT NULL, record TEXT NOT NULL)"
            )
            older.execute("INSERT INTO repairs VALUES ('r-old', ?, 'valid', ?)", (at, blob))
            older.commit()
        assert run(capsys, "store", "init")[0] == 0
    else:  # a table holding a record as DGS kept them before owners
        assert run(capsys, "store", "init")[0] == 0

        async def put_legacy() -> None:
            container = build_container(load_settings())
            table = container.stores.table()
            legacy = {"pk": "REPAIR", "sk": f"{at}#r-old", "outcome": "valid", "record_gz": blob}
            await table.call(
                "put_item", TableName=table.name, Item=codec.to_attributes(
                    {**legacy, "ttl": int(datetime.now(UTC).timestamp()) + 86_400}
                ),
            )  # fmt: skip
            await shutdown(container)

        asyncio.run(put_legacy())
        code, out, _ = run(capsys, "store", "init")
        assert (code, out.splitlines()[1:]) == (
            0,
            ["1 repair records kept before owners given to TENANT#default"],
        )
    code, out, _ = run(capsys, "store", "assign-owner", "--to", "sub-3", "--dry-run")
    assert (code, counts(out)) == (0, {"repair records": "1"})


def test_store_init_adds_the_job_indexes_an_older_table_lacks(
    moto_proxy: DynamoProxy, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_test_credentials(monkeypatch)
    for name, value in {
        "DGS_STORAGE": "dynamodb", "DGS_DYNAMODB_ENDPOINT_URL": moto_proxy.url,
        "DGS_DYNAMODB_TABLE": f"old-{uuid.uuid4().hex[:10]}",
        "DGS_CURSOR_SECRET": "cli-test-cursor-secret-000001",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)

    async def create_old_table() -> None:  # as the SAM template made it before the jobs
        container = build_container(load_settings())
        table = container.stores.table()
        await table.call(
            "create_table",
            TableName=table.name,
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            BillingMode="PROVISIONED",
            ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        )
        await table.wait_until_exists()
        await shutdown(container)

    asyncio.run(create_old_table())
    code, out, _ = run(capsys, "jobs", "list")
    assert code == 3  # the job listing's index is missing
    code, out, _ = run(capsys, "store", "init")
    assert code == 0
    assert [line.split("'")[1] for line in out.splitlines()[1:]] == [
        "jobs_by_owner", "jobs_by_status", "jobs_due",
    ]  # fmt: skip
    code, out, _ = run(capsys, "store", "init")
    assert out.splitlines() == [out.splitlines()[0]]  # nothing more to add
    code, _, _ = run(capsys, "generate", "Tides", "--async")
    assert code == 0
    code, out, _ = run(capsys, "jobs", "list", "--json", "--status", "queued")
    assert code == 0
    assert [job["topic"] for job in json.loads(out)["items"]] == ["Tides"]
