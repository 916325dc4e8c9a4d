"""``dgs repairs export``: repair records made by the real pipeline (the openai client and
agents code against the scripted server), exported from each store and read back line by
line as OpenAI chat fine-tuning examples."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.llm.prompt_files import prompt_version
from application.evaluation.token_model import approx_tokens
from application.ports.generation import RepairRecord
from domain.generation import IntermediateDataModel, LessonConstraints
from domain.validation.document import validate_lesson
from entrypoints.cli import main
from entrypoints.container import build_container, shutdown
from entrypoints.settings import load_settings
from tests.contract.test_repair_log_contract import huge
from tests.integration.test_cli_errors import dgs, one_line
from tests.integration.test_cli_store import run, store_env  # noqa: F401 - a fixture
from tests.integration.test_generation_llm import IDM, LESSON, invalid_lesson
from tests.support.scripted_openai import ScriptedOpenAI, json_completion

ROLES = ["system", "user", "assistant"]
CONSTRAINTS = LessonConstraints()


def generate(
    capsys: pytest.CaptureFixture[str],
    server: ScriptedOpenAI,
    topic: str,
    structured: Any,
    repaired: Any,
    *options: str,
) -> tuple[int, list[dict[str, Any]]]:
    """``dgs generate`` with one repair; its exit code and the structure and repair requests."""
    sent = len(server.requests)
    server.script(json_completion(IDM), json_completion(structured), json_completion(repaired))
    code, _, _ = run(capsys, "generate", topic, *options)
    structure, repair = server.requests[sent + 1 : sent + 3]
    return code, [structure, repair]


def read_examples(path: Path) -> list[dict[str, Any]]:
    """Every line of a dataset file, each checked as a chat fine-tuning example."""
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n")
    examples = []
    for line in text.splitlines():
        example = json.loads(line)
        assert list(example) == ["messages"]
        assert [m["role"] for m in example["messages"]] == ROLES
        assert all(set(m) == {"role", "content"} for m in example["messages"])
        assert all(isinstance(m["content"], str) for m in example["messages"])
        lesson = json.loads(example["messages"][2]["content"])
        assert validate_lesson(lesson, lesson["schema_version"]).ok
        examples.append(example)
    inputs = [json.dumps(e["messages"][:2]) for e in examples]
    assert len(set(inputs)) == len(inputs), "an input was exported twice"
    return examples


def table(report: str) -> dict[str, list[str]]:
    """The rows of the printed counts, by their first word."""
    return {row[0]: row[1:] for row in map(str.split, report.splitlines())}


def chars(example: dict[str, Any]) -> int:
    return sum(len(message["content"]) for message in example["messages"])


def sent(request: dict[str, Any]) -> list[dict[str, str]]:
    """The system and user messages of a recorded model request."""
    return [{"role": m["role"], "content": m["content"]} for m in request["messages"]]


def export(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    return run(capsys, "repairs", "export", *args)


def test_export_writes_the_repairs_that_ended_valid_as_chat_examples(
    store_env: str,  # noqa: F811 - the fixture
    compatible_row: ScriptedOpenAI,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "store", "init")[0] == 0
    server = compatible_row
    code, first = generate(capsys, server, "Photosynthesis", invalid_lesson(), LESSON)
    assert code == 0
    code, _ = generate(capsys, server, "Tides", invalid_lesson(), invalid_lesson())
    assert code == 4  # still invalid after its repair: kept, but teaches nothing
    code, _ = generate(capsys, server, "Volcanoes", huge(), LESSON)
    assert code == 0  # repaired, but the record is too large to keep whole
    # The same material, constraints and catalog as the first: the same Structurer input.
    code, _ = generate(capsys, server, "Chlorophyll", invalid_lesson(), LESSON)
    assert code == 0
    between = datetime.now(UTC)
    code, expert = generate(capsys, server, "Leaves", invalid_lesson(), LESSON, "--level", "Expert")
    assert code == 0

    out = tmp_path / "dataset" / "repairs.jsonl"
    code, report, _ = export(capsys, "--out", str(out))
    assert code == 0
    examples = read_examples(out)
    assert [e["messages"][:2] for e in examples] == [sent(first[0]), sent(expert[0])]
    assert [json.loads(e["messages"][2]["content"]) for e in examples] == [LESSON, LESSON]
    assert read_examples(out.with_name("repairs.holdout.jsonl")) == []
    rows = table(report)
    assert rows["records"][:3] == ["read", "5", "4"]  # 4 of them ended valid
    assert rows["skipped"] == ["2"]
    assert rows["not_valid"][0] == rows["truncated"][0] == "1"
    assert rows["duplicates"][0] == "1"
    tokens = sum(approx_tokens(chars(e)) for e in examples)  # each rounded up
    assert rows["train"][:2] == ["2", f"~{tokens:,}"]
    assert rows["train"][-1] == str(out)
    assert rows["holdout"][:3] == ["0", "~0", "tokens"]

    # The Repairer's examples: its messages as it had them (the errors, the invalid lesson).
    code, report, _ = export(capsys, "--task", "repair", "--out", str(out))
    assert code == 0
    examples = read_examples(out)
    assert examples[0]["messages"][:2] == sent(first[1])
    assert "value.missing_text" in examples[0]["messages"][0]["content"]

    # --since: only what was made from then on.
    code, _, _ = export(capsys, "--since", between.isoformat(), "--out", str(out))
    assert [e["messages"][:2] for e in read_examples(out)] == [sent(expert[0])]


def seed_repairs(count: int) -> list[datetime]:
    """``count`` valid repairs of distinct inputs, kept through the store the CLI uses;
    the moment before each."""

    async def keep() -> list[datetime]:
        container = build_container(load_settings())
        moments = []
        for n in range(count):
            moments.append(datetime.now(UTC))
            idm = IntermediateDataModel.model_validate(
                {**IDM, "learning_objectives": [f"Objective {n}"]}
            )
            record = RepairRecord(
                idm,
                invalid_lesson(),
                (),
                LESSON,
                "valid",
                "1.1",
                prompt_version(),
                CONSTRAINTS,
                owner="USER#alice",
            )
            await container.repair_log().record(record)
        await shutdown(container)
        return moments

    return asyncio.run(keep())


def inputs(path: Path) -> list[str]:
    return [json.dumps(e["messages"][:2]) for e in read_examples(path)]


def test_the_held_out_split_is_the_same_in_every_export(
    store_env: str,  # noqa: F811 - the fixture
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "store", "init")[0] == 0
    moments = seed_repairs(24)
    first, again = tmp_path / "first.jsonl", tmp_path / "again.jsonl"
    for out in (first, again):
        code, report, _ = export(capsys, "--holdout", "0.25", "--seed", "7", "--out", str(out))
        assert code == 0
    train, holdout = inputs(first), inputs(tmp_path / "first.holdout.jsonl")
    assert len(train) + len(holdout) == 24
    assert 0 < len(holdout) < 12  # about a quarter
    assert table(report)["holdout"][0] == str(len(holdout))
    assert first.read_bytes() == again.read_bytes()
    assert holdout == inputs(tmp_path / "again.holdout.jsonl")

    # Fewer records (a later --since): each input stays in its split.
    later = tmp_path / "later.jsonl"
    since = moments[12].isoformat()
    code, _, _ = export(
        capsys, "--holdout", "0.25", "--seed", "7", "--since", since, "--out", str(later)
    )
    assert code == 0
    assert set(inputs(later)) <= set(train)
    assert set(inputs(tmp_path / "later.holdout.jsonl")) <= set(holdout)
    assert len(inputs(later)) + len(inputs(tmp_path / "later.holdout.jsonl")) == 12

    # Another seed, another split of the same inputs.
    other = tmp_path / "other.jsonl"
    assert export(capsys, "--holdout", "0.25", "--seed", "8", "--out", str(other))[0] == 0
    assert set(inputs(other)) | set(inputs(tmp_path / "other.holdout.jsonl")) == set(train) | set(
        holdout
    )
    assert inputs(tmp_path / "other.holdout.jsonl") != holdout


def test_without_out_the_examples_go_to_standard_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DGS_SQLITE_PATH", str(tmp_path / "dgs.sqlite3"))
    seed_repairs(2)
    code, out, err = export(capsys)
    assert code == 0
    assert [len(json.loads(line)["messages"]) for line in out.splitlines()] == [3, 3]
    assert table(err)["records"][:3] == ["read", "2", "2"]
    assert "standard output" in err
    assert "note: OpenAI fine-tuning needs at least 10 examples" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--holdout", "0.2"], "--holdout needs --out FILE"),
        (["--out", "{tmp}"], "cannot write"),  # a directory
    ],
)
def test_bad_options_exit_2_and_write_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    monkeypatch.setenv("DGS_SQLITE_PATH", str(tmp_path / "dgs.sqlite3"))
    seed_repairs(1)
    code, out, err = export(capsys, *[a.format(tmp=tmp_path) for a in args])
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.splitlines()) == 1
    written = [*tmp_path.iterdir(), *tmp_path.parent.glob(f".{tmp_path.name}*")]
    assert [p.name for p in written if not p.name.startswith("dgs.sqlite3")] == []


@pytest.mark.parametrize(
    "args",
    [["--holdout", "1"], ["--holdout", "-0.1"], ["--holdout", "x"], ["--since", "yesterday"],
     ["--format", "csv"], ["--task", "gatherer"], ["--seed", "x"]],
)  # fmt: skip
def test_bad_option_values_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["repairs", "export", *args])
    assert exit_info.value.code == 2


@pytest.mark.slow  # a dgs process
def test_a_closed_standard_output_is_exit_141_not_a_bad_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dgs repairs export | head`: the reader is gone before the examples are written."""
    monkeypatch.setenv("DGS_SQLITE_PATH", str(tmp_path / "dgs.sqlite3"))
    seed_repairs(2)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        process = dgs("repairs", "export", stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 141
    assert one_line(err.decode()) == (
        "dgs repairs export: standard output was closed before all was written"
    )


def test_an_unusable_store_is_exit_3_and_leaves_the_last_export_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "dgs.sqlite3"
    database.write_bytes(b"this is not a SQLite database" * 100)
    monkeypatch.setenv("DGS_SQLITE_PATH", str(database))
    out = tmp_path / "repairs.jsonl"
    out.write_text("the last export\n", encoding="utf-8")
    code, stdout, err = export(capsys, "--out", str(out))
    assert code == 3
    assert stdout == ""
    assert str(database) in one_line(err)
    assert out.read_text(encoding="utf-8") == "the last export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dgs.sqlite3", "repairs.jsonl"]
