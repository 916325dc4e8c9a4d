"""Each provider profile's rules: a schema breaking one rule is reported under that rule,
and DGS's own schemas pass the profile of every route that sends them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from domain.catalog.registry import SUPPORTED_VERSIONS
from domain.schema.llm import depth_budgets, estimate_tokens, llm_json_schema
from domain.schema.profiles import PROFILES, profile_violations
from domain.schema.unroll import unroll
from domain.schema.walk import find_cycle, object_depth, ref_edges

Schema = dict[str, Any]


def obj(**properties: Any) -> Schema:
    """A strict object: every property required, nothing else allowed."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


STRING: Schema = {"type": "string"}
GOOD: Schema = obj(a=STRING, b={"type": "array", "items": obj(c={"enum": ["x", "y"]})})


def rules(schema: Schema, profile: str) -> set[str]:
    return {v.rule for v in profile_violations(schema, profile)}


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_a_plain_strict_schema_passes_every_profile(profile: str) -> None:
    assert profile_violations(GOOD, profile) == []


def nested(levels: int) -> Schema:
    node: Schema = STRING
    for _ in range(levels):
        node = obj(x=node)
    return node


def with_defs(root: Schema, **defs: Schema) -> Schema:
    return {**root, "$defs": defs}


OPENAI_BREAKS: dict[str, Schema] = {
    "openai.root_object": {"anyOf": [GOOD, obj(z=STRING)]},
    "openai.all_required": {**GOOD, "required": ["a"]},
    "openai.additional_properties": {**obj(a={"type": "object"})},
    "openai.banned_keyword": obj(a={"oneOf": [STRING, {"type": "integer"}]}),
    "openai.anyof_first_keys": obj(
        a={"anyOf": [obj(title=STRING, n={"type": "integer"}), obj(title=STRING, m=STRING)]}
    ),
    "openai.max_properties": obj(**{f"p{i}": STRING for i in range(5001)}),
    "openai.max_nesting": nested(11),
    "openai.name_chars": obj(**{"n" * 1000 + str(i): STRING for i in range(121)}),
    "openai.enum_limits": obj(a={"enum": [f"value-{i:060d}" for i in range(251)]}),
    "openai.local_ref": obj(a={"$ref": "https://example.com/schema.json"}),
}


@pytest.mark.parametrize("rule", sorted(OPENAI_BREAKS))
def test_each_openai_strict_rule_reports_a_schema_that_breaks_it(rule: str) -> None:
    assert rule in rules(OPENAI_BREAKS[rule], "openai")


def test_openai_limits_are_inclusive_and_count_every_enum() -> None:
    assert "openai.max_nesting" not in rules(nested(10), "openai")
    assert "openai.max_properties" not in rules(
        obj(**{f"p{i}": STRING for i in range(5000)}), "openai"
    )
    many_small_enums = obj(**{f"e{i}": {"enum": list(range(100))} for i in range(11)})
    assert "openai.enum_limits" in rules(many_small_enums, "openai")  # 1,100 values in all
    long_but_few = obj(a={"enum": ["v" * 100 for _ in range(200)]})  # <= 250 values: no cap
    assert "openai.enum_limits" not in rules(long_but_few, "openai")


def test_distinct_discriminators_first_are_accepted_by_openai() -> None:
    tagged = obj(
        a={
            "anyOf": [
                obj(type={"enum": ["mcqs"]}, title=STRING),
                obj(type={"enum": ["swipecards"]}, title=STRING),
            ]
        }
    )
    assert profile_violations(tagged, "openai") == []
    via_refs = with_defs(
        obj(a={"anyOf": [{"$ref": "#/$defs/A"}, {"$ref": "#/$defs/B"}]}),
        A=obj(title=STRING, x=STRING),
        B=obj(title=STRING, y=STRING),
    )
    assert "openai.anyof_first_keys" in rules(via_refs, "openai")  # refs are followed


GEMINI_BREAKS: dict[str, Schema] = {
    "gemini.keyword": obj(a={"type": "string", "pattern": "^x"}),
    "gemini.ref_siblings": with_defs(
        obj(a={"$ref": "#/$defs/A", "description": "d"}), A=obj(x=STRING)
    ),
    "gemini.enum_type": obj(a={"enum": ["x", True]}),
    "gemini.recursion": with_defs(
        obj(root={"$ref": "#/$defs/Node"}),
        Node=obj(children={"type": "array", "items": {"$ref": "#/$defs/Node"}}),
    ),
}


@pytest.mark.parametrize("rule", sorted(GEMINI_BREAKS))
def test_each_gemini_rule_reports_a_schema_that_breaks_it(rule: str) -> None:
    assert rule in rules(GEMINI_BREAKS[rule], "gemini")


