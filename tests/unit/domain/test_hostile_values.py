"""Validation holds for every JSON value a parser accepts, however deep or odd.

msgspec decodes arrays and objects nested ~1,000 deep, Python's json a little less; a
payload that deep must get one clear error, never a RecursionError, and anything a
widget holds (a regular expression, a JSON string) must not make validation raise.
"""

import inspect
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.catalog.registry import SUPPORTED_VERSIONS, get_registry
from domain.limits import MAX_JSON_DEPTH, depth_exceeds
from domain.validation.document import validate_lesson, validate_lesson_exactly
from domain.validation.fast_path import MAX_SECTION_LEVELS, read_without_errors
from domain.validation.readers import (
    MAX_OPEN_OBJECT_DEPTH,
    MAX_RECORD_NESTING,
    Unclean,
    widget_readers,
)
from domain.validation.result import ValidationResult
from tests.support.lessons import json_scalars, paths_of
from tests.support.mutations import VALID_POOL

TOO_DEEP = "document.too_deep"
# Deeper than any parser DGS uses accepts (msgspec stops at ~1,000 levels).
PARSER_DEPTH = 990


def lesson(*items: Any) -> dict[str, Any]:
    return {"title": "T", "blocks": [{"section": "S", "items": list(items)}]}


def flow(depth: int) -> list[Any]:
    nodes: list[Any] = ["end"]
    for level in range(depth):
        nodes = [[[f"choice {level}", nodes]]]
    return nodes


def full_flow(depth: int) -> list[Any]:
    nodes: list[Any] = [{"kind": "step", "text": "end"}]
    for level in range(depth):
        choice = {"label": f"choice {level}", "flow": nodes}
        nodes = [{"kind": "branch", "choices": [choice]}]
    return nodes


def checklist_tree(depth: int) -> list[Any]:
    nodes: list[Any] = ["item"]
    for level in range(depth):
        nodes = [[f"group {level}", nodes]]
    return nodes


def sections(depth: int) -> dict[str, Any]:
    section: dict[str, Any] = {"section": "S", "items": ["x"]}
    for _ in range(depth):
        section = {"section": "S", "items": ["x"], "subsections": [section]}
    return {"title": "T", "blocks": [section]}


