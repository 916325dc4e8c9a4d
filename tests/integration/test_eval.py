"""``dgs eval`` through the real pipeline against the scripted server: rates, tokens, costs,
the budget, the comparison of two configurations, and the offline provider."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.eval.topic_files import builtin_topics
from application.evaluation.outcome import RunResult
from application.evaluation.stats import rate_difference, wilson
from entrypoints.commands.eval_terminal import EvalProgress
from tests.support.eval_runs import (
    GATHERER_MODEL,
    STRUCTURER_MODEL,
    call_cost,
    read_report,
    read_results,
    run_cli,
    use_compatible,
    use_openai_prices,
    write_topics,
)
from tests.support.scenarios import BLANKLESS_PROMPT, USAGE, ScenarioServer, scenario_topics

CONTRACT = {"name", "runs", "valid_first_pass_rate", "valid_after_repair_rate", "repair_rate",
            "failed_by_code", "latency_ms", "tokens", "cost_usd"}  # fmt: skip


@pytest.fixture(autouse=True)
def user_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's configured store: the evaluation must leave it alone."""
    path = tmp_path / "user" / "dgs.sqlite3"
    monkeypatch.setenv("DGS_SQLITE_PATH", str(path))
    return path


def serve(
    scenarios: dict[str, str], **kwargs: dict[str, dict[str, str]]
) -> Iterator[ScenarioServer]:
    server = ScenarioServer(scenarios, **kwargs)
    server.start()
    yield server
    server.stop()


MIX = scenario_topics({"clean": 14, "repair": 4, "broken": 1, "bad_material": 1})


@pytest.fixture
def mixed(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScenarioServer]:
    for server in serve(MIX):
        use_compatible(monkeypatch, server)
        yield server