def test_gemini_allows_recursion_through_a_non_required_property_and_dollar_siblings() -> None:
    node = {
        "type": "object",
        "properties": {
            "name": STRING,
            "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
        },
        "required": ["name"],
    }
    assert (
        profile_violations(with_defs(obj(root={"$ref": "#/$defs/Node"}), Node=node), "gemini") == []
    )
    dollar = with_defs(obj(a={"$ref": "#/$defs/A", "$comment": "ok"}), A=obj(x=STRING))
    assert "gemini.ref_siblings" not in rules(dollar, "gemini")
    assert "gemini.enum_type" not in rules(obj(a={"enum": ["x", 1, 2.5]}), "gemini")


GRAMMAR_BREAKS: dict[str, Schema] = {
    "grammar.keyword": obj(a={"allOf": [STRING]}),
    "grammar.local_ref": obj(a={"$ref": "https://example.com/schema.json"}),
    "grammar.recursion": GEMINI_BREAKS["gemini.recursion"],
}


@pytest.mark.parametrize("rule", sorted(GRAMMAR_BREAKS))
def test_each_grammar_engine_rule_reports_a_schema_that_breaks_it(rule: str) -> None:
    assert rule in rules(GRAMMAR_BREAKS[rule], "grammar")


def test_a_violation_names_its_rule_and_where() -> None:
    (violation,) = profile_violations(OPENAI_BREAKS["openai.anyof_first_keys"], "openai")
    assert violation.path == "#/properties/a/anyOf"
    assert str(violation).startswith("openai.anyof_first_keys at #/properties/a/anyOf: ")


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_the_llm_schema_of_each_profile_passes_that_profile(version: str, profile: str) -> None:
    schema = llm_json_schema(version, profile)
    assert [str(v) for v in profile_violations(schema, profile)] == []
    print(f"LLM schema {version} for {profile}: ~{estimate_tokens(schema)} tokens")


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_every_union_member_leads_with_its_discriminator(version: str) -> None:
    for profile in PROFILES:
        defs = llm_json_schema(version, profile)["$defs"]
        for name, definition in defs.items():
            props = list(definition.get("properties", {}))
            tags = [p for p in ("type", "kind") if p in props]
            assert tags == [] or props[0] == tags[0], f"{profile} {name}: {props}"


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_unrolled_profiles_have_no_recursion_and_keep_the_catalog_depths(version: str) -> None:
    recursive = llm_json_schema(version, "openai")
    assert find_cycle(ref_edges(recursive)) is not None  # openai keeps recursion ...
    unrolled = llm_json_schema(version, "gemini")
    assert find_cycle(ref_edges(unrolled)) is None
    assert llm_json_schema(version, "grammar") == unrolled
    defs = unrolled["$defs"]
    budgets = depth_budgets(version)
    assert budgets == {"Section": 3, "FlowBranch": 5, "CheckGroup": 2}
    for name, depth in budgets.items():
        copies = [d for d in defs if d == name or d.startswith(f"{name}_")]
        assert len(copies) == depth, copies
    # ... because unrolled it would break strict mode's nesting limit
    assert "openai.max_nesting" in rules(unrolled, "openai")
    assert object_depth(recursive, recursive) <= 10


def test_the_exported_schema_is_a_copy() -> None:
    schema = llm_json_schema("1.1", "gemini")
    pristine = copy.deepcopy(schema)
    schema["$defs"].clear()
    assert llm_json_schema("1.1", "gemini") == pristine


def test_unrolling_drops_what_cannot_fit_and_leaves_no_empty_definition() -> None:
    # A node whose only child list must hold nodes: past its budget nothing fits.
    strict_tree = with_defs(
        obj(root={"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}),
        Node=obj(kids={"type": "array", "items": {"$ref": "#/$defs/Node"}}),
    )
    unrolled = unroll(strict_tree, {"Node": 2})
    assert unrolled["properties"]["root"] == {"type": "null"}  # no finite tree exists
    assert "$defs" not in unrolled
    optional = with_defs(
        obj(root={"$ref": "#/$defs/Node"}),
        Node=obj(kids={"type": "array", "items": {"anyOf": [STRING, {"$ref": "#/$defs/Node"}]}}),
    )
    unrolled = unroll(optional, {"Node": 2})
    assert sorted(unrolled["$defs"]) == ["Node", "Node_2"]
    assert unrolled["$defs"]["Node_2"]["properties"]["kids"]["items"] == STRING
    assert find_cycle(ref_edges(unrolled)) is None
