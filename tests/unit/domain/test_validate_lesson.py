from typing import Any

import pytest

from domain.limits import MAX_REPORTED_ISSUES
from domain.validation.document import validate_lesson
from domain.validation.result import ValidationResult


def lesson(*items: Any, version: str | None = None, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "title": "Lesson",
        "blocks": [{"section": "Intro", "items": list(items)}],
    }
    if version:
        doc["schema_version"] = version
    doc.update(extra)
    return doc


def errors(result: ValidationResult) -> set[tuple[str, str]]:
    return {(e.path, e.code) for e in result.errors}


QUIZ = {
    "mcqs": {"title": "Check", "questions": [{"q": "Q?", "c": ["A", "B"], "a": 0, "e": "Because"}]}
}


def test_a_shorthand_lesson_without_schema_version_is_a_valid_1_1_lesson() -> None:
    result = validate_lesson(lesson("Hello", {"flip": ["front", "back"]}, QUIZ))
    assert result.ok
    assert result.errors == ()
    assert result.schema_version == "1.1"
    assert result.lesson is not None
    assert result.lesson["schema_version"] == "1.1"


def test_the_declared_version_selects_the_catalog() -> None:
    result = validate_lesson(lesson({"info": "Key"}, {"quiz": QUIZ["mcqs"]}, version="1.0"))
    assert result.ok, result.errors
    assert result.lesson is not None
    assert result.lesson["schema_version"] == "1.0"
    # The same widgets are unknown in 1.1, and 1.1-only widgets are unknown in 1.0.
    assert errors(validate_lesson(lesson({"info": "Key"}))) == {
        ("/blocks/0/items/0/info", "widget.unknown_key")
    }
    assert errors(validate_lesson(lesson({"inputLine": ["Name it"]}, version="1.0"))) == {
        ("/blocks/0/items/0/inputLine", "widget.unknown_key")
    }


def test_shorthand_full_form_and_mixes_are_accepted() -> None:
    full = {"type": "flip", "front": "F", "back": "B", "frontHint": None}
    result = validate_lesson(lesson({"flip": ["F", "B"]}, full, {"type": "p", "text": "x"}, "y"))
    assert result.ok, result.errors
    assert result.lesson is not None
    items = result.lesson["blocks"][0]["items"]
    assert items[0] == items[1] == {
        "type": "flip", "front": "F", "back": "B", "frontHint": None, "backHint": None
    }  # fmt: skip


def test_all_errors_are_collected_with_paths_into_the_payload_as_given() -> None:
    result = validate_lesson(
        lesson(
            {"flip": ["", "back"]},
            {"fillblank": ["no blank here", "a", "b", "c"]},
            {"type": "tr", "source": "house", "target": "de: Haus"},
            {"swipecards": ["Sort", ["Yes"], [["card", 2, "ok"]]]},
        )
    )
    assert not result.ok
    assert result.lesson is None
    assert errors(result) == {
        ("/blocks/0/items/0/flip/0", "value.empty"),
        ("/blocks/0/items/1/fillblank/0", "value.missing_text"),
        ("/blocks/0/items/2/source", "value.pattern_mismatch"),
        ("/blocks/0/items/3/swipecards/1", "value.wrong_count"),
        ("/blocks/0/items/3/swipecards/2/0/1", "value.not_allowed"),
    }
    sources = {e.path: e.rule_source for e in result.errors}
    assert sources["/blocks/0/items/0/flip/0"] == "widgets-1.1.md#flip"
    assert sources["/blocks/0/items/3/swipecards/1"] == "widgets-1.1.md#swipecards"


def test_index_zero_is_a_valid_answer_and_a_valid_bucket() -> None:
    quiz = {"mcqs": {"title": "Q", "questions": [{"q": "?", "c": ["a", "b"], "a": 0, "e": "e"}]}}
    cards = {"swipecards": ["T", ["L", "R"], [["c", 0, "f"]]]}
    console = {"console": ["Demo", 0, [["ls", 0, "out"]]]}
    result = validate_lesson(lesson(quiz, cards, console))
    assert result.ok, result.errors
    assert result.lesson is not None
    dumped = result.lesson["blocks"][0]["items"]
    assert dumped[0]["questions"][0]["a"] == 0
    assert dumped[1]["cards"][0]["correct"] == 0
    assert dumped[2]["entries"][0]["delayMs"] == 0


