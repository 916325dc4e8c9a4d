from typing import Any

import pytest

from domain.catalog.registry import UnsupportedVersionError, get_registry
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


def test_served_1_0_free_text_always_carries_prompt_seed_and_text() -> None:
    # DLE's 1.0 client rejects a freeText without a string at position 3 (dle-widget-catalog.md §9)
    served = compact(lesson("1.0", {"freeText": ["Why?"]}, {"freeText": ["How?", "Seed"]}))
    assert served["blocks"][0]["items"] == [
        {"freeText": ["Why?", "", ""]},
        {"freeText": ["How?", "Seed", ""]},
    ]
    converted = convert_lesson(lesson("1.1", {"freeText": ["Why?"]}), "1.0")
    assert compact(converted.lesson)["blocks"][0]["items"] == [{"freeText": ["Why?", "", ""]}]


# The 1.0 counterpart of each 1.1 widget whose key changed (inputLine has none: it is
# carried as a single-line freeText).
COUNTERPART_1_0 = {
    "fillblank": "blank",
    "swipecards": "swipe",
    "mcqs": "quiz",
    "inputLine": "freeText",
}
VALID_VALUE = {"mode": "multi"}  # fields whose values the catalog restricts


def positional_layouts(version: str) -> dict[str, tuple[str, ...]]:
    catalog = get_registry().catalog(version)
    return {
        key: tuple(f.name for f in widget.shape.fields)
        for key, widget in catalog.widgets.items()
        if widget.shape.shorthand == "positional"
    }


def differing_layouts() -> list[tuple[str, str]]:
    old, new = positional_layouts("1.0"), positional_layouts("1.1")
    return [
        (key, COUNTERPART_1_0.get(key, key))
        for key in new
        if new[key] != old.get(COUNTERPART_1_0.get(key, key))
    ]


def test_the_layouts_that_differ_between_versions_are_known() -> None:
    assert differing_layouts() == [("freeText", "freeText"), ("inputLine", "freeText")]


@pytest.mark.parametrize(("key", "old_key"), differing_layouts())
def test_conversion_maps_positional_fields_by_name_never_by_index(key: str, old_key: str) -> None:
    new_fields, old_fields = positional_layouts("1.1")[key], positional_layouts("1.0")[old_key]
    marked = [VALID_VALUE.get(name, f"<{name}>") for name in new_fields]
    down = compact(convert_lesson(lesson("1.1", {key: marked}), "1.0").lesson)
    (value,) = down["blocks"][0]["items"][0].values()
    for index, name in enumerate(old_fields[: len(value)]):
        if name in new_fields:
            assert value[index] == f"<{name}>", (name, value)
        else:
            assert not str(value[index]).startswith("<"), (
                name,
                value,
            )  # a 1.1 value in a 1.0-only field
    # and back from 1.0, every field of the same name lands in its 1.1 place
    marked_old = [VALID_VALUE.get(name, f"<{name}>") for name in old_fields]
    up = compact(convert_lesson(lesson("1.0", {old_key: marked_old}), "1.1").lesson)
    ((up_key, up_value),) = up["blocks"][0]["items"][0].items()
    up_fields = positional_layouts("1.1")[up_key]
    for index, name in enumerate(up_fields[: len(up_value)]):
        assert up_value[index] == (f"<{name}>" if name in old_fields else ""), (name, up_value)
