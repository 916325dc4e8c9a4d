"""What DGS passes on to a learner's browser and terminal: the text rules (issue 10).

Prose refuses markup that runs script and every text refuses control characters; code
fields keep their text verbatim. The rules are defined once (``domain.catalog.text``)
and hold in every widget field, the titles and the generation topic.
"""

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.catalog.registry import SUPPORTED_VERSIONS, get_registry
from domain.catalog.rules import SafeText
from domain.catalog.spec import Shape
from domain.catalog.text import all_plain, is_plain, text_problem
from domain.validation import blocks
from domain.validation.document import validate_lesson
from domain.values.lines import TOPIC
from tests.support.lessons import paths_of
from tests.support.mutations import VALID_POOL

SCRIPTS = [
    "<script>alert(1)</script>",
    "Click < SCRIPT src=x>",
    "</script><iframe src=//evil>",
    "<object data=x>",
    "<embed src=x>",
    '<img src=x onerror="alert(1)">',
    "<svg/onload=alert(1)>",
    'x" onmouseover="alert(1)',
    "ONCLICK = steal()",
    "javascript:alert(1)",
    "Read [this](javascript:alert(1))",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    '<a href="vbscript:msgbox">',
    "see data:text/html;base64,PHNjcmlwdD4=",
    "<a href= ' data : text/html,x'>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<a href=&#106;avascript:alert(1)>",
    "&#x6A;avascript&colon;alert(1)",
]
PROSE_FINE = [
    "JavaScript: the language of the web",
    "Raw data: twelve rows",
    "Metadata:x and data - the same?",
    "R&D spending rose; 3 < 4 and 5 > 2",
    "The <b>bold</b> tag and a <p> element",
    "Turn it on = off? Never.",
    "data-onclick= is a data attribute",
    "Ratio 1:2, time 10:30, x = y",
    "Line one\nline two\ttabbed\r\n",
    "Émile, naïve café — “quoted” … ½ 漢字 🙂 \u00a0no-break",
]
CONTROLS = ["\x00", "\x07", "\x1b[2J", "\x7f", "\x9b", "\u202e", "\u2066", "\ud800"]


@pytest.mark.parametrize("text", SCRIPTS)
def test_prose_refuses_markup_that_runs_script_and_code_keeps_it(text: str) -> None:
    problem = text_problem(text, "prose")
    assert problem is not None
    assert "script" in problem
    assert text_problem(text, "line") is not None or "\n" in text or "\t" in text
    if not any(c in text for c in CONTROLS):
        assert text_problem(text, "code") is None


@pytest.mark.parametrize("text", PROSE_FINE)
def test_prose_takes_ordinary_text(text: str) -> None:
    assert text_problem(text, "prose") is None


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize("kind", ["prose", "code", "line"])
def test_control_characters_are_refused_in_every_kind_of_text(control: str, kind: Any) -> None:
    problem = text_problem(f"before {control} after", kind)
    assert problem is not None
    assert f"U+{ord(control[0]):04X}" in problem


def test_a_title_is_one_line_of_visible_text() -> None:
    for invisible in "\t\n\r\u200b\u200d\ufeff\u00ad":
        assert text_problem(f"Title{invisible}more", "line") is not None
    for whitespace in "\t\n\r":
        assert text_problem(f"Text{whitespace}more", "prose") is None
        assert text_problem(f"Code{whitespace}more", "code") is None


FRAGMENTS = st.sampled_from(
    ["a", "on", "click", " ", "=", "<", ">", "/", ":", "&", "#", ";", "(", '"', "'",
     "javascript", "data", "vbscript", "script", "iframe", "&#106;", "&lt;", "&colon;",
     "\t", "\n", "\r", "é", "\u202e", "\x1b", "\x85", "\u00a0", "\ud800", "onerror"]
)  # fmt: skip
TEXTS = st.lists(FRAGMENTS, max_size=12).map("".join) | st.text(max_size=30)


@settings(max_examples=3000, deadline=None)
@given(TEXTS, st.sampled_from(["prose", "code", "line"]))
def test_the_quick_test_never_passes_a_text_the_full_test_refuses(text: str, kind: Any) -> None:
    if is_plain(text, kind):
        assert text_problem(text, kind) is None


@settings(max_examples=2000, deadline=None)
@given(st.lists(TEXTS, max_size=6), st.lists(TEXTS, max_size=4))
def test_the_batch_test_never_passes_a_text_the_full_test_refuses(
    prose: list[str], code: list[str]
) -> None:
    if all_plain(prose, code):
        assert all(text_problem(t, "prose") is None for t in prose)
        assert all(text_problem(t, "code") is None for t in code)
    assert all_plain([None, *prose], [*code, None]) == all_plain(prose, code)  # None: unset
    if all(is_plain(t, "prose") for t in prose) and all(is_plain(t, "code") for t in code):
        assert all_plain(prose, code)


CODE_FIELDS = {
    "codeviewer.code",
    "treeview.lesson",
    "asciiDiagram.diagram",
    "console.@entry/command",
    "console.@entry/pattern",
    "console.@entry/output",
    "console.@guide/solutionCommand",
}


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_every_field_holding_strings_has_its_text_rule(version: str) -> None:
    """The rule is implied by the fields, so no widget field can be left without it."""
    catalog = get_registry().catalog(version)
    code = set()
    for widget in catalog.widgets.values():
        implied = {s.rule.field: s.rule for s in widget.rules if isinstance(s.rule, SafeText)}
        assert implied, widget.key
        shapes: list[tuple[str | None, Shape]] = [(None, widget.shape)]
        shapes += [(name, s) for name, r in widget.records.items() for s in r.shapes]
        for record, shape in shapes:
            for field in shape.fields:
                if field.text is None:
                    continue
                written = field.name if record is None else f"@{record}/{field.name}"
                rule = next(r for f, r in implied.items() if f.split("/*")[0] == written)
                assert rule.kind == field.text
                if field.text == "code":
                    code.add(f"{widget.key}.{written}")
    assert code == CODE_FIELDS


