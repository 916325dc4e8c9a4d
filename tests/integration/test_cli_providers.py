"""``dgs providers check`` against the scripted server: one call per step with the exact
schema the step sends, the provider's verdict, latency and the schema's token cost."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agents import AgentOutputSchema

from domain.generation import IntermediateDataModel
from domain.schema.llm import llm_json_schema
from entrypoints.cli import main
from tests.support.scripted_openai import ScriptedOpenAI, completion

SECRET = "sk-never-print-this-0123456789"


@pytest.fixture(autouse=True)
def local_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DGS_SQLITE_PATH", str(tmp_path / "dgs.sqlite3"))


def configure(monkeypatch: pytest.MonkeyPatch, server: ScriptedOpenAI) -> None:
    for name, value in {
        "DGS_GATHERER_PROVIDER": "compatible", "DGS_STRUCTURER_PROVIDER": "compatible",
        "DGS_GATHERER_MODEL": "g", "DGS_STRUCTURER_MODEL": "s",
        "DGS_COMPATIBLE_BASE_URL": server.base_url, "DGS_COMPATIBLE_API_KEY": SECRET,
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)


@pytest.fixture
def provider(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[ScriptedOpenAI]:
    server = ScriptedOpenAI(getattr(request, "param", "grammar"))
    server.start()
    configure(monkeypatch, server)
    yield server
    server.stop()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["providers", "check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def schema_of(request: dict[str, Any]) -> Any:
    return request.get("response_format", {}).get("json_schema", {}).get("schema")


@pytest.mark.slow  # the scripted model server
def test_every_step_is_checked_with_the_exact_schema_it_sends(
    provider: ScriptedOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    provider.script(
        completion("{}", prompt_tokens=1500),  # gatherer, with its schema
        completion("ok", prompt_tokens=40),  # route g, without a schema
        completion("{}", prompt_tokens=4000),  # structurer
        completion("ok", prompt_tokens=45),  # route s, without a schema
        completion("{}", prompt_tokens=4100),  # repair (same route as the structurer)
    )
    code, out, _ = run(capsys, "--json", "--schema-version", "1.0")
    assert code == 0
    rows = json.loads(out)
    assert [(r["step"], r["outcome"], r["prompt_tokens"], r["prompt_tokens_without_schema"],
             r["schema_tokens"]) for r in rows] == [
        ("gatherer", "accepted", 1500, 40, 1460),
        ("structurer", "accepted", 4000, 45, 3955),
        ("repair", "accepted", 4100, 45, 4055),
    ]  # fmt: skip
    assert all(r["profile"] == "grammar" and r["latency_ms"] >= 0 for r in rows)
    sent = provider.requests
    assert len(sent) == 5
    assert schema_of(sent[0]) == AgentOutputSchema(IntermediateDataModel).json_schema()
    assert schema_of(sent[1]) is None
    assert schema_of(sent[3]) is None
    assert schema_of(sent[2]) == schema_of(sent[4]) == llm_json_schema("1.0", "grammar")
    assert [r["model"] for r in sent] == ["g", "g", "s", "s", "s"]
    assert SECRET not in out


@pytest.mark.parametrize("provider", ["openai"], indirect=True)
@pytest.mark.slow  # the scripted model server
def test_a_refused_schema_is_reported_with_the_providers_message(
    provider: ScriptedOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # a "compatible" server that judges like OpenAI strict mode refuses the unrolled schema
    provider.script(completion("{}", prompt_tokens=1500), completion("ok", prompt_tokens=40))
    code, out, _ = run(capsys)
    assert code == 4
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["gatherer", "compatible/g", "grammar", "accepted"]
    assert "prompt tokens 1500 (without the schema 40, schema 1460)" in lines[0]
    assert lines[1].split()[:4] == ["structurer", "compatible/s", "grammar", "rejected"]
    assert "Invalid schema for response_format" in lines[2]
    assert "openai.max_nesting" in lines[2]
    assert lines[3].split()[:4] == ["repair", "compatible/s", "grammar", "rejected"]
    assert len(provider.requests) == 4  # each refused step asked once, never retried


@pytest.mark.slow  # the scripted model server
def test_an_unreachable_provider_fails_the_check(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = ScriptedOpenAI()
    server.start()
    configure(monkeypatch, server)
    server.stop()  # nothing listens there any more
    monkeypatch.setenv("DGS_MODEL_TIMEOUT_SECONDS", "2")
    code, out, _ = run(capsys, "--json")
    assert code == 4
    assert {r["outcome"] for r in json.loads(out)} == {"failed"}


def test_offline_makes_no_call(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == 0
    assert "offline provider" in out
    assert out.count("skipped") == 3
