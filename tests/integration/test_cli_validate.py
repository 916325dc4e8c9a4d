import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from entrypoints.cli import main

CORPUS = Path(__file__).parents[1] / "fixtures" / "lessons"
VALID = CORPUS / "valid" / "1.1-photosynthesis.json"
INVALID = CORPUS / "invalid" / "1.1-tr-target-no-code.json"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, content: str) -> str:
    path = tmp_path / "lesson.json"
    path.write_text(content, encoding="utf-8")
    return str(path)


def test_valid_lesson_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(VALID))
    assert code == 0
    assert "valid (schema_version 1.1)" in out


def test_invalid_lesson_exits_1_and_json_has_the_contract_shape(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lesson = json.loads(INVALID.read_text())["lesson"]
    code, out, _ = run(capsys, "validate", write(tmp_path, json.dumps(lesson)), "--json")
    assert code == 1
    body = json.loads(out)
    assert set(body) == {
        "ok", "schema_version", "errors", "warnings",
        "error_count", "errors_truncated", "warning_count", "warnings_truncated",
    }  # fmt: skip
    assert (body["error_count"], body["errors_truncated"]) == (1, False)
    assert body["ok"] is False
    assert body["schema_version"] == "1.1"
    assert body["errors"] == [
        {
            "path": "/blocks/0/items/0/tr/1",
            "code": "value.pattern_mismatch",
            "message": "must match ^[A-Za-z]{2,3}\\s*[:-]\\s*\\S",
            "rule_source": "widgets-1.1.md#tr",
        }
    ]


@pytest.mark.parametrize(
    "content",
    ["{not json", "", "NaN", '{"a": Infinity}', "\ufeff{}".encode("utf-16").decode("latin-1")],
)
def test_unreadable_or_non_json_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str
) -> None:
    code, out, err = run(capsys, "validate", write(tmp_path, content))
    assert code == 2
    assert out == ""
    assert "dgs validate:" in err


def test_json_nested_deeper_than_any_parser_takes_exits_2_without_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "validate", write(tmp_path, "[" * 5000 + "]" * 5000))
    assert (code, out) == (2, "")
    assert "nests deeper than 64 levels" in err
    assert "Traceback" not in err


def test_many_errors_are_listed_up_to_the_cap_and_counted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lesson = {"title": "T", "blocks": [{"section": "S", "items": [7] * 130}]}
    path = write(tmp_path, json.dumps(lesson))
    code, out, _ = run(capsys, "validate", path, "--json")
    body = json.loads(out)
    assert (code, body["error_count"], body["errors_truncated"], len(body["errors"])) == (
        1, 130, True, 100,
    )  # fmt: skip
    code, out, _ = run(capsys, "validate", path)
    assert code == 1
    assert out.count("  error ") == 100
    assert "130 errors in all; the first 100 are listed" in out


def test_control_characters_from_the_lesson_are_never_printed_raw(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An unknown key is echoed in its path: ESC or a bidi override must not reach the tty."""
    lesson = {"title": "T", "blocks": [{"section": "S", "items": [], "\x1b[2J\u202e\x9b": 1}]}
    path = write(tmp_path, json.dumps(lesson))
    for args in ((path,), (path, "--json")):
        code, out, _ = run(capsys, "validate", *args)
        assert code == 1
        assert not any(ch in out for ch in "\x1b\u202e\x9b"), out
        assert "x1b" in out


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "validate", str(tmp_path / "nope.json"))
    assert code == 2
    assert "cannot read" in err


def test_stdin_and_schema_version(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lesson = {"title": "T", "blocks": [{"section": "S", "items": [{"info": "1.0 only"}]}]}
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(lesson)))
    code, out, _ = run(capsys, "validate", "-", "--schema-version", "1.0", "--json")
    assert code == 0
    assert json.loads(out)["schema_version"] == "1.0"
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(lesson)))
    code, out, _ = run(capsys, "validate", "-", "--json")
    assert code == 1
    assert json.loads(out)["errors"][0]["code"] == "widget.unknown_key"
    code, _, err = run(capsys, "validate", str(VALID), "--schema-version", "9.9")
    assert code == 2
    assert "unknown schema version" in err


def test_schema_export(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema", "export")
    assert code == 0
    schema: dict[str, Any] = json.loads(out)
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["properties"]["schema_version"] == {"const": "1.1"}
    code, out, err = run(capsys, "schema", "export", "--schema-version", "1.0", "--llm")
    assert code == 0
    assert json.loads(out)["properties"]["schema_version"] == {"enum": ["1.0"], "type": "string"}
    assert "tokens" in err
    assert run(capsys, "schema", "export", "--schema-version", "0.1")[0] == 2


def test_catalog_lists_widgets_and_positions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog")
    assert code == 0
    assert "flip" in out
    assert "[front, back, frontHint?, backHint?]" in out
    code, out, _ = run(capsys, "catalog", "--schema-version", "1.0")
    assert "quiz" in out
    assert "mcqs" not in out


@pytest.mark.slow  # dgs processes
def test_the_installed_dgs_command_uses_the_same_exit_codes() -> None:
    dgs = shutil.which("dgs")
    assert dgs is not None, "the dgs entry point is installed with the project"
    ok = subprocess.run([dgs, "validate", str(VALID)], capture_output=True, check=False)
    bad = subprocess.run([dgs, "validate", "-"], input=b"[", capture_output=True, check=False)
    assert (ok.returncode, bad.returncode) == (0, 2)