def _lesson(*items: Any, title: str = "T", section: str = "S") -> dict[str, Any]:
    return {"title": title, "blocks": [{"section": section, "items": list(items)}]}


def test_code_fields_keep_markup_verbatim() -> None:
    script = "<script>alert('hi')</script>\n\tindented"
    lesson = _lesson(
        {"codeviewer": [script, "html"]},
        {"asciiDiagram": ["A diagram", "<a> --> javascript:x\n <b>"]},
        {"console": ["Demo", 0, [["echo '<b onclick=x>'", 10, "<b onclick=x>"]]]},
        {
            "console": [
                "Try",
                1,
                [["^<script>$", "ok", "javascript:void(0)"]],
                [["Echo", "echo <i>"]],
            ]
        },
    )
    result = validate_lesson(lesson)
    assert result.ok, result.errors
    assert result.lesson is not None
    assert result.lesson["blocks"][0]["items"][0]["code"] == script


def test_every_prose_field_refuses_script_where_it_is_given() -> None:
    bad = "<script>alert(1)</script>"
    lesson = _lesson(
        bad,
        {"warn": f"Careful {bad}"},
        {"flip": ["Front", "Back", "", "javascript:alert(1)"]},
        {"ul": ["fine", "<img src=x onerror=alert(1)>"]},
        {"table": [["Head"], ["<iframe src=x>"]]},
        {"mcqs": {"title": "Q", "questions": [{"q": "?", "c": ["a", bad], "a": 0, "e": "e"}]}},
        {"stepFlow": ["Lead", ["Step", [["fine", ["ok"]], [bad, [bad]]]]]},
        {"checklist": ["Lead", [["Group", [bad]]]]},
        {"console": ["Try", 1, [["x", "ok", "y"]], [[bad, "ls"]]]},
        {"type": "tr", "source": "EN: <object data=x>", "target": "DE: gut"},
    )
    result = validate_lesson(lesson)
    base = "/blocks/0/items"
    assert {(e.path, e.code) for e in result.errors} == {
        (f"{base}/0", "value.unsafe_text"),
        (f"{base}/1/warn", "value.unsafe_text"),
        (f"{base}/2/flip/3", "value.unsafe_text"),
        (f"{base}/3/ul/1", "value.unsafe_text"),
        (f"{base}/4/table/1/0", "value.unsafe_text"),
        (f"{base}/5/mcqs/questions/0/c/1", "value.unsafe_text"),
        (f"{base}/6/stepFlow/1/1/1/0", "value.unsafe_text"),
        (f"{base}/6/stepFlow/1/1/1/1/0", "value.unsafe_text"),
        (f"{base}/7/checklist/1/0/1/0", "value.unsafe_text"),
        (f"{base}/8/console/3/0/0", "value.unsafe_text"),
        (f"{base}/9/source", "value.unsafe_text"),
    }


def test_titles_are_one_line_of_safe_text() -> None:
    result = validate_lesson(_lesson("x", title="Two\nlines", section="<script>x</script>"))
    assert {(e.path, e.code, e.rule_source) for e in result.errors} == {
        ("/title", "value.unsafe_text", "widgets-1.1.md#document"),
        ("/blocks/0/section", "value.unsafe_text", "widgets-1.1.md#document"),
    }


def test_control_characters_are_refused_in_code_and_inside_open_objects() -> None:
    result = validate_lesson(
        _lesson(
            {"codeviewer": ["print(1)\x1b[2J", "python"]},
            {"codeviewer": [{"key\u202e": "v"}, "json"]},
            {"treeview": [{"blocks": [{"section": "S", "items": ["\x07"]}]}]},
        )
    )
    assert {(e.path, e.code) for e in result.errors} == {
        ("/blocks/0/items/0/codeviewer/0", "value.unsafe_text"),
        ("/blocks/0/items/1/codeviewer/0", "value.unsafe_text"),
        ("/blocks/0/items/2/treeview/0", "value.unsafe_text"),
    }


@pytest.mark.parametrize("topic", ["<script>alert(1)</script>", "Tides\x1b[31m", "x\u202ey"])
def test_the_topic_follows_the_title_rule(topic: str) -> None:
    with pytest.raises(ValueError, match="topic"):
        TOPIC.clean(topic)
    assert TOPIC.clean("  C++ & Rust: a comparison ") == "C++ & Rust: a comparison"


@settings(max_examples=1500, deadline=None)
@given(st.data())
def test_texts_tested_at_once_get_the_verdict_of_texts_tested_one_by_one(
    data: st.DataObject,
) -> None:
    """Validation tests a lesson's texts at once, and one by one only if that test fails."""
    lesson = data.draw(st.sampled_from(VALID_POOL))
    strings = [p for p in paths_of(lesson) if isinstance(_at(lesson, p), str)]
    path = data.draw(st.sampled_from(strings))
    damaged = copy.deepcopy(lesson)
    _at(damaged, path[:-1])[path[-1]] = data.draw(TEXTS | st.sampled_from(SCRIPTS + PROSE_FINE))
    result = validate_lesson(damaged)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(blocks, "all_plain", lambda prose, code: False)  # each text on its own
        assert validate_lesson(damaged) == result


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value
