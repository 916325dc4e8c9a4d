"""The model set of each catalog version, for code that works across versions."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import SchemaValidator

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


@cache
def keys_checked_validator(model: DocumentModel) -> SchemaValidator:
    """The model's validator without its unknown-field check, for checked documents.

    Strict types, discriminated unions and required fields are all validated; only the
    search for unknown keys is left out. It costs pydantic ~35% of its time on a lesson,
    and finds nothing on a document whose every object was built or read key by key
    (``domain.validation.expand``: ``Unread.passed_on`` says when one was not). Use it
    for such documents only; the model itself (``validator``) refuses unknown fields.
    """
    return SchemaValidator(_ignoring_unknown_fields(validator(model).core_schema))


def _ignoring_unknown_fields(schema: Any) -> Any:
    """A copy of a core schema whose TypedDicts ignore unknown keys instead of refusing."""
    if isinstance(schema, list):
        return [_ignoring_unknown_fields(item) for item in schema]
    if not isinstance(schema, dict):
        return schema  # classes, functions and values are shared, not copied
    copy = {key: _ignoring_unknown_fields(value) for key, value in schema.items()}
    if copy.get("type") == "typed-dict":
        copy["extra_behavior"] = "ignore"
        if "config" in copy:
            copy["config"] = {**copy["config"], "extra_fields_behavior": "ignore"}
    return copy


def _widgets_of(item_union: object) -> dict[str, DocumentModel]:
    """Map each widget key to its model, read from the item union's ``type`` literals."""
    members = typing.get_args(typing.get_args(item_union)[0])
    return {typing.get_args(typing.get_type_hints(m)["type"])[0]: m for m in members}


MODELS: Mapping[str, LessonModels] = {
    "1.0": LessonModels(v1_0.Lesson, "quiz", _widgets_of(v1_0.Item)),
    "1.1": LessonModels(v1_1.Lesson, "mcqs", _widgets_of(v1_1.Item)),
}
