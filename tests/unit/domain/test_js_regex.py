"""Console patterns are JavaScript regular expressions the learner's browser runs safely.

ECMA-262 section 22.2 defines the syntax (with the ``u`` flag, 22.2.1; without it, the
web-compatibility grammar of Annex B.1.2). Python's ``re`` is the wrong judge: it takes
``(?P<x>...)`` and ``\\Z``, and raised on ``a{4294967295}`` (issue 10).
"""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.catalog.js_regex import MAX_PATTERN_LENGTH, MAX_REPEAT, js_regex_problem
from domain.validation.document import validate_lesson

GOOD = [
    "^ls( -a)?$",
    '^git commit -m ".+"$',
    r"^cd\s+\S+$",
    "(?:a|b)+",
    "(a+)?",
    r"[\]\-]+x{2,3}",
    r"(?<dir>\w+)/\k<dir>",
    r"(?<=\$)\d+",
    r"\u0041\x41\cA",
    ".*",
    "a{1000}",
]
BAD = {
    "(?P<name>a)": "not a valid JavaScript",  # Python only
    r"\Z": "not a valid JavaScript",  # Python only; an error with the u flag
    r"\A": "not a valid JavaScript",
    r"\"": "not a valid JavaScript",  # the u flag escapes syntax characters only
    "(?i)ls": "not a valid JavaScript",  # inline flags: Python only
    "(": "not a valid JavaScript",
    "a**": "not a valid JavaScript",
    "a{4294967295}": "more than 1000",
    "a{1001,}": "more than 1000",
    "(a+)+$": "repeats a group that repeats",
    "(a*)*": "repeats a group that repeats",
    "((ab)*c){2,}": "repeats a group that repeats",
    "(?:x+y?)+": "repeats a group that repeats",
    r"\p{L}+": "flags",  # a property escape with u, "p{L}" without it
    r"\u{41}": "flags",
    "x" * (MAX_PATTERN_LENGTH + 1): "characters long",
    "(" * 500 + "a" + ")" * 500: "characters long",
    "\ud800": "not a valid JavaScript",
}


@pytest.mark.parametrize("pattern", GOOD)
def test_javascript_patterns_the_client_runs_safely_are_accepted(pattern: str) -> None:
    assert js_regex_problem(pattern) is None


@pytest.mark.parametrize(("pattern", "reason"), list(BAD.items()))
def test_other_patterns_are_refused_with_a_reason(pattern: str, reason: str) -> None:
    problem = js_regex_problem(pattern)
    assert problem is not None
    assert reason in problem


def test_nested_groups_deeper_than_any_parser_takes_are_refused_without_raising() -> None:
    deep = "(" * 300 + "a" + ")" * 300
    assert js_regex_problem(deep, max_length=len(deep)) is not None
    assert MAX_REPEAT == 1000


@settings(max_examples=3000, deadline=None)
@given(st.text(st.sampled_from("a()[]{}|*+?.^$\\-,:<>=!k0123456789PuZx"), max_size=24))
def test_any_pattern_gets_an_answer(pattern: str) -> None:
    problem = js_regex_problem(pattern)
    assert problem is None or isinstance(problem, str)


def _console(pattern: str, delay: int = 100) -> dict[str, Any]:
    interactive = {"console": ["Try", 1, [[pattern, "ok", "yes"]]]}
    scripted = {"console": ["Demo", 0, [["ls", delay, "files"]]]}
    return {"title": "T", "blocks": [{"section": "S", "items": [interactive, scripted]}]}


def test_a_lesson_gets_the_regex_error_at_the_pattern() -> None:
    for pattern in BAD:
        lesson = _console(pattern)
        result = validate_lesson(lesson)
        assert ("/blocks/0/items/0/console/2/0/0", "value.invalid_regex") in {
            (e.path, e.code) for e in result.errors
        }, pattern


def test_a_scripted_delay_has_an_upper_bound() -> None:
    assert validate_lesson(_console("^ls$", 10_000)).errors == ()
    result = validate_lesson(_console("^ls$", 10_001))
    assert [(e.path, e.code) for e in result.errors] == [
        ("/blocks/0/items/1/console/2/0/1", "value.too_large")
    ]
    assert validate_lesson(_console("^ls$", 2**70)).errors[0].code == "value.too_large"
