"""The caller's jobs are its data: the export carries them and the erasure removes them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from entrypoints.container import build_container, shutdown
from entrypoints.settings import Settings
from tests.support.jobs import OWNER, make_job


async def test_the_export_carries_the_owners_jobs_and_the_erasure_removes_them(
    tmp_path: Path,
) -> None:
    container = build_container(Settings(sqlite_path=tmp_path / "dgs.sqlite3"))
    try:
        jobs = container.jobs()
        now = datetime.now(UTC)
        mine = [make_job(now, key=f"k-{n}") for n in range(3)]
        theirs = make_job(now, owner="USER#bob")
        for job in (*mine, theirs):
            await jobs.create(job)
        page = await container.export_account()(OWNER, None)
        assert {j.job_id for j in page.jobs} == {j.job_id for j in mine}
        await container.erase_account()(OWNER, "203.0.113.7")
        assert (await jobs.list(OWNER)).items == ()
        assert (await container.export_account()(OWNER, None)).jobs == ()
        assert await jobs.get("USER#bob", theirs.job_id) == theirs  # another's data stays
    finally:
        await shutdown(container)
