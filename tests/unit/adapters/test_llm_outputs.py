"""The structured-output types: made once per process, sharing one schema, read strictly."""

from __future__ import annotations

import dataclasses
import json

import pytest

from adapters.llm.lesson_output import OFF_LOOP_CHARS, LessonText, read_lesson
from adapters.llm.material_output import material_output
from adapters.llm.steps import output_schema
from application.ports.generation import ModelRoute, UnreadableOutput
from domain.schema.llm import llm_json_schema, shared_llm_json_schema
from tests.support.generation import VALID

ROUTE = ModelRoute("compatible", "m")


@pytest.mark.parametrize("step", ["gatherer", "structurer", "repair"])
def test_each_output_type_is_made_once_per_process(step: str) -> None:
    """Regression: a new output type, with a new schema, was built for every call."""
    assert output_schema(step, ROUTE, "1.1") is output_schema(step, ROUTE, "1.1")  # type: ignore[arg-type]


def test_the_lesson_schema_sent_is_the_shared_one_and_callers_get_copies() -> None:
    sent = output_schema("structurer", ROUTE, "1.1").json_schema()
    assert sent is shared_llm_json_schema("1.1", "grammar")
    mine = llm_json_schema("1.1", "grammar")
    assert mine == sent
    assert mine is not sent


def test_the_output_types_are_plain_objects_to_the_sdk() -> None:
    """The agents SDK deep-copies every dataclass of an agent each time it describes a run."""
    for output in (material_output(), output_schema("structurer", ROUTE, "1.0")):
        assert not dataclasses.is_dataclass(output)


@pytest.mark.parametrize("padding", [0, OFF_LOOP_CHARS])  # read on the loop, and off it
async def test_lesson_text_is_read_strictly_after_the_run(padding: int) -> None:
    lesson = {**VALID, "title": VALID["title"] + " " * padding}
    assert await read_lesson(LessonText(json.dumps(lesson))) == lesson
    unreadable = await read_lesson(LessonText(json.dumps(lesson)[:-1] + " NaN}"))
    assert isinstance(unreadable, UnreadableOutput)
    assert unreadable.code == "json.malformed"
