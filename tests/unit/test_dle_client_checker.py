"""The test-side reading of DLE's 1.0 client rules finds what the client refuses (each
rule of dle-widget-catalog.md section 9, and the shape rules it relies on)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.dle_client import client_errors


def served(*items: Any, title: str = "Intro", blocks: list[Any] | None = None) -> dict[str, Any]:
    return {
        "schema_version": "1.0",
        "title": "Lesson",
        "blocks": [{"section": title, "items": list(items)}, *(blocks or [])],
    }


QUIZ = {"title": "Q", "questions": [{"q": "Why?", "c": ["a", "b"], "a": 0, "e": "Because."}]}
GOOD = served(
    "A paragraph.",
    {"info": "Key."},
    {"flip": ["F", "B"]},
    {"tr": ["EN: a", "FR: b"]},
    {"blank": ["A ___", "b", "c", "d"]},
    {"ul": ["x"]},
    {"table": [["h"], ["c"]]},
    {"compare": [["l", "r"], ["a", "b"]]},
    {"swipe": ["T", ["L", "R"], [["card", 1, "why"]]]},
    {"freeText": ["Why?", "", ""]},
    {"freeText": ["Why?", "", "", "de", "a,b", "single"]},
    {"stepFlow": ["Lead", ["one", [["yes", ["two"]], ["no", []]]]]},
    {"asciiDiagram": ["Lead", "a --> b"]},
    {"checklist": ["Lead", ["a", ["Group", ["b", ["Inner", ["c"]]]]]]},
    {"console": ["Lead", 0, [["ls", 0, "a b"]]]},
    {"console": ["Lead", 1, [["^ls$", "ok", "a b"]], [["List", "ls"]]]},
    {"codeviewer": [{"a": None}, "json", True, "id"]},
    {"treeview": ['{"blocks": []}', "Shape"]},
    {"quiz": QUIZ},
    blocks=[{"quiz": QUIZ}],
)


def test_a_lesson_that_follows_every_rule_has_no_findings() -> None:
    assert client_errors(GOOD) == []


def flow(depth: int) -> list[Any]:
    nodes: list[Any] = ["end"]
    for _ in range(depth):
        nodes = [[["go", nodes]]]
    return nodes


def tree(levels: int) -> list[Any]:
    nodes: list[Any] = ["leaf"]
    for _ in range(levels - 1):
        nodes = [["Group", nodes]]
    return nodes


@pytest.mark.parametrize(
    ("lesson", "rule"),
    [
        (served({"freeText": ["Why?"]}), "freeText.positions"),  # text (position 3) required
        (served({"freeText": ["Why?", "", None]}), "value.null"),
        (served({"flip": ["F", "B", None, "hint"]}), "value.null"),
        (served({"freeText": ["Why?", "", "", "en", "", "both"]}), "freeText.mode"),
        (served({"asciiDiagram": ["Lead", "  "]}), "asciiDiagram.diagram"),
        (served({"swipe": [" ", ["L", "R"], [["card", 1, "why"]]]}), "swipe.title"),
        (served({"swipe": ["T", ["L", "R"], [["", 1, "why"]]]}), "swipe.card_text"),
        (served({"checklist": ["Lead", [["", ["a"]]]]}), "checklist.group_title"),
        (served({"checklist": ["Lead", tree(4)]}), "checklist.depth"),
        (served({"stepFlow": ["Lead", [[[" ", ["a"]]]]]}), "stepFlow.label"),
        (served({"stepFlow": ["Lead", ["a", []]]}), "stepFlow.branch"),
        (served({"stepFlow": ["Lead", flow(6)]}), "stepFlow.depth"),
        (served(title="1. Intro"), "section.numbered"),
        (served(title="2) Setup"), "section.numbered"),
        (served(title="3 ways to save energy"), "section.numbered"),
        (
            served(
                {"quiz": {**QUIZ, "questions": [{"q": " ", "c": ["a", "b"], "a": 0, "e": "e"}]}}
            ),
            "quiz.q",
        ),
        (
            served({"quiz": {**QUIZ, "questions": [{"q": "q", "c": ["a", "b"], "a": 0, "e": 1}]}}),
            "quiz.e",
        ),
        (served({"console": ["Lead", 0, [["ls", "10", "out"]]]}), "console.delay"),
        (served({"console": ["Lead", 1, [["ls", "info", "out"]]]}), "console.level"),
        (served({"console": ["Lead", 1, [["ls", "ok", "out"]], [["task"]]]}), "console.guided"),
        (served({"type": "p", "text": "full form"}), "item.full_form"),
        (served({"inputLine": ["Name?"]}), "item.unknown_widget"),
        (served({"p": "a", "warn": "b"}), "item.form"),
        ({**GOOD, "schema_version": "1.1"}, "document.version"),
    ],
)
def test_each_client_rule_finds_a_lesson_that_breaks_it(lesson: dict[str, Any], rule: str) -> None:
    assert rule in {e.rule for e in client_errors(lesson)}


def test_section_titles_that_merely_contain_numbers_are_fine() -> None:
    for title in ("Intro to 3D", "Version 2.0 notes", "1984, the novel", "10x faster"):
        assert client_errors(served(title=title)) == [], title
