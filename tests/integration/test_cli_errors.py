"""The CLI when things go wrong: one clear line on stderr, a documented exit code, and
never a raw traceback or a raw control byte from stored text."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.conversion.forms import expand
from entrypoints.cli import main
from entrypoints.container import build_container, shutdown
from entrypoints.settings import load_settings
from tests.integration.test_generation_llm import IDM
from tests.support.records import make_record
from tests.support.scripted_openai import Reply, ScriptedOpenAI, json_completion

ROOT = Path(__file__).parents[2]
HOSTILE_TITLE = "Tides\x1b[2J\x1b]0;pwned\x07 \u202eevil\u202c\x00"
HOSTILE_TAG = "sea\x1b[31m"


@pytest.fixture(autouse=True)
def local_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "dgs.sqlite3"
    monkeypatch.setenv("DGS_SQLITE_PATH", str(path))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def dgs(*args: str, **popen: object) -> subprocess.Popen[bytes]:
    """``dgs`` in its own process (signals and pipes need one), with this environment."""
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "entrypoints.cli", *args], env=dict(os.environ), **popen
    )


def one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    "args", [["lessons", "list"], ["lessons", "get", "x"], ["store", "init"], ["generate", "Tides"]]
)
def test_a_corrupt_sqlite_file_is_one_line_and_exit_3(
    args: list[str], local_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local_store.write_bytes(os.urandom(8192))
    code, out, err = run(capsys, *args)
    assert (code, out) == (3, "")
    line = one_line(err)
    assert line.startswith(f"dgs {' '.join(args[:2]) if args[0] != 'generate' else 'generate'}: ")
    assert f"{local_store} is not a usable SQLite database" in line


@pytest.mark.slow  # a dgs process interrupted
def test_ctrl_c_during_generate_is_one_line_exit_130_and_stores_nothing(
    compatible_row: ScriptedOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    compatible_row.script(Reply(body=json_completion(IDM).body, delay=20))
    process = dgs("generate", "Photosynthesis", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not compatible_row.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert compatible_row.requests, "the generation never reached the provider"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 130
    assert out == b""
    assert one_line(err.decode()) == "dgs generate: interrupted"
    _, out_text, _ = run(capsys, "lessons", "list", "--json")
    assert json.loads(out_text)["items"] == []


@pytest.mark.slow  # dgs processes
@pytest.mark.parametrize(
    "args",
    [["schema", "export"], ["catalog"], ["lessons", "list", "--json"], ["generate", "Tides"]],
)
def test_a_closed_stdout_is_one_line_and_exit_141(args: list[str]) -> None:
    """`dgs ... | head`: the reader is gone before dgs writes."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        process = dgs(*args, stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 141
    label = " ".join(a for a in args if not a.startswith("-") and a != "Tides")
    assert one_line(err.decode()) == (
        f"dgs {label}: standard output was closed before all was written"
    )


@pytest.mark.slow  # a dgs process
def test_a_pipe_closed_part_way_through_is_the_same(capsys: pytest.CaptureFixture[str]) -> None:
    """`dgs lessons get ID --json | head -1` on a lesson larger than a pipe's buffer."""
    lesson = {"schema_version": "1.1", "title": "Long", "blocks": [
        {"section": f"Part {n}", "items": ["A long paragraph. " * 50] * 20} for n in range(10)
    ]}  # fmt: skip
    lesson_id = seed(lesson_json=json.dumps(expand(lesson), indent=1))
    process = dgs(
        "lessons", "get", lesson_id, "--json", stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    assert process.stdout.readline() == b"{\n"
    process.stdout.close()
    _, err = process.communicate(timeout=60)
    assert process.returncode == 141
    assert one_line(err.decode()) == (
        "dgs lessons get: standard output was closed before all was written"
    )


def seed(**overrides: object) -> str:
    """Save one lesson through the container the CLI builds; return its id."""

    async def save() -> str:
        container = build_container(load_settings())
        record = make_record(datetime(2026, 11, 1, tzinfo=UTC), **overrides)
        await container.lessons().save(record)
        await shutdown(container)
        return record.lesson_id

    return asyncio.run(save())


def raw_controls(text: str) -> list[str]:
    bidi = {
        "\u202a",
        "\u202b",
        "\u202c",
        "\u202d",
        "\u202e",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
    }
    return [c for c in text if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) < 0xA0 or c in bidi]


def test_stored_control_bytes_are_escaped_in_human_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lesson_id = seed(title=HOSTILE_TITLE, topic=HOSTILE_TITLE, tags=(HOSTILE_TAG,))
    for args in (["lessons", "list"], ["lessons", "get", lesson_id]):
        code, out, err = run(capsys, *args)
        assert code == 0, err
        assert raw_controls(out) == [], out
        assert "Tides\\x1b[2J\\x1b]0;pwned\\x07 \\u202eevil\\u202c\\x00" in out
        assert "sea\\x1b[31m" in out
    # JSON output stays exact: its encoder escapes what would reach the terminal
    code, out, _ = run(capsys, "lessons", "get", lesson_id, "--json")
    assert raw_controls(out) == []
    assert json.loads(out)["title"] == HOSTILE_TITLE


def test_control_bytes_in_an_error_line_are_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "lessons", "get", "no-such\x1b[2J")
    assert code == 1
    assert raw_controls(err) == []
    assert "no-such\\x1b[2J" in one_line(err)


def test_the_readme_lists_the_exit_codes_of_every_command() -> None:
    import argparse

    from entrypoints import commands
    from entrypoints.cli import _parser

    def leaves(parser: argparse.ArgumentParser) -> list[str]:
        groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not groups:
            return [parser.prog]
        return [leaf for g in groups for child in g.choices.values() for leaf in leaves(child)]

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Exit codes") :].split("\n\n")[2]
    for command in leaves(_parser()):
        assert f"`{command}" in table, f"{command} has no row in the README's exit-code table"
    codes = {v for k, v in vars(commands).items() if k.startswith("EXIT_")}
    assert codes == {0, 1, 2, 3, 4, 5, 130, 141}  # 5: a watched job ended canceled
    assert "130 when interrupted" in readme
    assert "141 when" in readme
