import json
import typing
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from domain.catalog.registry import SUPPORTED_VERSIONS
from domain.lesson.models import MODELS
from domain.schema.document import lesson_json_schema
from domain.schema.llm import StrictSchemaError, estimate_tokens, llm_json_schema, to_strict
from domain.schema.strict import openai_strict_violations
from domain.schema.walk import object_depth


def strict_mode_violations(schema: dict[str, Any]) -> list[str]:
    return [str(v) for v in openai_strict_violations(schema)]


CORPUS = Path(__file__).parents[2] / "fixtures" / "lessons"


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_the_llm_schema_follows_openai_strict_mode_rules(version: str) -> None:
    schema = llm_json_schema(version)
    assert strict_mode_violations(schema) == []
    tokens = estimate_tokens(schema)
    print(f"LLM-facing schema {version}: ~{tokens} tokens, depth {object_depth(schema, schema)}")
    assert 0 < tokens < 8000


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_optional_model_fields_are_required_and_nullable_in_the_llm_schema(version: str) -> None:
    defs = llm_json_schema(version)["$defs"]
    for key, model in MODELS[version].widgets.items():
        definition = defs[model.__name__]
        for name, hint in typing.get_type_hints(model).items():
            prop = definition["properties"][name]
            nullable = prop.get("type") == "null" or {"type": "null"} in prop.get("anyOf", [])
            assert nullable == (type(None) in typing.get_args(hint)), f"{key}.{name}"


def test_open_objects_are_offered_as_their_string_alternative() -> None:
    defs = llm_json_schema("1.1")["$defs"]
    assert defs["CodeViewer"]["properties"]["code"] == {"type": "string"}
    assert defs["TreeView"]["properties"]["lesson"] == {"type": "string"}


def test_the_strict_checker_catches_every_rule() -> None:
    loose: dict[str, Any] = {
        "type": "object",
        "properties": {
            "a": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "b": {"type": "array", "prefixItems": [{"type": "string"}]},
            "c": {"type": "object"},
            "d": {"type": "string", "default": "x"},
            "e": {"type": "object", "properties": {"f": {"type": "string"}}, "required": []},
        },
        "required": ["a"],
    }
    problems = "\n".join(strict_mode_violations(loose))
    for expected in ("uses oneOf", "uses prefixItems", "uses default",
                     "not every property is required", "additionalProperties is not false"):  # fmt: skip
        assert expected in problems
    assert "#/properties/c: additionalProperties is not false" in problems  # the open object
    assert strict_mode_violations({"anyOf": []}) == [
        "openai.root_object at #: the root must be an object, not anyOf"
    ]
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(11):
        deep = {
            "type": "object",
            "properties": {"x": deep},
            "required": ["x"],
            "additionalProperties": False,
        }
    assert any("nests 11 levels" in p for p in strict_mode_violations(deep))


def test_to_strict_refuses_models_that_only_offer_open_objects() -> None:
    with pytest.raises(StrictSchemaError):
        to_strict({"type": "object", "properties": {"x": {"type": "object"}}, "required": ["x"]})


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_the_document_schema_is_a_valid_2020_12_schema(version: str) -> None:
    jsonschema.Draft202012Validator.check_schema(lesson_json_schema(version))


def test_the_document_schema_accepts_every_valid_lesson_of_its_version() -> None:
    validators = {
        v: jsonschema.Draft202012Validator(lesson_json_schema(v)) for v in SUPPORTED_VERSIONS
    }
    for path in sorted((CORPUS / "valid").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        errors = list(validators[doc.get("schema_version", "1.1")].iter_errors(doc))
        assert errors == [], f"{path.stem}: {errors[0].message if errors else ''}"


def test_the_document_schema_rejects_structural_errors() -> None:
    validator = jsonschema.Draft202012Validator(lesson_json_schema("1.1"))
    bad = [
        {"title": "T"},
        {
            "title": "T",
            "blocks": [{"section": "S", "items": [{"flip": ["a", "b", "c", "d", "e"]}]}],
        },
        {"title": "T", "blocks": [{"section": "S", "items": [{"nope": 1}]}]},
        {"title": "T", "blocks": [{"section": "S", "items": [{"type": "flip", "front": "a"}]}]},
        {"title": "T", "blocks": [{"quiz": {"title": "Q", "questions": []}}]},
    ]
    for doc in bad:
        assert not validator.is_valid(doc), doc
