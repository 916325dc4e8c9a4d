"""The fast path agrees with the exact path, and lessons without errors really take it.

``validate_lesson`` reads lessons without errors with generated readers and falls back
to the exact path for anything else. Users must not be able to tell: every result must
equal the exact path's, field for field, warnings and their order included. And the
fast path must not quietly give up on valid lessons, or validation is right but slow.
"""

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.catalog.loader import parse_catalog
from domain.catalog.registry import SUPPORTED_VERSIONS, get_registry
from domain.conversion.forms import compact
from domain.lesson.models import MODELS, validator
from domain.validation.document import validate_lesson, validate_lesson_exactly
from domain.validation.fast_path import read_without_errors
from domain.validation.readers import Advised, Unclean, widget_readers
from domain.validation.result import ValidationResult
from tests.support.lessons import full_lessons, json_values, paths_of
from tests.support.mutations import VALID_POOL, mutate

pytestmark = pytest.mark.slow  # differential runs: the fast path against the exact one

CORPUS = Path(__file__).parents[2] / "fixtures" / "lessons"
VALID = sorted((CORPUS / "valid").glob("*.json"))
INVALID = sorted((CORPUS / "invalid").glob("*.json"))
MANY = settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _view(result: ValidationResult) -> tuple[Any, ...]:
    return result.ok, result.schema_version, result.errors, result.warnings, result.lesson


def assert_same_verdict(payload: Any, schema_version: str | None = None) -> None:
    fast = validate_lesson(payload, schema_version)
    exact = validate_lesson_exactly(payload, schema_version)
    assert _view(fast) == _view(exact)


def _takes_fast_path(payload: Any, schema_version: str | None = None) -> bool:
    """Whether the fast path reads the payload; if it does, it must read it right."""
    fast = read_without_errors(payload, schema_version, get_registry())
    if fast is None:
        return False
    exact = validate_lesson_exactly(payload, schema_version)
    assert exact.lesson is not None
    assert validator(MODELS[fast.version].lesson).validate_python(fast.document) == exact.lesson
    assert fast.warnings == exact.warnings
    return True


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_corpus_lessons_take_the_fast_path(path: Path) -> None:
    lesson = _load(path)
    assert _takes_fast_path(lesson)
    assert_same_verdict(lesson)


def test_the_corpus_has_valid_lessons_with_warnings() -> None:
    """The warnings the fast path locates are tested on real lessons, not only clean ones."""
    warned = [p for p in VALID if validate_lesson_exactly(_load(p)).warnings]
    assert len(warned) >= 3


def test_warnings_everywhere_are_located_on_the_fast_path_in_the_exact_order() -> None:
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
    assert _takes_fast_path(lesson)
    codes = [(w.path, w.code) for w in validate_lesson(lesson).warnings]
    assert codes == [
        ("/title", "value.too_long"),
        ("/blocks/1/subsections/0", "section.empty"),
        ("/blocks", "document.no_final_quiz"),
        ("/blocks/0/mcqs/questions", "value.too_few"),
        ("/blocks/1/items/0/flip/0", "value.too_long"),
        ("/blocks/1/items/2/text", "value.too_long"),
        ("/blocks/1/subsections/1/items/0/warn", "value.too_long"),
    ]


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_an_unknown_field_in_any_object_is_refused_as_on_the_exact_path(version: str) -> None:
    """The fast path's model skips the unknown-field check: the readers must do all of it.

    Every object of a lesson using every widget, in full form and in shorthand, gets an
    unknown key in turn; each time the lesson must be refused exactly as without the
    fast path (objects given as they are, like a record in full form, included).
    """
    lesson = _every_widget(version)
    for form in (lesson, _full_form(lesson)):
        objects = [p for p in paths_of(form) if isinstance(_at(form, p), dict)]
        refused = 0
        for path in objects:
            damaged = copy.deepcopy(form)
            _at(damaged, path)["unknown"] = "x"
            assert_same_verdict(damaged)
            refused += not validate_lesson(damaged).ok
        # Only open objects take any key (a code listing or a lesson shown as data).
        assert refused >= len(objects) - 3 >= 30


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_corpus_lessons_never_take_the_fast_path(path: Path) -> None:
    lesson = _load(path)["lesson"]
    fast = read_without_errors(lesson, None, get_registry())
    assert fast is None or not validate_lesson(lesson).ok
    assert_same_verdict(lesson)


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_every_widget_example_takes_the_fast_path_in_both_forms(version: str) -> None:
    catalog = get_registry().catalog(version)
    quiz = catalog.block_widget.key
    for example in catalog.examples:
        item = {quiz: _a_quiz(version)} if example.widget == quiz else example.item
        blocks = [{"section": "Widgets", "items": [item]}, {quiz: _a_quiz(version)}]
        lesson = {"schema_version": version, "title": "Examples", "blocks": blocks}
        assert validate_lesson_exactly(lesson).warnings == (), example
        assert _takes_fast_path(lesson), example
        exact = validate_lesson_exactly(lesson)
        assert exact.lesson is not None
        assert _takes_fast_path(exact.lesson), example


