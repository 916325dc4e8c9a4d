"""Helpers for the ``dgs eval`` and ``dgs estimate`` tests: settings, topic files, runs."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from adapters.llm.catalogue import model_facts
from adapters.llm.config import PROFILES
from entrypoints.cli import main
from tests.support.scenarios import USAGE
from tests.support.scripted_openai import ScriptedOpenAI

# The OpenAI profile's default models (README), priced in adapters/llm/catalogue.json.
GATHERER_MODEL, STRUCTURER_MODEL = "gpt-4.1", "gpt-4.1-mini"


def use_compatible(monkeypatch: pytest.MonkeyPatch, server: ScriptedOpenAI) -> None:
    """Every step on the scripted server as an OpenAI-compatible provider (no prices)."""
    for name, value in {
        "DGS_GATHERER_PROVIDER": "compatible", "DGS_STRUCTURER_PROVIDER": "compatible",
        "DGS_GATHERER_MODEL": "scripted-gatherer", "DGS_STRUCTURER_MODEL": "scripted-structurer",
        "DGS_COMPATIBLE_BASE_URL": server.base_url, "DGS_COMPATIBLE_API_KEY": "sk-test-local-only",
        "DGS_MODEL_MAX_ATTEMPTS": "1",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)


def use_openai_prices(monkeypatch: pytest.MonkeyPatch, server: ScriptedOpenAI) -> None:
    """The real OpenAI profile and price table, its requests sent to the scripted server."""
    monkeypatch.setitem(PROFILES, "openai", replace(PROFILES["openai"], base_url=server.base_url))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-local-only")
    monkeypatch.setenv("DGS_MODEL_MAX_ATTEMPTS", "1")


def call_cost(step: str, model: str) -> float:
    """What one scripted call of ``step`` costs on ``model`` by the price table.

    OpenAI counts reasoning tokens inside ``completion_tokens`` (its usage convention, the
    profile's ``reasoning_in_output``), so the billed output is the completion tokens.
    """
    facts = model_facts("openai", model)
    assert facts is not None
    prompt, output, _ = USAGE[step]
    return (prompt * facts.input_per_mtok + output * facts.output_per_mtok) / 1_000_000


def write_topics(path: Path, topics: Iterable[str], **fields: Any) -> Path:
    """A topics file: one generate body per topic, with ``fields`` added to each."""
    path.write_text(
        "".join(json.dumps({"topic": topic, **fields}) + "\n" for topic in topics), encoding="utf-8"
    )
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``dgs`` with ``args``: exit code, standard output and standard error."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def read_report(out: Path) -> dict[str, Any]:
    """``report.json`` of an evaluation directory."""
    report: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return report


def read_results(out: Path) -> list[dict[str, Any]]:
    """Every line of ``results.jsonl`` that is a complete run."""
    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip().endswith("}")]
