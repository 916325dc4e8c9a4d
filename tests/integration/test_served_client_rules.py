"""Every lesson DGS serves as 1.0 shorthand follows DLE's own client rules
(dle-widget-catalog.md section 9, read independently in ``tests.support.dle_client``):
offline lessons through the API, the scripted model's lessons through the pipeline,
conversions from 1.1, the corpus, and generated lessons."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.llm.offline import sample_full_lesson, sample_idm
from application.responses import generate_body, lesson_in_format
from application.use_cases.generate_lesson import GenerateRequest
from domain.conversion.versions import convert_lesson
from domain.generation import SECTIONS_BY_LENGTH, LessonConstraints
from domain.schema.llm import llm_form
from tests.http.conftest import KEY, Api, open_api
from tests.integration.test_generation_llm import make_pipeline, settings_for
from tests.support.dle_client import client_errors
from tests.support.lessons import full_lessons
from tests.support.scripted_openai import ScriptedOpenAI, json_completion

pytestmark = pytest.mark.slow  # long generated-lesson runs through the served client rules

CORPUS = Path(__file__).parents[1] / "fixtures" / "lessons" / "valid"
TOPICS = ("Photosynthesis", "Łódź: a city's history, in 3 parts", "x" * 150)
IDM = sample_idm("Photosynthesis", LessonConstraints()).model_dump(mode="json")


def corpus() -> list[Any]:
    return [pytest.param(path, id=path.stem) for path in sorted(CORPUS.glob("*.json"))]


def served_as_1_0(full: dict[str, Any]) -> dict[str, Any]:
    """What ``GET /v1/lessons/{id}?schema_version=1.0`` serves for a lesson (shorthand)."""
    return lesson_in_format(convert_lesson(full, "1.0").lesson, "shorthand")


def assert_client_accepts(lesson: dict[str, Any]) -> None:
    assert lesson["schema_version"] == "1.0"
    assert [str(e) for e in client_errors(lesson)] == []


@pytest.mark.parametrize("path", corpus())
def test_the_corpus_served_as_1_0(path: Path) -> None:
    assert_client_accepts(served_as_1_0(json.loads(path.read_text(encoding="utf-8"))))


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    client, container, calls = await open_api(tmp_path)
    async with client:
        yield Api(client, container, calls)


async def test_offline_lessons_served_by_the_api(api: Api) -> None:
    checked = 0
    for topic in TOPICS:
        for length in SECTIONS_BY_LENGTH:
            constraints = {"length": length}
            body = await api.generate(topic, schema_version="1.0", constraints=constraints)
            assert_client_accepts(body["lesson_json"])
            newer = await api.generate(topic, schema_version="1.1", constraints=constraints)
            response = await api.client.get(
                f"/v1/lessons/{newer['lesson_id']}", params={"schema_version": "1.0"}, headers=KEY
            )
            assert response.status_code == 200
            assert_client_accepts(response.json()["lesson_json"])
            checked += 2
    print(f"offline lessons served as 1.0 and checked: {checked}")


def model_lessons() -> list[Any]:
    """What a model could answer for 1.0: the offline sample and every 1.0 corpus lesson."""
    lessons = [
        pytest.param(
            sample_full_lesson(sample_idm("Photosynthesis", LessonConstraints()), "1.0"),
            id="offline-sample",
        )
    ]
    for param in corpus():
        path: Path = param.values[0]
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("schema_version") == "1.0":
            full = convert_lesson(doc, "1.0").lesson
            lessons.append(pytest.param(llm_form(full), id=path.stem, marks=param.marks))
    return lessons


@pytest.mark.parametrize("answer", model_lessons())
async def test_the_scripted_models_lessons_served_as_1_0(
    answer: dict[str, Any], tmp_path: Path
) -> None:
    server = ScriptedOpenAI()
    server.start()
    try:
        server.script(json_completion(IDM), json_completion(answer))
        async with make_pipeline(server, tmp_path, settings_for(server.base_url)) as pipeline:
            generated = await pipeline.generate(
                GenerateRequest("Photosynthesis", schema_version="1.0")
            )
    finally:
        server.stop()
    assert len(server.requests) == 2  # valid as answered: no repair
    assert_client_accepts(generate_body(generated.record, generated.lesson)["lesson_json"])


@pytest.mark.parametrize("version", ["1.0", "1.1"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_lessons_served_as_1_0(version: str, data: st.DataObject) -> None:
    assert_client_accepts(served_as_1_0(data.draw(full_lessons(version))))
