from typing import Any

import pytest

from domain.catalog.registry import UnsupportedVersionError
from domain.conversion.forms import LessonInvalidError, compact, expand
from domain.conversion.versions import convert_lesson
from domain.validation.document import validate_lesson


def lesson(version: str, *items: Any, blocks: list[Any] | None = None) -> dict[str, Any]:
    return {
        "schema_version": version,
        "title": "T",
        "blocks": [{"section": "S", "items": list(items)}, *(blocks or [])],
    }


def test_renamed_widgets_and_quiz_blocks_map_directly_without_warnings() -> None:
    quiz = {"title": "Q", "questions": [{"q": "?", "c": ["a", "b"], "a": 0, "e": "e"}]}
    old = lesson(
        "1.0",
        {"blank": ["A ___", "b", "c", "d"]},
        {"swipe": ["T", ["L", "R"], [["x", 1, "f"]]]},
        {"quiz": quiz},
        blocks=[{"quiz": quiz}],
    )
    converted = convert_lesson(old, "1.1")
    assert converted.warnings == ()
    assert compact(converted.lesson)["blocks"] == [
        {
            "section": "S",
            "items": [
                {"fillblank": ["A ___", "b", "c", "d"]},
                {"swipecards": ["T", ["L", "R"], [["x", 1, "f"]]]},
                {"mcqs": quiz},
            ],
        },
        {"mcqs": quiz},
    ]
    back = convert_lesson(converted.lesson, "1.0")
    assert back.warnings == ()
    assert back.lesson == expand(old)


def test_callouts_of_1_0_become_paragraphs_with_a_warning() -> None:
    converted = convert_lesson(
        lesson("1.0", {"info": "Energy is conserved."}, {"tip": "Draw it."}), "1.1"
    )
    assert compact(converted.lesson)["blocks"][0]["items"] == [
        "Key insight: Energy is conserved.",
        "Tip: Draw it.",
    ]
    assert [(w.path, w.code, w.rule_source) for w in converted.warnings] == [
        ("/blocks/0/items/0", "conversion.widget_replaced", "widgets-1.0.md#info"),
        ("/blocks/0/items/1", "conversion.widget_replaced", "widgets-1.0.md#tip"),
    ]


def test_free_text_of_1_0_keeps_what_1_1_can_carry_and_reports_the_rest() -> None:
    multi = {"freeText": ["Why?", "Locked", "start here", "de", "a,b"]}
    single = {"freeText": ["Name?", "Seed", "", "en", "x", "single"]}
    converted = convert_lesson(lesson("1.0", multi, single), "1.1")
    assert compact(converted.lesson)["blocks"][0]["items"] == [
        {"freeText": ["Why?", "Locked", "de", "a,b"]},
        {"inputLine": ["Name?", "en", "x"]},
    ]
    assert {(w.path, w.code) for w in converted.warnings} == {
        ("/blocks/0/items/0/text", "conversion.field_dropped"),
        ("/blocks/0/items/1", "conversion.widget_replaced"),
        ("/blocks/0/items/1/seedLocked", "conversion.field_dropped"),
    }
    assert "start here" in next(w.message for w in converted.warnings if w.path.endswith("/text"))


def test_input_line_is_downgraded_to_a_single_line_free_text() -> None:
    converted = convert_lesson(lesson("1.1", {"inputLine": ["Name?", "fr", "x,y"]}), "1.0")
    assert compact(converted.lesson)["blocks"][0]["items"] == [
        {"freeText": ["Name?", "", "", "fr", "x,y", "single"]}
    ]
    assert [(w.path, w.code) for w in converted.warnings] == [
        ("/blocks/0/items/0", "conversion.widget_replaced")
    ]
    # and back again, exactly
    again = convert_lesson(converted.lesson, "1.1")
    assert compact(again.lesson)["blocks"][0]["items"] == [{"inputLine": ["Name?", "fr", "x,y"]}]


def test_converted_lessons_validate_in_the_target_version() -> None:
    result = convert_lesson(
        lesson("1.1", "Hi", {"flip": ["a", "b"]}, {"console": ["l", 1, [["x", "ok", "y"]]]}), "1.0"
    )
    assert validate_lesson(result.lesson, "1.0").ok


def test_invalid_lessons_and_unknown_targets_are_refused() -> None:
    with pytest.raises(LessonInvalidError) as info:
        convert_lesson(lesson("1.1", {"flip": [""]}), "1.0")
    assert not info.value.result.ok
    with pytest.raises(UnsupportedVersionError):
        convert_lesson(lesson("1.1", "Hi"), "3.0")
    with pytest.raises(LessonInvalidError):
        expand({"title": ""})
    with pytest.raises(LessonInvalidError):
        compact([])


def test_the_same_version_is_returned_as_canonical_full_form() -> None:
    converted = convert_lesson(lesson("1.1", "Hi"), "1.1")
    assert converted.warnings == ()
    assert converted.lesson == expand(lesson("1.1", "Hi"))