def _a_quiz(version: str) -> dict[str, Any]:
    """The catalog's example quiz, given the three questions a quiz should have."""
    catalog = get_registry().catalog(version)
    quiz = catalog.block_widget.key
    example = next(e.item[quiz] for e in catalog.examples if e.widget == quiz)
    question = example["questions"][0]
    questions = [{**question, "q": f"{question['q']} ({n})"} for n in range(3)]
    return {**example, "questions": questions}


@SOME
@given(st.data(), st.sampled_from(SUPPORTED_VERSIONS))
def test_generated_lessons_agree_in_full_form_and_in_shorthand(
    data: st.DataObject, version: str
) -> None:
    full = data.draw(full_lessons(version))
    for lesson in (full, compact(full)):
        assert_same_verdict(lesson)
        assert_same_verdict(lesson, version)


@MANY
@given(json_values())
def test_any_json_value_gets_the_exact_verdict(value: Any) -> None:
    assert_same_verdict(value)


def _every_widget(version: str) -> dict[str, Any]:
    """A clean lesson with every widget example of the catalog, ending with a quiz."""
    catalog = get_registry().catalog(version)
    quiz = {catalog.block_widget.key: _a_quiz(version)}
    items = [e.item for e in catalog.examples if e.widget != catalog.block_widget.key]
    blocks = [{"section": "All", "items": [*items, quiz]}, quiz]
    return {"schema_version": version, "title": "Every widget", "blocks": blocks}


def _clean_pool() -> list[Any]:
    """Clean lessons (no error, no warning) using every widget, in both forms."""
    pool = [_load(p) for p in VALID] + [_every_widget(v) for v in SUPPORTED_VERSIONS]
    pool += [_full_form(lesson) for lesson in pool]
    return [lesson for lesson in pool if not validate_lesson_exactly(lesson).warnings]


def _full_form(lesson: Any) -> Any:
    result = validate_lesson_exactly(lesson)
    assert result.lesson is not None
    return result.lesson


CLEAN_POOL = _clean_pool()


def test_the_clean_pool_is_clean_and_takes_the_fast_path() -> None:
    assert len(CLEAN_POOL) >= 40
    assert all(_takes_fast_path(lesson) for lesson in CLEAN_POOL)


@settings(max_examples=4000, deadline=None)
@given(st.data())
def test_damaged_lessons_get_the_exact_verdict(data: st.DataObject) -> None:
    lesson = data.draw(st.sampled_from(CLEAN_POOL + VALID_POOL))
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        lesson = mutate(data, lesson)
    version = data.draw(st.sampled_from([None, *SUPPORTED_VERSIONS]))
    assert_same_verdict(lesson, version)


@pytest.mark.parametrize("subsections", ["", 0, {}, "none"])
def test_subsections_that_are_not_an_array_are_refused_on_both_paths(subsections: Any) -> None:
    """Found by the test above: an empty string once passed as no subsections."""
    lesson = {
        "title": "T",
        "blocks": [
            {"section": "S", "items": ["Text"], "subsections": subsections},
            {"mcqs": _a_quiz("1.1")},
        ],
    }
    assert not validate_lesson(lesson).ok
    assert_same_verdict(lesson)


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_readers_are_generated_once_per_widget(version: str) -> None:
    for widget in get_registry().catalog(version).widgets.values():
        readers = widget_readers(widget)
        assert widget_readers(widget) is readers
        assert "def read_shorthand(v, P, C):" in readers.source
        assert "def read_full(v, P, C):" in readers.source