def nested_object(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def nested_array(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


DEEP = {
    "stepflow-150": lesson({"stepFlow": ["Lead", flow(150)]}),
    "stepflow-full-form-150": lesson({"type": "stepFlow", "lead": "L", "flow": full_flow(150)}),
    "checklist-300": lesson({"checklist": ["Lead", checklist_tree(300)]}),
    "subsections-400": sections(400),
    "code-object-900": lesson({"codeviewer": [nested_object(900), "json"]}),
    "treeview-object-900": lesson({"treeview": [{"blocks": nested_array(900)}]}),
    "array-at-the-root": nested_array(PARSER_DEPTH),
    "object-at-the-root": nested_object(PARSER_DEPTH),
    "one-level-too-deep": lesson({"codeviewer": [nested_object(MAX_JSON_DEPTH - 5), "json"]}),
}


def assert_one_too_deep_error(result: ValidationResult) -> None:
    assert not result.ok
    assert result.lesson is None
    assert [(e.path, e.code, e.rule_source) for e in result.errors] == [("", TOO_DEEP, "schema")]
    assert str(MAX_JSON_DEPTH) in result.errors[0].message
    assert result.warnings == ()


@pytest.mark.parametrize("name", list(DEEP))
def test_a_payload_nested_deeper_than_the_limit_gets_one_error(name: str) -> None:
    payload = DEEP[name]
    assert depth_exceeds(payload, MAX_JSON_DEPTH)
    assert_one_too_deep_error(validate_lesson(payload))
    assert_one_too_deep_error(validate_lesson_exactly(payload))


def test_a_payload_exactly_at_the_limit_is_judged_on_its_content() -> None:
    # document(1) > blocks(2) > section(3) > items(4) > item(5) > codeviewer(6) > code(7...)
    payload = lesson({"codeviewer": [nested_object(MAX_JSON_DEPTH - 6), "json"]})
    assert not depth_exceeds(payload, MAX_JSON_DEPTH)
    result = validate_lesson(payload)
    assert result.ok, result.errors
    assert result == validate_lesson_exactly(payload)


@pytest.mark.parametrize(
    "pattern",
    ["(" * 500 + "a" + ")" * 500, "a{4294967295}", "a{99999999999999999999}"],
)
def test_console_patterns_that_break_a_regex_compiler_are_errors(pattern: str) -> None:
    result = validate_lesson(lesson({"console": ["Try it", 1, [[pattern, "ok", "yes"]]]}))
    assert [(e.path, e.code) for e in result.errors] == [
        ("/blocks/0/items/0/console/2/0/0", "value.invalid_regex")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"blocks": [' + "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1) + "]}",
        '{"blocks": [NaN]}',
        '{"blocks": [], "n": Infinity}',
    ],
    ids=["deeper-than-any-parser", "deeper-than-the-limit", "nan", "infinity"],
)
def test_a_treeview_json_string_is_held_to_the_json_rules(text: str) -> None:
    """The client parses it with JSON.parse: no NaN, and no deeper than any JSON DGS reads."""
    result = validate_lesson(lesson({"treeview": [text]}))
    assert [(e.path, e.code) for e in result.errors] == [
        ("/blocks/0/items/0/treeview/0", "value.not_a_lesson")
    ]


# Odd scalars every parser may hand over: huge integers, lone surrogates, odd floats.
ODD = st.sampled_from(
    [2**200, -(2**64), 10**4000, 1e308, -0.0, 5e-324, "\ud800", "\udfff x", "\x00", "\u202e", ""]
)


@st.composite
def deep_values(draw: st.DrawFn) -> Any:
    """Arrays and objects nested up to what a parser accepts, with odd scalars inside."""
    depth = draw(st.integers(min_value=1, max_value=PARSER_DEPTH))
    value: Any = draw(ODD | json_scalars())
    for _ in range(depth):
        if draw(st.booleans()):
            value = [value]
        else:
            value = {draw(st.sampled_from(["flow", "blocks", "items", "kind", "x"])): value}
    return value


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_deep_or_odd_value_anywhere_in_a_lesson_gets_a_verdict(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(VALID_POOL))
    path = data.draw(st.sampled_from(paths_of(base)))
    value = data.draw(deep_values() | ODD)
    payload = _replace(base, path, value)
    version = data.draw(st.sampled_from([None, *SUPPORTED_VERSIONS]))
    result = validate_lesson(payload, version)
    assert result.ok == (not result.errors)
    if depth_exceeds(payload, MAX_JSON_DEPTH):
        assert_one_too_deep_error(result)
    assert result == validate_lesson_exactly(payload, version)


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {**document, head: _replace(document[head], rest, value)}
    copy = list(document)
    copy[head] = _replace(document[head], rest, value)
    return copy


def _deepest_fast_lesson(section_levels: int, object_depth: int) -> dict[str, Any]:
    """Sections, a step flow at its depth limit and open objects, as deep as given."""
    quiz = {"title": "Q", "questions": [{"q": "?", "c": ["a", "b"], "a": 0, "e": "e"}] * 3}
    items = [
        {"type": "stepFlow", "lead": "L", "flow": full_flow(5)},
        {"type": "codeviewer", "code": nested_object(object_depth), "language": "json"},
        {"codeviewer": [nested_object(object_depth), "json"]},
        {"treeview": [{"blocks": nested_array(object_depth - 1)}]},
    ]
    section: dict[str, Any] = {"section": "S", "items": items}
    for _ in range(section_levels - 1):
        section = {"section": "S", "items": ["x"], "subsections": [section]}
    return {"title": "T", "blocks": [section, {"mcqs": quiz}]}


def test_the_deepest_lesson_the_fast_path_reads_is_within_the_limit() -> None:
    """The fast path bounds sections, records and open objects instead of measuring depth.

    This holds its arithmetic to ``MAX_JSON_DEPTH``: the deepest lesson it reads is
    within the limit, and a level more of anything sends the lesson the exact way.
    """
    deepest = _deepest_fast_lesson(MAX_SECTION_LEVELS, MAX_OPEN_OBJECT_DEPTH)
    assert read_without_errors(deepest, None, get_registry()) is not None
    assert not depth_exceeds(deepest, MAX_JSON_DEPTH)
    for deeper in (
        _deepest_fast_lesson(MAX_SECTION_LEVELS + 1, MAX_OPEN_OBJECT_DEPTH),
        _deepest_fast_lesson(MAX_SECTION_LEVELS, MAX_OPEN_OBJECT_DEPTH + 1),
    ):
        assert read_without_errors(deeper, None, get_registry()) is None
        assert validate_lesson(deeper) == validate_lesson_exactly(deeper)
        assert validate_lesson(deeper).ok


@pytest.mark.parametrize("form", ["shorthand", "full"])
def test_readers_leave_deep_records_to_the_exact_path_without_recursing(form: str) -> None:
    readers = widget_readers(get_registry().catalog("1.1").widgets["stepFlow"])
    value: Any
    if form == "shorthand":
        read, value = readers.shorthand, ["Lead", flow(400)]
    else:
        read, value = readers.full, {"type": "stepFlow", "lead": "L", "flow": full_flow(400)}
    # About two frames per record level: room for what the readers read, not for 400.
    room = 120
    assert room > 4 * MAX_RECORD_NESTING
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + room)
    try:
        with pytest.raises(Unclean):
            read(value)
    finally:
        sys.setrecursionlimit(limit)