def test_out_of_range_answers_are_errors_at_the_answer() -> None:
    quiz = {"mcqs": {"title": "Q", "questions": [{"q": "?", "c": ["a", "b"], "a": 2, "e": "e"}]}}
    negative = {
        "mcqs": {"title": "Q", "questions": [{"q": "?", "c": ["a", "b"], "a": -1, "e": "e"}]}
    }
    result = validate_lesson(lesson(quiz, negative))
    assert errors(result) == {
        ("/blocks/0/items/0/mcqs/questions/0/a", "value.index_out_of_range"),
        ("/blocks/0/items/1/mcqs/questions/0/a", "value.index_out_of_range"),
    }


def test_types_are_strict_booleans_are_not_integers() -> None:
    result = validate_lesson(
        lesson(
            {"swipecards": ["T", ["L", "R"], [["c", True, "f"]]]},
            {
                "mcqs": {
                    "title": "Q",
                    "questions": [{"q": "?", "c": ["a", "b"], "a": 1.0, "e": "e"}],
                }
            },
            {"codeviewer": ["x", "py", 1]},
        )
    )
    assert errors(result) == {
        ("/blocks/0/items/0/swipecards/2/0/1", "position.wrong_type"),
        ("/blocks/0/items/1/mcqs/questions/0/a", "field.wrong_type"),
        ("/blocks/0/items/2/codeviewer/2", "position.wrong_type"),
    }


def test_one_bad_widget_yields_its_own_errors_not_one_per_union_member() -> None:
    result = validate_lesson(lesson({"type": "flip", "front": 5, "back": "b"}))
    assert [(e.path, e.code, e.message) for e in result.errors] == [
        ("/blocks/0/items/0/front", "field.wrong_type", "must be a string")
    ]


def test_positions_too_many_missing_and_wrong_type() -> None:
    result = validate_lesson(
        lesson({"flip": ["a", "b", "c", "d", "e"]}, {"tr": ["EN: x"]}, {"flip": "x"})
    )
    assert errors(result) == {
        ("/blocks/0/items/0/flip/4", "position.too_many"),
        ("/blocks/0/items/1/tr/1", "position.missing_required"),
        ("/blocks/0/items/2/flip", "shorthand.wrong_type"),
    }


def test_unknown_and_ambiguous_items_and_fields() -> None:
    result = validate_lesson(
        lesson(
            {"a/b": 1},
            {"flip": ["a", "b"], "ul": ["x"]},
            7,
            {"type": "flip", "front": "a", "back": "b", "color": "red"},
            {"type": "nope"},
        )
    )
    assert errors(result) == {
        ("/blocks/0/items/0/a~1b", "widget.unknown_key"),
        ("/blocks/0/items/1", "item.multiple_keys"),
        ("/blocks/0/items/2", "item.wrong_type"),
        ("/blocks/0/items/3/color", "field.unknown"),
        ("/blocks/0/items/4/type", "widget.unknown_key"),
    }


def test_document_structure_errors() -> None:
    assert errors(validate_lesson([])) == {("", "document.not_object")}
    assert errors(validate_lesson({"blocks": [], "extra": 1})) == {
        ("/title", "field.missing"),
        ("/blocks", "value.empty"),
        ("/extra", "field.unknown"),
    }
    assert errors(
        validate_lesson({"title": " ", "blocks": [{"section": "", "items": "x"}, {"x": 1}]})
    ) == {
        ("/title", "value.empty"),
        ("/blocks/0/section", "value.empty"),
        ("/blocks/0/items", "field.wrong_type"),
        ("/blocks/1", "block.unknown"),
    }
    assert errors(validate_lesson(lesson(version="2.0"))) == {
        ("/schema_version", "schema_version.unsupported")
    }
    assert errors(validate_lesson(lesson(version="1.0"), "1.1")) == {
        ("/schema_version", "schema_version.mismatch")
    }


