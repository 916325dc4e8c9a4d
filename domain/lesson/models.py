"""The model set of each catalog version, for code that works across versions."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass

from domain.lesson import v1_0, v1_1
from domain.lesson.widgets import QuizFields, StrictModel


@dataclass(frozen=True, slots=True)
class LessonModels:
    """The document models of one catalog version."""

    lesson: type[StrictModel]
    section: type[StrictModel]
    quiz_key: str
    widgets: Mapping[str, type[StrictModel]]
    quiz_payload: type[StrictModel] = QuizFields


def _widgets_of(item_union: object) -> dict[str, type[StrictModel]]:
    """Map each widget key to its model, read from the item union's ``type`` literals."""
    members = typing.get_args(typing.get_args(item_union)[0])
    return {typing.get_args(m.model_fields["type"].annotation)[0]: m for m in members}


MODELS: Mapping[str, LessonModels] = {
    "1.0": LessonModels(v1_0.Lesson, v1_0.Section, "quiz", _widgets_of(v1_0.Item)),
    "1.1": LessonModels(v1_1.Lesson, v1_1.Section, "mcqs", _widgets_of(v1_1.Item)),
}
