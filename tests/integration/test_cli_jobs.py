"""``dgs generate --async`` and ``dgs jobs``: jobs started from the CLI run on a serving
process's worker pool (here: the pool of a container on the same SQLite file, in a
thread, as ``dgs serve`` runs it), and ``watch`` ends with the job's outcome."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from entrypoints.cli import main
from entrypoints.container import build_container, shutdown
from entrypoints.settings import load_settings
from tests.integration.conftest import COMPATIBLE_KEY
from tests.integration.test_generation_llm import IDM, LESSON
from tests.support.scripted_openai import ScriptedOpenAI, error, json_completion, slow


@pytest.fixture(autouse=True)
def local_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DGS_SQLITE_PATH", str(tmp_path / "dgs.sqlite3"))
    monkeypatch.delenv("DGS_JOB_QUEUE_URL", raising=False)
    for name in ("GEMINI_API_KEY", "OPENROUTER_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


class ServingPool:
    """The worker pool a ``dgs serve`` process starts, run in a thread on its own loop."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()))

    async def _serve(self) -> None:
        container = build_container(load_settings())
        pool = container.worker_pool()
        await pool.start()  # sweeps at once: a job due at once is taken now
        try:
            while not self._stop.is_set():
                await asyncio.sleep(0.02)
        finally:
            await pool.stop()
            await shutdown(container)

    def __enter__(self) -> ServingPool:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def started(capsys: pytest.CaptureFixture[str], topic: str = "Tides") -> str:
    code, out, err = run(capsys, "generate", topic, "--async")
    assert code == 0
    assert "dgs serve" in err  # it says where the job will run
    return out.strip()


def test_a_cli_job_runs_on_the_serving_pool_and_watch_exits_0(
    compatible_row: ScriptedOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    compatible_row.script(slow(json_completion(IDM), 0.4), slow(json_completion(LESSON), 0.4))
    code, out, _ = run(capsys, "generate", "Photosynthesis", "--async", "--json")
    assert code == 0
    job = json.loads(out)
    assert (job["status"], job["topic"]) == ("queued", "Photosynthesis")
    with ServingPool():
        code, out, _ = run(capsys, "jobs", "watch", job["job_id"], "--json", "--interval", "0.05")
    assert code == 0
    states = [json.loads(line) for line in out.splitlines()]
    phases = [s["phase"] for s in states if s["phase"]]
    assert (phases[0], phases[-1]) == ("collect", "store")
    assert "transform" in phases
    assert any(s["subphase"] == "ai_call_1_of_2" for s in states)
    final = states[-1]
    assert (final["status"], final["progress"], len(final["calls"])) == ("done", 100, 2)
    code, out, _ = run(capsys, "lessons", "get", final["lesson_id"], "--json")
    assert code == 0
    assert len(compatible_row.requests) == 2
    code, out, _ = run(capsys, "jobs", "get", final["job_id"])
    assert code == 0
    assert f"done     lesson {final['lesson_id']}" in out


def test_a_failed_job_exits_4_with_its_code(
    compatible_row: ScriptedOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    compatible_row.script(error(503))
    job_id = started(capsys)
    with ServingPool():
        code, out, _ = run(capsys, "jobs", "watch", job_id, "--interval", "0.05")
    assert code == 4
    assert "failed   provider_unavailable" in out
    assert COMPATIBLE_KEY not in out


def test_a_canceled_job_never_runs_and_watch_exits_5(
    compatible_row: ScriptedOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = started(capsys)
    code, out, _ = run(capsys, "jobs", "cancel", job_id)
    assert (code, out.strip()) == (0, f"{job_id} canceled")
    code, out, _ = run(capsys, "jobs", "watch", job_id, "--json")
    assert code == 5
    assert json.loads(out.splitlines()[-1])["status"] == "canceled"
    code, _, err = run(capsys, "jobs", "cancel", job_id)
    assert code == 1
    assert "job_finished" in err
    assert compatible_row.requests == []


def test_list_pages_newest_first_and_unknown_jobs_exit_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = [started(capsys, topic) for topic in ("Tides", "Waves", "Rain")]
    code, out, _ = run(capsys, "jobs", "list", "--limit", "2", "--json")
    assert code == 0
    first = json.loads(out)
    code, out, _ = run(capsys, "jobs", "list", "--limit", "2", "--cursor", first["next_cursor"])
    assert code == 0
    assert [job["job_id"] for job in first["items"]] + [out.split()[0]] == ids[::-1]
    assert "next:" not in out
    for command in ("get", "watch", "cancel"):
        code, _, err = run(capsys, "jobs", command, "no-such-job")
        assert code == 1
        assert "not_found" in err
    code, _, err = run(capsys, "jobs", "list", "--cursor", "not-a-cursor")
    assert code == 2


@pytest.mark.slow  # a dgs process on a terminal
def test_watch_on_a_terminal_redraws_one_line_with_phase_progress_and_elapsed_time(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    job_id = started(capsys)
    code, _, _ = run(capsys, "jobs", "cancel", job_id)
    assert code == 0
    leader, follower = pty.openpty()
    try:
        ended = subprocess.run(
            [sys.executable, "-m", "entrypoints.cli", "jobs", "watch", job_id],
            stdout=follower, stderr=subprocess.PIPE, timeout=60, check=False,
            cwd=Path(__file__).parents[2],
        )  # fmt: skip
        os.close(follower)
        shown = b""
        while chunk := _read(leader):
            shown += chunk
    finally:
        os.close(leader)
    assert ended.returncode == 5, ended.stderr
    text = shown.decode()
    assert text.startswith("\rcanceled")  # the line redrawn in place, not a new line
    assert re.search(r"\[-{20}\]   0%\s+\d+\.\ds", text)  # the bar and the elapsed time
    assert text.rstrip().endswith("canceled nothing was stored")


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 4096)
    except OSError:  # the terminal's other end is closed: all was read
        return b""
