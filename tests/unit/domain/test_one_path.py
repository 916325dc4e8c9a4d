"""One path: every rule is defined once, and every lesson is judged the same way.

A rule's meaning lives in its class (``domain.catalog.rules``): validation calls it,
it does not carry a second, generated copy that could disagree with it, and a rule
that breaks shows at once rather than sending lessons down a slower path. Whatever
form a lesson is given in (shorthand, full form, a mix), it gets the same verdict,
and a valid lesson's full form is its own canonical form.
"""

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.catalog.loader import parse_catalog
from domain.catalog.registry import SUPPORTED_VERSIONS, WidgetRegistry, get_registry
from domain.catalog.value_rules import NonEmpty
from domain.conversion.forms import compact
from domain.validation.document import validate_lesson
from domain.validation.expand import Unread, widget_expander
from domain.validation.result import ValidationResult, pointer
from domain.validation.rule_checks import widget_checks
from tests.support.lessons import full_lessons, paths_of
from tests.support.mutations import VALID_POOL, mutate

CORPUS = Path(__file__).parents[2] / "fixtures" / "lessons"
VALID = sorted((CORPUS / "valid").glob("*.json"))
SOME = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _fresh_registry() -> WidgetRegistry:
    """The pinned catalogs, parsed again: their rules compiled anew when first used."""
    pinned = get_registry()
    catalogs = {v: parse_catalog(c.text, c.file_name, v) for v, c in pinned.catalogs.items()}
    return WidgetRegistry(catalogs)


