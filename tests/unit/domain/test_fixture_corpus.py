"""The lesson corpus: valid lessons validate; each invalid one fails exactly as recorded."""

import json
from pathlib import Path
from typing import Any

import pytest

from domain.catalog.registry import SUPPORTED_VERSIONS, get_registry
from domain.catalog.rules import SafeText
from domain.validation.document import validate_lesson

CORPUS = Path(__file__).parents[2] / "fixtures" / "lessons"
VALID = sorted((CORPUS / "valid").glob("*.json"))
INVALID = sorted((CORPUS / "invalid").glob("*.json"))


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_corpus_is_large_enough() -> None:
    assert len(VALID) >= 35
    assert len(INVALID) >= 160


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_lessons_validate(path: Path) -> None:
    result = validate_lesson(load(path))
    assert result.errors == ()
    assert result.ok


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_lessons_fail_with_the_recorded_errors(path: Path) -> None:
    case = load(path)
    result = validate_lesson(case["lesson"])
    assert not result.ok
    assert result.lesson is None
    found = {(e.code, e.path, e.rule_source) for e in result.errors}
    expected = {(e["code"], e["path"], e["rule_source"]) for e in case["expect"]}
    assert found == expected


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_every_hard_rule_of_every_widget_has_an_invalid_lesson(version: str) -> None:
    catalog = get_registry().catalog(version)
    cases = [load(p) for p in INVALID if p.stem.startswith(f"{version}-")]
    covered: dict[str, list[dict[str, Any]]] = {}
    for case in cases:
        for label in case["covers"]:
            covered.setdefault(label, []).append(case)
    for widget in catalog.widgets.values():
        for rule in widget.rules:
            if rule.severity != "error":
                continue
            label = f"{widget.key}#{rule.rule.rule}:{rule.rule.field}"
            if isinstance(rule.rule, SafeText):  # implied on every text field: one per kind
                label = f"{widget.key}#safe_text:{rule.rule.kind}"
            assert label in covered, f"{version}: no invalid lesson covers {label}"
            for case in covered[label]:
                assert any(
                    e["code"] == rule.code and e["rule_source"] == widget.anchor
                    for e in case["expect"]
                ), f"{label}: the covering lesson does not expect {rule.code}"