def stored_lessons(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        count: int = connection.execute("SELECT count(*) FROM lessons").fetchone()[0]
    return count


@pytest.mark.slow  # the scripted model server
def test_a_scripted_mix_reproduces_its_rates_exactly(
    mixed: ScenarioServer, tmp_path: Path, user_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    topics = write_topics(tmp_path / "topics.jsonl", MIX)
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(
        capsys,
        "eval",
        "--topics",
        str(topics),
        "--runs",
        "2",
        "--concurrency",
        "4",
        "--out",
        str(out),
    )
    assert code == 0
    report = read_report(out)
    [config] = report["configs"]
    assert set(config) >= CONTRACT
    # 20 topics x 2 runs: 14 clean (70%), 4 repaired (20%), 1 still invalid, 1 bad material.
    assert config["name"] == "default"
    assert config["runs"] == 40
    assert config["valid_first_pass_rate"] == 0.7
    assert config["valid_after_repair_rate"] == 0.9
    assert config["repair_rate"] == 0.25  # repaired + still invalid after its repair
    assert config["outcomes"] == {"valid_first_pass": 28, "valid_after_repair": 8, "failed": 4}
    assert config["failed_by_code"] == {"bad_model_output": 2, "invalid_after_repair": 2}
    low, high = wilson(36, 40).low, wilson(36, 40).high
    assert config["rate_intervals_95"]["valid_after_repair_rate"] == {"low": low, "high": high}
    # Exactly the scripted calls, each reporting USAGE (a refused call reports nothing).
    calls = {"gatherer": 40, "structurer": 38, "repair": 10}
    assert {step: mixed.calls(step) for step in calls} == calls
    assert config["calls"] == 40 - 2 + 38 + 10
    reported = {"gatherer": 38, "structurer": 38, "repair": 10}
    assert config["tokens"] == {
        key: sum(n * USAGE[step][index] for step, n in reported.items())
        for index, key in enumerate(("input", "output", "reasoning"))
    }
    # The broken prompt has no blank, and carries markup that prose may not carry.
    assert config["first_pass_errors_by_code"] == {
        "value.missing_text": 10,
        "value.unsafe_text": 10,
    }
    assert config["client_rule_violations"]["total"] == 0
    assert config["widget_mix"]["fillblank"] == 36  # one per valid lesson
    assert config["cache_hits"] == 0
    assert set(config["steps_latency_ms"]) == {"gather", "structure", "validate", "repair", "store"}
    assert config["latency_ms"]["p50"] <= config["latency_ms"]["p95"]
    # The failures, with their inputs, errors and raw output, for inspection.
    failures = report["failures"]
    assert (
        sorted(f["code"] for f in failures)
        == ["bad_model_output"] * 2 + ["invalid_after_repair"] * 2
    )
    broken = next(f for f in failures if f["code"] == "invalid_after_repair")
    assert broken["input"]["topic"] == "Scenario broken topic 001"
    assert {e["code"] for e in broken["errors"]} == {"value.missing_text", "value.unsafe_text"}
    assert BLANKLESS_PROMPT in broken["raw_output"]
    # The lessons went to the evaluation's own store, never the user's.
    assert stored_lessons(out / "store" / "default.sqlite3") == 36
    assert not user_store.exists()
    assert len(read_results(out)) == 40
    assert re.search(r"valid after repair\s+90\.0%", stdout)
    assert "report: " in stdout
    assert "no price for compatible/scripted-gatherer, compatible/scripted-structurer" in stderr
    # Not a terminal: one plain line per run, no bar redrawn with carriage returns.
    assert "\r" not in stdout
    assert stdout.count(" run 1: ") == stdout.count(" run 2: ") == 20


def test_the_progress_bar_redraws_one_line_on_a_terminal() -> None:
    screen = io.StringIO()
    progress = EvalProgress(total=3, out=screen, bar=True)
    result = RunResult("default", "t", 1, {"topic": "Tides"}, "valid_first_pass", False, 12.0)
    for _ in range(3):
        progress.finished(result)
    frames = screen.getvalue().split("\r")[1:]
    assert len(frames) == 3
    assert frames[0].startswith("[#########-------------------] 1/3 valid 1 failed 0")
    assert frames[2].startswith("[############################] 3/3")
    assert frames[2].endswith("\n")


@pytest.mark.slow  # the scripted model server
def test_costs_follow_the_price_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mix = scenario_topics({"clean": 7, "repair": 2, "broken": 1})
    for server in serve(mix):
        use_openai_prices(monkeypatch, server)
        out = tmp_path / "out"
        code, _, _ = run_cli(
            capsys,
            "eval",
            "--topics",
            str(write_topics(tmp_path / "t.jsonl", mix)),
            "--out",
            str(out),
        )
    assert code == 0
    [config] = read_report(out)["configs"]
    gather, structure = (
        call_cost("gatherer", GATHERER_MODEL),
        call_cost("structurer", STRUCTURER_MODEL),
    )
    repair = call_cost("repair", STRUCTURER_MODEL)  # the repair follows the structurer's model
    total = 10 * (gather + structure) + 3 * repair
    assert config["cost_usd"]["total"] == pytest.approx(total, abs=1e-8)
    assert config["cost_usd"]["per_lesson"] == pytest.approx(total / 10, abs=1e-8)
    assert config["cost_usd"]["per_valid_lesson"] == pytest.approx(total / 9, abs=1e-8)
    runs = {r["topic"]["topic"]: r for r in read_results(out)}
    clean = runs["Scenario clean topic 001"]
    assert [(c["step"], c["model"]) for c in clean["usage"]] == [
        ("gatherer", GATHERER_MODEL),
        ("structurer", STRUCTURER_MODEL),
    ]
    assert clean["cost_usd"] == pytest.approx(gather + structure, abs=1e-8)
    # The estimate made before each run is what `dgs estimate` says for the same request.
    code, estimate_json, _ = run_cli(capsys, "estimate", "Scenario clean topic 001", "--json")
    estimated = json.loads(estimate_json)
    assert clean["estimate"]["cost_high"] == estimated["cost_usd"]["high"]
    assert clean["estimate"]["cost_expected"] == estimated["cost_usd"]["expected"]
    compared = config["estimate_vs_actual"]
    assert compared["cost_usd"]["actual"] == pytest.approx(total, abs=1e-8)
    assert compared["cost_usd"]["estimated"] == pytest.approx(
        10 * estimated["cost_usd"]["expected"], abs=1e-7
    )
    assert compared["cost_usd"]["within_range_rate"] is not None


@pytest.mark.slow  # the scripted model server
def test_max_cost_stops_before_the_budget_would_be_exceeded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mix = scenario_topics({"clean": 6})
    for server in serve(mix):
        use_openai_prices(monkeypatch, server)
        _, estimate_json, _ = run_cli(capsys, "estimate", "Scenario clean topic 001", "--json")
        high = json.loads(estimate_json)["cost_usd"]["high"]
        actual = call_cost("gatherer", GATHERER_MODEL) + call_cost("structurer", STRUCTURER_MODEL)
        assert actual < high
        # Room for two runs and the high bound of a third, less a hair: two runs, then stop.
        budget = 2 * actual + high - 1e-6
        out = tmp_path / "out"
        topics = write_topics(tmp_path / "t.jsonl", mix)
        code, stdout, _ = run_cli(
            capsys, "eval", "--topics", str(topics), "--concurrency", "1",
            "--max-cost", str(budget), "--out", str(out),
        )  # fmt: skip
        assert code == 0
        assert server.calls("gatherer") == 2
    report = read_report(out)
    status = report["status"]
    assert (status["stopped_by_budget"], status["done"], status["not_started"]) == (True, 2, 4)
    assert status["spent_usd"] == pytest.approx(2 * actual, abs=1e-8)
    assert status["spent_usd"] <= budget
    assert report["configs"][0]["runs"] == 2
    assert "stopped before exceeding --max-cost" in stdout


@pytest.mark.slow  # the scripted model server
def test_compare_runs_two_configurations_and_reports_differences_with_intervals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    topics = scenario_topics({"clean": 10})
    # The cheaper structurer needs a repair on 4 of the 10 topics and breaks on 2.
    worse = {
        t: ("repair" if i < 4 else "broken" if i < 6 else "clean") for i, t in enumerate(topics)
    }
    cheap = "gpt-4o-mini"
    for server in serve(topics, by_model={cheap: worse}):
        use_openai_prices(monkeypatch, server)
        config_a = tmp_path / "mini.env"
        config_a.write_text(f"DGS_STRUCTURER_MODEL={STRUCTURER_MODEL}\n", encoding="utf-8")
        config_b = tmp_path / "cheap.env"
        config_b.write_text(
            f"# a cheaper structurer\nDGS_STRUCTURER_MODEL={cheap}\n", encoding="utf-8"
        )
        out = tmp_path / "out"
        code, stdout, _ = run_cli(
            capsys, "eval", "--topics", str(write_topics(tmp_path / "t.jsonl", topics)),
            "--compare", str(config_a), str(config_b), "--concurrency", "3", "--out", str(out),
        )  # fmt: skip
    assert code == 0
    report = read_report(out)
    a, b = report["configs"]
    assert (a["name"], b["name"]) == ("mini", "cheap")
    assert (a["runs"], b["runs"]) == (10, 10)
    assert (a["valid_after_repair_rate"], b["valid_after_repair_rate"]) == (1.0, 0.8)
    assert (a["repair_rate"], b["repair_rate"]) == (0.0, 0.6)
    assert report["configurations"]["cheap"]["routes"]["structurer:balanced"] == f"openai/{cheap}"
    comparison = report["comparison"]
    assert (comparison["a"], comparison["b"]) == ("mini", "cheap")
    valid = comparison["rates"]["valid_after_repair_rate"]
    assert valid["difference"] == rate_difference((10, 10), (8, 10)).to_dict()
    assert valid["clear"] is False  # 2 failures in 10 runs: not enough to tell
    repaired = comparison["rates"]["repair_rate"]
    assert repaired["difference"]["value"] == pytest.approx(0.6)
    assert repaired["clear"] is True
    cost = comparison["cost_per_valid_lesson_usd"]
    assert cost["difference"] == pytest.approx(cost["b"] - cost["a"], abs=1e-8)
    assert "cheap - mini (95% interval):" in stdout
    assert "Comparison" in (out / "report.html").read_text(encoding="utf-8")


def test_offline_builtin_evaluation_runs_every_bundled_topic(
    tmp_path: Path, user_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, _stdout, err = run_cli(
        capsys, "eval", "--builtin", "--runs", "1", "--concurrency", "8", "--out", str(out)
    )
    assert code == 0, err
    report = read_report(out)
    [config] = report["configs"]
    assert report["topics"] == config["runs"] >= 200
    assert config["valid_first_pass_rate"] == 1.0
    assert config["client_rule_violations"]["total"] == 0
    versions = {r["topic"]["schema_version"] for r in read_results(out)}
    assert versions == {"1.0", "1.1"}
    assert "mcqs" in config["widget_mix"]
    assert "quiz" in config["widget_mix"]
    assert not user_store.exists()


@pytest.mark.slow  # every bundled topic through the scripted server
def test_the_builtin_topics_against_the_scripted_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    topics = builtin_topics()
    for server in serve({topic.request.topic: "clean" for topic in topics}):
        use_compatible(monkeypatch, server)
        out = tmp_path / "out"
        code, _, err = run_cli(
            capsys, "eval", "--builtin", "--runs", "1", "--concurrency", "8", "--out", str(out)
        )
        assert code == 0, err
        assert (server.calls("gatherer"), server.calls("structurer")) == (len(topics), len(topics))
    [config] = read_report(out)["configs"]
    assert config["runs"] == len(topics)
    assert config["valid_first_pass_rate"] == 1.0
    assert config["tokens"]["input"] == len(topics) * (
        USAGE["gatherer"][0] + USAGE["structurer"][0]
    )
    # Each run got a lesson of its own catalog version (1.0's quiz block is "quiz").
    widgets = {r["topic"]["id"]: r["widgets"] for r in read_results(out)}
    for topic in topics:
        assert ("quiz" in widgets[topic.topic_id]) == (topic.request.schema_version == "1.0")