def test_soft_rules_warn_and_never_block() -> None:
    doc = lesson(
        {"flip": ["x" * 130, "back"]},
        {"ul": ["1. first", "second"]},
        {"mcqs": {"title": "Q", "questions": [{"q": "?", "c": ["a", "a"], "a": 0, "e": "e"}]}},
        title="A title that is clearly longer than forty characters",
    )
    doc["blocks"].append({"section": "Empty", "items": []})
    result = validate_lesson(doc)
    assert result.ok
    assert {(w.path, w.code) for w in result.warnings} == {
        ("/title", "value.too_long"),
        ("/blocks/0/items/0/flip/0", "value.too_long"),
        ("/blocks/0/items/1/ul/0", "value.manual_numbering"),
        ("/blocks/0/items/2/mcqs/questions/0/c/1", "value.duplicate"),
        ("/blocks/0/items/2/mcqs/questions", "value.too_few"),
        ("/blocks/1", "section.empty"),
        ("/blocks", "document.no_final_quiz"),
    }


def test_console_entries_follow_the_mode() -> None:
    interactive = {
        "console": ["Try", 1, [["^ls$", "ok", "files"], ["(", "warn", "x"]], [["List", "ls"]]]
    }
    scripted_with_guide = {"console": ["Demo", 0, [["ls", 10, "files"]], [["List", "ls"]]]}
    wrong_kind = {
        "type": "console", "lead": "Demo", "mode": 0,
        "entries": [{"kind": "interactive", "pattern": "x", "level": "ok", "output": "y"}],
    }  # fmt: skip
    result = validate_lesson(lesson(interactive, scripted_with_guide, wrong_kind))
    assert errors(result) == {
        ("/blocks/0/items/0/console/2/1/0", "value.invalid_regex"),
        ("/blocks/0/items/0/console/2/1/1", "value.not_allowed"),
        ("/blocks/0/items/1/console/3", "console.mode_mismatch"),
        ("/blocks/0/items/2/entries/0", "console.mode_mismatch"),
    }


def test_depth_limits_of_flows_and_checklists() -> None:
    def flow(depth: int) -> list[Any]:
        node: list[Any] = ["step"]
        for level in range(depth):
            node = [[[f"choice {level}", node]]]
        return node

    def tree(depth: int) -> list[Any]:
        node: list[Any] = ["item"]
        for level in range(depth - 1):
            node = [[f"group {level}", node]]
        return node

    assert validate_lesson(
        lesson({"stepFlow": ["Lead", flow(5)]}, {"checklist": ["Lead", tree(3)]})
    ).ok
    result = validate_lesson(
        lesson({"stepFlow": ["Lead", flow(6)]}, {"checklist": ["Lead", tree(4)]})
    )
    assert errors(result) == {
        ("/blocks/0/items/0/stepFlow/1", "value.too_deep"),
        ("/blocks/0/items/1/checklist/1", "value.too_deep"),
    }


def test_treeview_takes_a_lesson_object_or_its_json() -> None:
    ok = lesson({"treeview": [{"blocks": []}]}, {"treeview": ['{"blocks": []}', "Title"]})
    assert validate_lesson(ok).ok
    bad = lesson({"treeview": [{"title": "x"}]}, {"treeview": ["not json"]})
    assert errors(validate_lesson(bad)) == {
        ("/blocks/0/items/0/treeview/0", "value.not_a_lesson"),
        ("/blocks/0/items/1/treeview/0", "value.not_a_lesson"),
    }


def test_quiz_blocks_and_subsections_are_validated() -> None:
    doc = {
        "title": "L",
        "blocks": [
            {
                "section": "A",
                "items": [],
                "subsections": [{"section": "A.a", "items": [{"flip": ["", "b"]}]}],
            },
            {"mcqs": {"title": "Q", "questions": []}},
        ],
    }
    assert errors(validate_lesson(doc)) == {
        ("/blocks/0/subsections/0/items/0/flip/0", "value.empty"),
        ("/blocks/1/mcqs/questions", "value.too_few"),
    }


def test_defaults_given_explicitly_mean_not_set() -> None:
    result = validate_lesson(
        lesson({"freeText": ["Why?", "", "en", ""]}, {"codeviewer": ["x", "py", False]})
    )
    assert result.ok
    assert result.lesson is not None
    free_text, code = result.lesson["blocks"][0]["items"]
    assert free_text == {
        "type": "freeText",
        "prompt": "Why?",
        "seedLocked": None,
        "lang": None,
        "wordlistCsv": None,
    }
    assert code["editable"] is None