def test_a_rule_means_what_its_class_says(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (issue 12): the fast path inlined a second, generated copy of each rule.

    Changing ``NonEmpty`` changed the exact path only: valid lessons went on passing
    the fast path's own idea of "non-empty". Now the class is the one definition.
    """
    lesson = _every_widget("1.1")
    assert validate_lesson(lesson, registry=_fresh_registry()).ok

    def everything_is_empty(self: NonEmpty, value: Any, parent: Any) -> str | None:
        return "must not be empty"

    monkeypatch.setattr(NonEmpty, "message", everything_is_empty)
    result = validate_lesson(lesson, registry=_fresh_registry())
    assert not result.ok
    assert result.errors
    assert {e.code for e in result.errors} == {"value.empty"}


def test_a_broken_rule_is_loud_not_slow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (issue 12): the fast path caught every exception and fell back.

    A rule that raises was a slower validation, not a failure anyone saw; there is no
    fallback now, so a bug in a rule is an error where it happens.
    """

    def broken(self: NonEmpty, value: Any, parent: Any) -> str | None:
        raise ZeroDivisionError("a bug in a rule")

    monkeypatch.setattr(NonEmpty, "message", broken)
    with pytest.raises(ZeroDivisionError, match="a bug in a rule"):
        validate_lesson(_every_widget("1.1"), registry=_fresh_registry())


def _assert_canonical(result: ValidationResult) -> None:
    """A valid lesson's full form is valid, with the same warnings, and is its own form."""
    assert result.ok, result.errors
    assert result.lesson is not None
    again = validate_lesson(result.lesson)
    assert again.ok
    assert again.lesson == result.lesson
    assert [w.code for w in again.warnings] == [w.code for w in result.warnings]


def _every_widget(version: str) -> dict[str, Any]:
    """A clean lesson with every widget example of the catalog, ending with a quiz."""
    catalog = get_registry().catalog(version)
    quiz = {catalog.block_widget.key: _a_quiz(version)}
    items = [e.item for e in catalog.examples if e.widget != catalog.block_widget.key]
    blocks = [{"section": "All", "items": [*items, quiz]}, quiz]
    return {"schema_version": version, "title": "Every widget", "blocks": blocks}


def _a_quiz(version: str) -> dict[str, Any]:
    """The catalog's example quiz, given the three questions a quiz should have."""
    catalog = get_registry().catalog(version)
    quiz = catalog.block_widget.key
    example = next(e.item[quiz] for e in catalog.examples if e.widget == quiz)
    question = example["questions"][0]
    questions = [{**question, "q": f"{question['q']} ({n})"} for n in range(3)]
    return {**example, "questions": questions}


def _clean_pool() -> list[Any]:
    """Clean lessons (no error, no warning) using every widget, in both forms."""
    pool = [_load(p) for p in VALID] + [_every_widget(v) for v in SUPPORTED_VERSIONS]
    pool += [_full_form(lesson) for lesson in pool]
    return [lesson for lesson in pool if not validate_lesson(lesson).warnings]


def _full_form(lesson: Any) -> Any:
    result = validate_lesson(lesson)
    assert result.lesson is not None
    return result.lesson


CLEAN_POOL = _clean_pool()


def test_clean_lessons_in_either_form_are_valid_and_canonical() -> None:
    assert len(CLEAN_POOL) >= 40
    for lesson in CLEAN_POOL:
        result = validate_lesson(lesson)
        assert result.warnings == ()
        _assert_canonical(result)


def test_the_corpus_has_valid_lessons_with_warnings() -> None:
    """The warnings are tested on real lessons, not only on clean ones."""
    warned = [p for p in VALID if validate_lesson(_load(p)).warnings]
    assert len(warned) >= 3
    for path in warned:
        _assert_canonical(validate_lesson(_load(path)))


def test_warnings_everywhere_are_located_in_document_order() -> None:
    long = "x" * 300
    lesson = {
        "title": "A title well over the forty characters that are advised",
        "blocks": [
            {"mcqs": {"title": "Too short", "questions": _a_quiz("1.1")["questions"][:1]}},
            {
                "section": "Details",
                "items": [{"flip": [long, "Back"]}, "Fine", {"type": "warn", "text": long}],
                "subsections": [
                    {"section": "Empty", "items": []},
                    {"section": "Nested", "items": [{"warn": long}]},
                ],
            },
        ],
    }
    result = validate_lesson(lesson)
    assert result.ok
    assert [(w.path, w.code) for w in result.warnings] == [
        ("/title", "value.too_long"),
        ("/blocks/1/subsections/0", "section.empty"),
        ("/blocks", "document.no_final_quiz"),
        ("/blocks/0/mcqs/questions", "value.too_few"),
        ("/blocks/1/items/0/flip/0", "value.too_long"),
        ("/blocks/1/items/2/text", "value.too_long"),
        ("/blocks/1/subsections/1/items/0/warn", "value.too_long"),
    ]


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_an_unknown_field_in_any_object_is_refused(version: str) -> None:
    """Every object of a lesson using every widget, in full form and in shorthand, gets
    an unknown key in turn; each time the lesson is refused at that object."""
    lesson = _every_widget(version)
    for form in (lesson, _full_form(lesson)):
        objects = [p for p in paths_of(form) if isinstance(_at(form, p), dict)]
        refused = 0
        for path in objects:
            damaged = copy.deepcopy(form)
            _at(damaged, path)["unknown"] = "x"
            result = validate_lesson(damaged)
            if not result.ok:
                refused += 1
                assert any(e.path.startswith(pointer(path)) for e in result.errors), path
        # Only open objects take any key (a code listing or a lesson shown as data).
        assert refused >= len(objects) - 3 >= 30


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_every_widget_example_is_clean_in_both_forms(version: str) -> None:
    catalog = get_registry().catalog(version)
    quiz = catalog.block_widget.key
    for example in catalog.examples:
        item = {quiz: _a_quiz(version)} if example.widget == quiz else example.item
        blocks = [{"section": "Widgets", "items": [item]}, {quiz: _a_quiz(version)}]
        lesson = {"schema_version": version, "title": "Examples", "blocks": blocks}
        result = validate_lesson(lesson)
        assert result.warnings == (), example
        _assert_canonical(result)


@SOME
@given(st.data(), st.sampled_from(SUPPORTED_VERSIONS))
def test_a_lesson_gets_one_verdict_in_full_form_and_in_shorthand(
    data: st.DataObject, version: str
) -> None:
    full = data.draw(full_lessons(version))
    results = [validate_lesson(full), validate_lesson(compact(full), version)]
    for result in results:
        _assert_canonical(result)
    assert results[0].lesson == results[1].lesson == full
    assert [w.code for w in results[0].warnings] == [w.code for w in results[1].warnings]


@settings(max_examples=2000, deadline=None)
@given(st.data())
def test_damaged_lessons_get_a_verdict_that_does_not_depend_on_the_run(
    data: st.DataObject,
) -> None:
    """The same payload, validated again (its widgets compiled already), gets the same
    verdict; when it is valid, its full form is its own canonical form."""
    lesson = data.draw(st.sampled_from(CLEAN_POOL + VALID_POOL))
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        lesson = mutate(data, lesson)
    version = data.draw(st.sampled_from([None, *SUPPORTED_VERSIONS]))
    result = validate_lesson(lesson, version)
    assert validate_lesson(copy.deepcopy(lesson), version) == result
    if result.ok:
        _assert_canonical(result)


@pytest.mark.parametrize("subsections", ["", 0, {}, "none"])
def test_subsections_that_are_not_an_array_are_refused(subsections: Any) -> None:
    """Found by a differential test: an empty string once passed as no subsections."""
    lesson = {
        "title": "T",
        "blocks": [
            {"section": "S", "items": ["Text"], "subsections": subsections},
            {"mcqs": _a_quiz("1.1")},
        ],
    }
    result = validate_lesson(lesson)
    assert not result.ok
    assert [(e.path, e.code) for e in result.errors] == [
        ("/blocks/0/subsections", "field.wrong_type")
    ]


def test_rules_on_every_value_of_a_record_hold_at_every_depth_in_document_order() -> None:
    """``@record/field`` rules apply to each value of the record, however deep.

    Findings come in the rules' order, then in document order (a record before the
    records it holds), given in shorthand or in full form.
    """
    spec = {
        "widget": "tree",
        "block": True,
        "shorthand": "list",
        "fields": [{"name": "nodes", "type": "node[]"}],
        "records": {
            "node": {
                "variants": [
                    {"kind": "leaf", "shorthand": "string", "fields": [{"name": "t", "type": "string"}]},
                    {"kind": "group", "shorthand": "positional", "fields": [
                        {"name": "t", "type": "string"}, {"name": "kids", "type": "node[]"}]},
                ]
            }
        },
        "hard": [{"rule": "non_empty", "field": "@node/t"}],
        "soft": [{"rule": "max_length", "field": "@node/t", "max": 3}],
    }  # fmt: skip
    text = (
        '# t\n\n```dle-catalog\n{"schema_version": "1.1"}\n```\n\n## tree\n\nA tree.\n\n'
        f"```dle-spec\n{json.dumps(spec)}\n```\n\n"
        '```dle-example\n{"tree": ["a", ["b", ["c"]]]}\n```\n'
    )
    widget = parse_catalog(text, "t.md", "1.1").widgets["tree"]
    shorthand = ["long", ["", ["c", ["longer", [" ", "e"]]]]]
    full = widget_expander(widget)(shorthand, False, Unread())
    assert full is not None
    assert full["nodes"][0] == {"kind": "leaf", "t": "long"}
    found = widget_checks(widget).exact(full)
    group, kids = ("nodes", 1), ("nodes", 1, "kids")
    assert [(widget.rules[i].rule.rule, loc) for i, loc, _ in found] == [
        ("non_empty", (*group, "t")),
        ("non_empty", (*kids, 1, "kids", 0, "t")),
        ("max_length", ("nodes", 0, "t")),
        ("max_length", (*kids, 1, "t")),
    ]
    assert widget_expander(widget)(full, True, Unread()) == full  # its own full form


def test_a_record_given_in_full_form_inside_shorthand_is_judged_as_given() -> None:
    """Such a record is passed on as given: valid, it counts; with an unknown key (which
    no reader looked at), the lesson model refuses it there."""
    card = {"text": "Water", "correct": 0, "feedback": "An input"}
    swipe = {"swipecards": ["Sort", ["In", "Out"], [["Light", 0, "An input"], card]]}
    lesson = {
        "title": "T",
        "blocks": [{"section": "S", "items": [swipe]}, {"mcqs": _a_quiz("1.1")}],
    }
    result = validate_lesson(lesson)
    _assert_canonical(result)
    assert result.lesson is not None
    assert result.lesson["blocks"][0]["items"][0]["cards"][1] == card
    card["unknown"] = "x"
    result = validate_lesson(lesson)
    assert [(e.path, e.code) for e in result.errors] == [
        ("/blocks/0/items/0/swipecards/2/1/unknown", "field.unknown")
    ]
