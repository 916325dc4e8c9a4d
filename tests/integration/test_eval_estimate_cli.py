"""``dgs estimate``: the options of ``dgs generate``, figures from the price table, no model call."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.eval_runs import GATHERER_MODEL, STRUCTURER_MODEL, run_cli, use_openai_prices
from tests.support.scripted_openai import ScriptedOpenAI

pytestmark = pytest.mark.slow  # every test starts the scripted model server


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedOpenAI]:
    scripted = ScriptedOpenAI()
    scripted.start()
    use_openai_prices(monkeypatch, scripted)
    monkeypatch.setenv("DGS_SQLITE_PATH", str(tmp_path / "dgs.sqlite3"))
    yield scripted
    scripted.stop()


def test_estimate_prints_each_step_without_calling_a_model(
    server: ScriptedOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, "estimate", "Photosynthesis", "--length", "Training")
    assert code == 0
    assert "Photosynthesis (Training, 10 sections, catalog 1.1, mode balanced)" in out
    assert f"gatherer   openai/{GATHERER_MODEL}" in out
    assert f"repair     openai/{STRUCTURER_MODEL}" in out
    assert "0-1 (20%)" in out
    assert "2-3 calls (2.2 expected)" in out
    assert server.requests == []


def test_estimate_json_is_the_api_body_and_takes_the_generate_options(
    server: ScriptedOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["Photosynthesis", "--level", "Expert", "--language", "de", "--length", "Highlights",
            "--mode", "balanced", "--schema-version", "1.0", "--json"]  # fmt: skip
    code, out, _ = run_cli(capsys, "estimate", *args)
    assert code == 0
    body = json.loads(out)
    assert set(body) == {
        "model_calls",
        "steps",
        "cost_usd",
        "repair_rate_basis",
        "unpriced",
        "method",
    }
    assert [step["model"] for step in body["steps"]] == [
        GATHERER_MODEL,
        STRUCTURER_MODEL,
        STRUCTURER_MODEL,
    ]
    longer = json.loads(
        run_cli(
            capsys,
            "estimate",
            *args[:5],
            "--length",
            "Training",
            "--schema-version",
            "1.0",
            "--json",
        )[1]
    )
    assert longer["cost_usd"]["expected"] > body["cost_usd"]["expected"]
    assert server.requests == []


@pytest.mark.parametrize("topic", [" ", "x" * 201, "a\x07b"])
def test_a_bad_topic_exits_2(
    server: ScriptedOpenAI, capsys: pytest.CaptureFixture[str], topic: str
) -> None:
    code, out, err = run_cli(capsys, "estimate", topic)
    assert (code, out) == (2, "")
    assert "topic" in err


def test_a_model_without_structured_output_exits_2(
    server: ScriptedOpenAI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DGS_STRUCTURER_MODEL", "gpt-3.5-turbo")
    code, _, err = run_cli(capsys, "estimate", "Tides")
    assert code == 2
    assert "DGS_STRUCTURER_MODEL: openai/gpt-3.5-turbo does not support JSON-schema output" in err