def test_errors_are_listed_up_to_the_cap_and_all_counted() -> None:
    result = validate_lesson(lesson(*[7] * 250, {"flip": [""]}))
    assert not result.ok
    assert result.error_count == 251
    assert result.errors_truncated
    assert len(result.errors) == MAX_REPORTED_ISSUES
    # The first ones found, in the order found.
    assert [e.path for e in result.errors] == [f"/blocks/0/items/{i}" for i in range(100)]
    body = result.to_dict()
    assert (body["error_count"], body["errors_truncated"], len(body["errors"])) == (251, True, 100)


def test_warnings_are_listed_up_to_the_cap_and_all_counted() -> None:
    doc = lesson({"ul": [f"{n}. numbered by hand" for n in range(300)]}, QUIZ)
    result = validate_lesson(doc)
    assert result.ok
    assert (result.warning_count, len(result.warnings)) == (301, MAX_REPORTED_ISSUES)
    assert result.warnings_truncated
    assert not result.errors_truncated
    small = validate_lesson(lesson("Fine", QUIZ))
    assert (small.error_count, small.warning_count) == (0, len(small.warnings)) == (0, 1)
    assert not small.errors_truncated
    assert not small.warnings_truncated


@pytest.mark.parametrize(
    "title", ["1. Intro", "2) Setup", "1.2 Scope", "3 ways to save energy", "  4: Four", "5 - x"]
)
def test_section_titles_numbered_by_hand_are_errors_as_in_the_client(title: str) -> None:
    """DLE numbers sections and refuses titles matching ``^\\s*\\d+(\\.\\d+)*[).\\-:]*\\s+``."""
    for version in ("1.0", "1.1"):
        doc = lesson("x", version=version)
        doc["blocks"][0]["section"] = title
        result = validate_lesson(doc)
        assert [(e.path, e.code, e.rule_source) for e in result.errors] == [
            ("/blocks/0/section", "value.manual_numbering", f"widgets-{version}.md#document")
        ]


@pytest.mark.parametrize(
    "title", ["Intro 1", "The 1990s", "1990s music", "1.Intro", "v1.2 notes", "\u0663 ways"]
)
def test_titles_the_client_pattern_does_not_match_are_fine(title: str) -> None:
    doc = lesson("x", QUIZ)
    doc["blocks"][0]["subsections"] = [{"section": title, "items": ["y"]}]
    assert validate_lesson(doc).ok


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_the_client_non_empty_rules_hold_at_every_depth(version: str) -> None:
    """DLE's validator refuses these (dle-widget-catalog.md section 9); so does DGS."""
    swipe = "swipe" if version == "1.0" else "swipecards"
    flow = ["Step", [["Fine", ["a", [["  ", ["b"]], ["Ok", ["c"]]]]], ["", ["d"]]], []]
    full_flow = [{"kind": "branch", "choices": [{"label": "Go", "flow": [
        {"kind": "branch", "choices": []}]}]}]  # fmt: skip
    doc = lesson(
        {"asciiDiagram": ["Lead", " \n "]},
        {swipe: ["  ", ["L", "R"], [["", 0, "Because"], ["Fine", 1, "Because"]]]},
        {"checklist": ["Lead", ["Item", ["Group", ["x", [" ", ["y"]]]]]]},
        {"stepFlow": ["Lead", flow]},
        {"type": "stepFlow", "lead": "Lead", "flow": full_flow},
        version=version,
    )
    result = validate_lesson(doc)
    base = "/blocks/0/items"
    assert {(e.path, e.code) for e in result.errors} == {
        (f"{base}/0/asciiDiagram/1", "value.empty"),
        (f"{base}/1/{swipe}/0", "value.empty"),
        (f"{base}/1/{swipe}/2/0/0", "value.empty"),
        (f"{base}/2/checklist/1/1/1/1/0", "value.empty"),
        (f"{base}/3/stepFlow/1/1/0/1/1/0/0", "value.empty"),
        (f"{base}/3/stepFlow/1/1/1/0", "value.empty"),
        (f"{base}/3/stepFlow/1/2", "value.too_few"),
        (f"{base}/4/flow/0/choices/0/flow/0/choices", "value.too_few"),
    }
