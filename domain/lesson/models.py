"""The model set of each catalog version, for code that works across versions."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from domain.lesson import v1_0, v1_1

JsonObject = dict[str, Any]
# A TypedDict class validated by pydantic; mypy has no type for "any TypedDict class".
DocumentModel = Any


@dataclass(frozen=True, slots=True)
class LessonModels:
    """The document models of one catalog version (pydantic-validated TypedDicts)."""

    lesson: DocumentModel
    quiz_key: str
    widgets: Mapping[str, DocumentModel]


@cache
def validator(model: DocumentModel) -> TypeAdapter[JsonObject]:
    """The pydantic validator of a document model, built once (building takes ~ms)."""
    return TypeAdapter(model)


def _widgets_of(item_union: object) -> dict[str, DocumentModel]:
    """Map each widget key to its model, read from the item union's ``type`` literals."""
    members = typing.get_args(typing.get_args(item_union)[0])
    return {typing.get_args(typing.get_type_hints(m)["type"])[0]: m for m in members}


MODELS: Mapping[str, LessonModels] = {
    "1.0": LessonModels(v1_0.Lesson, "quiz", _widgets_of(v1_0.Item)),
    "1.1": LessonModels(v1_1.Lesson, "mcqs", _widgets_of(v1_1.Item)),
}
