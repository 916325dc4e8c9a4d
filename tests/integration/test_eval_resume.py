"""``dgs eval`` interrupted and resumed, and the inputs it refuses before running anything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.support.eval_runs import read_report, read_results, run_cli, use_compatible, write_topics
from tests.support.scenarios import ScenarioServer, scenario_topics

TOPICS = scenario_topics({"clean": 6})


def wait_for_results(path: Path, lines: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text(encoding="utf-8").splitlines()) >= lines:
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError(f"{path} never reached {lines} lines")


@pytest.mark.slow  # an evaluation process interrupted
def test_an_interrupted_evaluation_resumes_where_it_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = ScenarioServer(TOPICS)
    server.delay = 0.3  # each call takes a while: the interruption lands mid-run
    server.start()
    try:
        use_compatible(monkeypatch, server)
        monkeypatch.setenv("DGS_SQLITE_PATH", str(tmp_path / "user.sqlite3"))
        topics = write_topics(tmp_path / "t.jsonl", TOPICS)
        out = tmp_path / "out"
        args = ["eval", "--topics", str(topics), "--concurrency", "1", "--out", str(out)]
        process = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", *args],
            env=dict(os.environ), cwd=tmp_path, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        wait_for_results(out / "results.jsonl", 2, process)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 130
        assert "interrupted" in stderr
        assert "run the same command again to resume" in stderr
        kept = len(read_results(out))
        assert 2 <= kept < len(TOPICS)
        with (out / "results.jsonl").open("a", encoding="utf-8") as results:
            results.write('{"config": "default", "topic_id": "cut sh')  # a write cut by a kill
        first_calls = server.calls("gatherer")
        server.delay = 0.0
        code, _, err = run_cli(capsys, *args)
        assert code == 0
        assert f"{kept} done, {len(TOPICS) - kept} to run" in err
    finally:
        server.stop()
    # Only the runs not kept were made again; every run is in the results once.
    assert server.calls("gatherer") - first_calls == len(TOPICS) - kept
    keys = Counter((r["topic_id"], r["run"]) for r in read_results(out))
    assert len(keys) == len(TOPICS)
    assert set(keys.values()) == {1}
    report = read_report(out)
    assert report["configs"][0]["runs"] == len(TOPICS)
    assert report["status"]["remaining"] == 0


def test_a_changed_configuration_is_not_mixed_into_earlier_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    topics = write_topics(tmp_path / "t.jsonl", ["Tides", "Volcanoes"])
    out = str(tmp_path / "out")
    assert run_cli(capsys, "eval", "--topics", str(topics), "--out", out)[0] == 0  # offline
    monkeypatch.setenv("DGS_COMPATIBLE_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("DGS_GATHERER_PROVIDER", "compatible")
    monkeypatch.setenv("DGS_GATHERER_MODEL", "another-model")
    monkeypatch.setenv("DGS_STRUCTURER_MODEL", "another-model")
    code, stdout, err = run_cli(capsys, "eval", "--topics", str(topics), "--out", out)
    assert code == 2
    assert "another configuration named 'default'" in err
    assert "use another --out" in err
    assert stdout == ""
    assert read_report(tmp_path / "out")["configs"][0]["runs"] == 2  # untouched


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"topic": "Tides"}\n{"topic": ""}\n', "t.jsonl:2: topic: the topic is empty"),
        ('{"topic": "Tides", "constraints": {"length": "Epic"}}\n', "t.jsonl:1: length"),
        ('{"topic": "Tides", "colour": "red"}\n', "t.jsonl:1: unknown field(s) colour"),
        ('{"topic": "Tides", "schema_version": "2.0"}\n', "t.jsonl:1: schema_version"),
        (
            '{"id": "a", "topic": "Tides"}\n{"id": "a", "topic": "Moon"}\n',
            "the id 'a' is given to two topics",
        ),
        ("not json\n", "t.jsonl:1: not valid JSON"),
        ("\n", "t.jsonl: no topics"),
    ],
)
def test_a_bad_topics_file_is_refused_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    topics = tmp_path / "t.jsonl"
    topics.write_text(content, encoding="utf-8")
    code, stdout, err = run_cli(
        capsys, "eval", "--topics", str(topics), "--out", str(tmp_path / "out")
    )
    assert code == 2
    assert message in err
    assert stdout == ""
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("second", "message"),
    [
        ("b.env", "DGS_STRUCTURER_MODLE: not a DGS setting"),  # a misspelt name
        ("c.env", "DGS_MODEL_MAX_ATTEMPTS"),  # a value out of range
        ("a.env", "different names"),  # the same file twice
        ("missing.env", "cannot be read"),
    ],
)
def test_a_bad_config_file_is_refused_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], second: str, message: str
) -> None:
    for name, content in {
        "a.env": "DGS_REPAIR_ENABLED=false\n",
        "b.env": "DGS_STRUCTURER_MODLE=gpt-4o-mini\n",
        "c.env": "DGS_MODEL_MAX_ATTEMPTS=99\n",
    }.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    compare = ["--compare", str(tmp_path / "a.env"), str(tmp_path / second)]
    code, stdout, err = run_cli(capsys, "eval", "--builtin", *compare, "--out", str(out))
    assert code == 2
    assert message in err
    assert stdout == ""
    assert not out.exists()
