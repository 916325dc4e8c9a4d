"""Each exported LLM schema compiles in a real grammar engine (llguidance), which accepts
every valid lesson in the form the model is asked to write, and rejects broken ones."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.llm.offline import sample_full_lesson, sample_idm
from domain.catalog.registry import SUPPORTED_VERSIONS
from domain.conversion.forms import expand
from domain.generation import SECTIONS_BY_LENGTH, LessonConstraints
from domain.schema.llm import estimate_tokens, llm_form, llm_json_schema
from domain.schema.profiles import PROFILES
from tests.support.grammar import CompiledSchema, compile_schema
from tests.support.lessons import full_lessons

CORPUS = Path(__file__).parents[2] / "fixtures" / "lessons" / "valid"
TOPICS = ("Photosynthesis", "Łódź: a city's history, in 3 parts", "x" * 150)
CASES = [(v, p) for v in SUPPORTED_VERSIONS for p in sorted(PROFILES)]


@cache
def compiled(version: str, profile: str) -> CompiledSchema:
    return compile_schema(llm_json_schema(version, profile))


def corpus(version: str) -> dict[str, dict[str, Any]]:
    """Every valid corpus lesson of ``version``, as the model would write it."""
    found = {}
    for path in sorted(CORPUS.glob("*.json")):
        full = expand(json.loads(path.read_text(encoding="utf-8")))
        if full["schema_version"] == version:
            found[path.stem] = llm_form(full)
    return found


def offline(version: str) -> dict[str, dict[str, Any]]:
    """Every offline-provider lesson shape of ``version`` (each length, several topics)."""
    return {
        f"{topic[:12]}/{length}": sample_full_lesson(
            sample_idm(topic, LessonConstraints(length=length)), version
        )
        for topic in TOPICS
        for length in SECTIONS_BY_LENGTH
    }


@pytest.mark.parametrize(("version", "profile"), CASES)
def test_the_schema_compiles_and_accepts_every_corpus_and_offline_lesson(
    version: str, profile: str
) -> None:
    grammar = compiled(version, profile)
    lessons = {**corpus(version), **offline(version)}
    assert len(lessons) >= 20
    refused = [name for name, lesson in lessons.items() if not grammar.accepts(lesson)]
    assert refused == []
    tokens = estimate_tokens(llm_json_schema(version, profile))
    print(
        f"llguidance {version}/{profile}: compiled in {grammar.seconds * 1000:.1f} ms, "
        f"~{tokens} schema tokens, {len(lessons)} lessons accepted"
    )


@pytest.mark.slow  # a grammar compiled per profile, property run
@pytest.mark.parametrize(("version", "profile"), CASES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_lessons_are_accepted(version: str, profile: str, data: st.DataObject) -> None:
    lesson = data.draw(full_lessons(version))
    assert compiled(version, profile).accepts(llm_form(lesson))


def base(version: str) -> dict[str, Any]:
    return copy.deepcopy(corpus(version)[f"{version}-full-form"])


def first_item(lesson: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = lesson["blocks"][0]["items"][0]
    return item


def breakage(version: str) -> dict[str, dict[str, Any]]:
    """Structurally broken lessons: none of them is what the schema asks for."""
    broken: dict[str, dict[str, Any]] = {}

    def case(name: str, change: Any) -> None:
        lesson = base(version)
        change(lesson)
        broken[name] = lesson

    case("no title", lambda d: d.pop("title"))
    case("null title", lambda d: d.update(title=None))
    case("extra root key", lambda d: d.update(author="me"))
    case("other version", lambda d: d.update(schema_version="9.9"))
    case("unknown widget", lambda d: first_item(d).update(type="video"))
    case("extra field", lambda d: first_item(d).update(hint="x"))
    case(
        "missing field", lambda d: first_item(d).pop(next(k for k in first_item(d) if k != "type"))
    )
    case("section without subsections key", lambda d: d["blocks"][0].pop("subsections"))
    case("shorthand item", lambda d: d["blocks"][0]["items"].append({"p": "text"}))
    case("plain string item", lambda d: d["blocks"][0]["items"].append("text"))
    case(
        "treeview lesson as an object",
        lambda d: d["blocks"][0]["items"].append(
            {
                "type": "treeview",
                "lesson": {"blocks": []},
                "title": None,
                "textareaId": None,
                "editorId": None,
            }
        ),
    )
    case(
        "answer index as text",
        lambda d: d["blocks"].append(
            {
                "quiz" if version == "1.0" else "mcqs": {
                    "title": "Q",
                    "questions": [{"q": "?", "c": ["a", "b"], "a": "0", "e": "e"}],
                }
            }
        ),
    )
    assert all(lesson != base(version) for lesson in broken.values())
    return broken


@pytest.mark.parametrize(("version", "profile"), CASES)
def test_structurally_broken_lessons_are_rejected(version: str, profile: str) -> None:
    grammar = compiled(version, profile)
    accepted = [name for name, lesson in breakage(version).items() if grammar.accepts(lesson)]
    assert accepted == []


def flow(depth: int) -> list[dict[str, Any]]:
    """A step flow whose branches nest ``depth`` deep."""
    nodes: list[dict[str, Any]] = [{"kind": "step", "text": "end"}]
    for level in range(depth):
        nodes = [{"kind": "branch", "choices": [{"label": str(level), "flow": nodes}]}]
    return nodes


def tree(levels: int) -> list[dict[str, Any]]:
    """A checklist tree of ``levels`` node lists, the root included."""
    nodes: list[dict[str, Any]] = [{"kind": "item", "text": "leaf"}]
    for level in range(levels - 1):
        nodes = [{"kind": "group", "title": str(level), "children": nodes}]
    return nodes


def sections(levels: int) -> dict[str, Any]:
    section: dict[str, Any] = {"section": "Deepest", "items": [], "subsections": None}
    for level in range(levels - 1):
        section = {"section": f"Level {level}", "items": [], "subsections": [section]}
    return section


def with_item(version: str, item: dict[str, Any]) -> dict[str, Any]:
    lesson = base(version)
    lesson["blocks"][0]["items"] = [item]
    return lesson


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_unrolled_schemas_hold_the_catalog_depths_the_recursive_one_leaves_to_validation(
    version: str,
) -> None:
    deep: dict[str, tuple[dict[str, Any], bool]] = {}
    for key, field, build, limit in (("stepFlow", "flow", flow, 5), ("checklist", "tree", tree, 3)):
        for size in (limit, limit + 1):
            item = {"type": key, "lead": "l", field: build(size)}
            deep[f"{key} of {size}"] = (with_item(version, item), size == limit)
    for size in (3, 4):
        deep[f"sections {size} deep"] = ({**base(version), "blocks": [sections(size)]}, size == 3)
    for name, (lesson, within_limits) in deep.items():
        assert compiled(version, "openai").accepts(lesson), name
        for profile in ("gemini", "grammar"):
            assert compiled(version, profile).accepts(lesson) == within_limits, (profile, name)
