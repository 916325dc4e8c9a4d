"""``dgs store init`` and ``dgs lessons list|get`` against the store the settings select."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from entrypoints.cli import main
from entrypoints.container import build_container, shutdown
from entrypoints.settings import load_settings
from tests.conftest import use_test_credentials
from tests.support.dynamo_proxy import DynamoProxy
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
    assert (code, out.strip()) == (
        0,
        "dry run: 3 lessons of TENANT#default would move to USER#sub-1",
    )
    assert len(json.loads(run(capsys, "lessons", "list", "--json")[1])["items"]) == 2

    async def interrupted() -> None:  # a run stopped after its first lesson
        container = build_container(load_settings())
        lessons = container.lessons()
        assert await lessons.reassign(ids[1], "TENANT#default", "USER#sub-1")
        assert not await lessons.reassign(ids[1], "TENANT#default", "USER#sub-1")  # moved
        await shutdown(container)

    asyncio.run(interrupted())
    code, out, _ = run(capsys, "store", "assign-owner", "--to", "sub-1")
    assert (code, out.strip()) == (0, "moved 2 of 2 lessons of TENANT#default to USER#sub-1")
    code, out, _ = run(capsys, "store", "assign-owner", "--to", "sub-1")  # nothing left
    assert out.strip() == "moved 0 of 0 lessons of TENANT#default to USER#sub-1"
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
