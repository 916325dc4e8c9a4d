"""``dgs generate``: offline by default; exit codes tell bad input from provider failure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from entrypoints.cli import main
from tests.integration.test_generation_llm import IDM, LESSON
from tests.support.scripted_openai import ScriptedOpenAI, error, json_completion

SECRET = "sk-never-print-this-0123456789"


@pytest.fixture(autouse=True)
def local_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DGS_SQLITE_PATH", str(tmp_path / "dgs.sqlite3"))
    for name in ("GEMINI_API_KEY", "OPENROUTER_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedOpenAI]:
    server = ScriptedOpenAI()
    server.start()
    for name, value in {
        "DGS_GATHERER_PROVIDER": "compatible", "DGS_STRUCTURER_PROVIDER": "compatible",
        "DGS_GATHERER_MODEL": "g", "DGS_STRUCTURER_MODEL": "s",
        "DGS_COMPATIBLE_BASE_URL": server.base_url, "DGS_COMPATIBLE_API_KEY": SECRET,
        "DGS_MODEL_MAX_ATTEMPTS": "1",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    yield server
    server.stop()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_offline_by_default_with_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "generate", "Tides")
    assert code == 0
    assert "title   Tides" in out
    assert "(offline)" in out
    assert "SAMPLE lessons" in out
    code, out, _ = run(capsys, "lessons", "list", "--json")
    assert [item["title"] for item in json.loads(out)["items"]] == ["Tides"]


def test_json_is_the_api_response_body(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "generate", "Tides", "--json", "--schema-version", "1.0", "--length", "Highlights"
    )
    assert code == 0
    body = json.loads(out)
    assert set(body) == {"lesson_id", "lesson_json", "meta"}
    assert body["lesson_json"]["schema_version"] == "1.0"
    assert any("quiz" in block for block in body["lesson_json"]["blocks"])  # shorthand, 1.0 keys
    meta = body["meta"]
    assert {"provider_a", "model_a", "provider_b", "model_b", "latency_ms", "usage", "cost_usd",
            "repaired", "cache", "prompt_version", "schema_version", "widgets_version"} <= set(meta)  # fmt: skip
    assert meta["provider_a"] == meta["provider_b"] == "offline"


@pytest.mark.parametrize(
    "args", [["generate", " "], ["generate", "x" * 201], ["generate", "a\x07b"]]
)
def test_bad_input_exits_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert "topic" in err


@pytest.mark.parametrize("command", ["generate", "estimate"])
def test_a_language_is_checked_as_the_api_checks_it(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    # The API refuses constraints.language "e n" (not a BCP 47 tag); so does the CLI.
    with pytest.raises(SystemExit) as exit_info:
        main([command, "Tides", "--language", "e n"])
    assert exit_info.value.code == 2
    assert "not a language tag" in capsys.readouterr().err
    code, out, _ = run(capsys, "lessons", "list", "--json")
    assert (code, json.loads(out)["items"]) == (0, [])


def test_bad_settings_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DGS_GATHERER_PROVIDER", "nope")
    code, _, err = run(capsys, "generate", "Tides")
    assert code == 2
    assert "DGS_GATHERER_PROVIDER" in err


@pytest.mark.slow  # the scripted model server
def test_a_real_provider_is_used_when_configured(
    provider: ScriptedOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    provider.script(json_completion(IDM), json_completion(LESSON))
    code, out, _ = run(capsys, "generate", "Photosynthesis", "--json")
    assert code == 0
    assert json.loads(out)["meta"]["model_b"] == "s"
    assert len(provider.requests) == 2


@pytest.mark.slow  # the scripted model server
def test_provider_failure_exits_4_and_never_shows_the_key(
    provider: ScriptedOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    provider.script(error(503))
    code, out, err = run(capsys, "generate", "Photosynthesis")
    assert code == 4
    assert "provider_unavailable" in err
    assert SECRET not in out + err
    code, out, _ = run(capsys, "lessons", "list", "--json")
    assert json.loads(out)["items"] == []  # nothing stored


def test_the_readme_compatible_row_alone_uses_that_server(
    compatible_row: ScriptedOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    compatible_row.script(json_completion(IDM), json_completion(LESSON))
    code, out, err = run(capsys, "generate", "Photosynthesis", "--json")
    assert code == 0, err
    meta = json.loads(out)["meta"]
    assert (meta["provider_a"], meta["model_a"], meta["provider_b"], meta["model_b"]) == (
        "compatible", "g", "compatible", "s",
    )  # fmt: skip
    assert [r["model"] for r in compatible_row.requests] == ["g", "s"]


def test_the_compatible_row_without_models_stops_before_any_call(
    compatible_row: ScriptedOpenAI,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DGS_GATHERER_MODEL")
    code, out, err = run(capsys, "generate", "Photosynthesis")
    assert (code, out) == (2, "")
    assert "DGS_GATHERER_MODEL: required: the compatible provider has no default model" in err
    assert compatible_row.requests == []
