"""The offline provider writes exactly what a model is asked to write: the full form of
the LLM schema of the requested catalog version, every field in that version's place."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from adapters.llm.offline import OfflineStructurer, sample_idm
from domain.catalog.registry import SUPPORTED_VERSIONS
from domain.generation import SECTIONS_BY_LENGTH, LessonConstraints
from domain.schema.llm import llm_json_schema
from domain.schema.profiles import PROFILES
from domain.validation.document import validate_lesson

TOPICS = ("The water cycle", "Łódź: a city's history, in 3 parts", "x" * 120)


async def structured(
    topic: str, version: str, length: str = "Detailed", language: str = "en"
) -> dict[str, Any]:
    constraints = LessonConstraints(length=length, language=language)
    out = await OfflineStructurer().structure(sample_idm(topic, constraints), constraints, version)
    lesson: dict[str, Any] = out.lesson
    return lesson


def items_of(lesson: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for block in lesson["blocks"] for item in block.get("items", [])]


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("length", list(SECTIONS_BY_LENGTH))
async def test_the_offline_lesson_passes_the_llm_schema_of_its_version(
    version: str, profile: str, length: str
) -> None:
    validator = jsonschema.Draft202012Validator(llm_json_schema(version, profile))
    for topic in TOPICS:
        lesson = await structured(topic, version, length)
        errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(lesson)]
        assert errors == [], topic
        assert validate_lesson(lesson, version).ok


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_open_objects_are_written_as_json_text_as_the_schema_asks(version: str) -> None:
    (treeview,) = [
        i for i in items_of(await structured("Tides", version)) if i["type"] == "treeview"
    ]
    assert isinstance(treeview["lesson"], str)
    assert '"blocks"' in treeview["lesson"]


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_free_text_fields_land_in_the_fields_of_their_name(version: str) -> None:
    lesson = await structured("Tides", version, language="fr")
    (free_text,) = [i for i in items_of(lesson) if i["type"] == "freeText"]
    assert free_text["prompt"] == "Write two sentences about Tides."
    assert free_text["lang"] == "fr"
    assert free_text["wordlistCsv"] == "tides"
    if version == "1.0":  # the learner's answer box starts empty, not with "en"
        assert free_text["text"] is None
        assert free_text["mode"] is None
