"""Validation holds for every JSON value a parser accepts, however deep or odd.

msgspec decodes arrays and objects nested ~1,000 deep, Python's json a little less; a
payload that deep must get one clear error, never a RecursionError, and anything a
widget holds (a regular expression, a JSON string) must not make validation raise.
"""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.catalog.registry import SUPPORTED_VERSIONS
from domain.limits import MAX_JSON_DEPTH, MAX_LESSON_NODES, depth_exceeds, oversize
from domain.validation.document import validate_lesson
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


def assert_one_error(result: ValidationResult, code: str, limit: int) -> None:
    assert not result.ok
    assert result.lesson is None
    assert [(e.path, e.code, e.rule_source) for e in result.errors] == [("", code, "schema")]
    assert f"{limit:,}".replace(",", "") in result.errors[0].message
    assert (result.error_count, result.warnings) == (1, ())


def assert_one_too_deep_error(result: ValidationResult) -> None:
    assert_one_error(result, TOO_DEEP, MAX_JSON_DEPTH)


@pytest.mark.parametrize("name", list(DEEP))
def test_a_payload_nested_deeper_than_the_limit_gets_one_error(name: str) -> None:
    payload = DEEP[name]
    assert depth_exceeds(payload, MAX_JSON_DEPTH)
    assert_one_too_deep_error(validate_lesson(payload))


def test_a_payload_exactly_at_the_limit_is_judged_on_its_content() -> None:
    # document(1) > blocks(2) > section(3) > items(4) > item(5) > codeviewer(6) > code(7...)
    payload = lesson({"codeviewer": [nested_object(MAX_JSON_DEPTH - 6), "json"]})
    assert not depth_exceeds(payload, MAX_JSON_DEPTH)
    result = validate_lesson(payload)
    assert result.ok, result.errors


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


def _paragraphs(count: int) -> dict[str, Any]:
    """A valid lesson holding exactly ``count`` JSON values."""
    # title, blocks, the section, its title and items: 5 values besides the paragraphs.
    return {"title": "T", "blocks": [{"section": "S", "items": ["Text."] * (count - 5)}]}


def test_a_payload_holding_more_values_than_the_limit_gets_one_error() -> None:
    """1 MB of JSON holds 500,000 values; validating them one by one must not be asked for."""
    at_limit = _paragraphs(MAX_LESSON_NODES)
    assert oversize(at_limit, MAX_JSON_DEPTH, MAX_LESSON_NODES) is None
    assert validate_lesson(at_limit).ok
    for payload in (
        _paragraphs(MAX_LESSON_NODES + 1),
        {"title": "T", "blocks": [{"section": "S", "items": [1] * 500_000}]},
        {"title": "T", "blocks": [{"section": "S", "items": [{"ul": [1] * 500_000}]}]},
    ):
        assert_one_error(validate_lesson(payload), "document.too_large", MAX_LESSON_NODES)


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {**document, head: _replace(document[head], rest, value)}
    copy = list(document)
    copy[head] = _replace(document[head], rest, value)
    return copy