def _inlined_rules() -> list[Any]:
    rules = {}
    for version in SUPPORTED_VERSIONS:
        for widget in get_registry().catalog(version).widgets.values():
            for spec in widget.rules:
                if spec.rule.condition("x", "h", lambda obj, hint: hint) is not None:
                    # The field does not change the check: one rule per kind and parameters.
                    rules[repr(spec.rule.model_dump(exclude={"field"}))] = spec.rule
    return list(rules.values())


INLINED_RULES = _inlined_rules()
# Values on both sides of every inlined rule, beside the random ones.
_SCALARS = [None, "", "  ", "x", "EN: x", "1. Intro", "a" * 300, "___", 0, -1, 1, 2, True, 0.5]
_ARRAYS = [[], ["a"], ["a", "A "], ["a", "b", "c"], [[1, 2], [3]], [{"kind": "x"}]]
_OBJECTS = [{}, {"c": ["a", "b"]}, {"kind": "x", "flow": [{"kind": "y", "flow": [{}]}]}]
PROBES = st.sampled_from([*_SCALARS, *_ARRAYS, *_OBJECTS])


def test_most_rules_are_inlined() -> None:
    assert len({type(rule) for rule in INLINED_RULES}) >= 12


def _edges(rule: Any) -> st.SearchStrategy[Any]:
    """Strings, arrays and integers on both sides of the rule's own limit (or of 0 and 1)."""
    limits = [getattr(rule, name) for name in ("max", "min", "count") if hasattr(rule, name)]
    sizes = [size for limit in limits or [1] for size in (limit - 1, limit, limit + 1)]
    return st.sampled_from(
        [v for n in sizes if n >= 0 for v in ("a" * n, ["a"] * n, n, _node_lists(n))]
    )


def _node_lists(depth: int) -> list[Any]:
    """Node lists nested ``depth`` levels deep (what ``max_depth`` counts)."""
    nodes: list[Any] = [{"kind": "step"}]
    for _ in range(depth - 1):
        nodes = [{"kind": "group", "children": nodes}]
    return nodes


def _parents(rule: Any) -> st.SearchStrategy[Any]:
    """Holders with the sibling array an index rule looks into, of a few lengths."""
    sibling = getattr(rule, "list", "c")
    return st.sampled_from([{sibling: ["a"] * n} for n in range(3)] + [{sibling: "ab"}])


@pytest.mark.parametrize("rule", INLINED_RULES, ids=lambda rule: f"{rule.rule}-{rule.field}")
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_an_inlined_rule_breaks_exactly_when_the_rule_reports(
    rule: Any, data: st.DataObject
) -> None:
    value = data.draw(_edges(rule) | PROBES | json_values())
    parent = data.draw(_parents(rule) | PROBES | json_values())
    namespace: dict[str, Any] = {}

    def bind(obj: object, hint: str) -> str:
        namespace[f"_{hint}"] = obj
        return f"_{hint}"

    condition = rule.condition("x", "h", bind)
    broken = eval(condition, namespace, {"x": value, "h": parent})
    assert bool(broken) == any(True for _ in rule.violations(value, parent))


def test_rules_on_every_value_of_a_record_are_read_at_every_depth() -> None:
    """``@record/field`` rules run inside the generated record readers, shorthand or full.

    A broken hard one ends the reading (``Unclean``); broken advice hands the widget to
    the exact code (``Advised``), even from deep inside a record's reader.
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
    readers = widget_readers(widget)
    prose: list[str] = []
    assert readers.shorthand(["a", ["b", ["c", ["d", ["e"]]]]], prose, [])["nodes"][0] == {
        "kind": "leaf", "t": "a"
    }  # fmt: skip
    assert sorted(prose) == ["a", "b", "c", "d", "e"]  # every text, for the batch test
    for deep in (["a", ["b", ["c", ["", ["e"]]]]], ["a", ["b", [" "]]]):
        with pytest.raises(Unclean):
            readers.shorthand(deep, [], [])
    with pytest.raises(Advised):
        readers.shorthand(["a", ["b", ["c", ["long", ["e"]]]]], [], [])
    full = {
        "type": "tree",
        "nodes": [{"kind": "group", "t": "g", "kids": [{"kind": "leaf", "t": ""}]}],
    }
    with pytest.raises(Unclean):
        readers.full(full, [], [])
