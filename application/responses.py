"""The generate response body, shared by the HTTP API and ``dgs generate --json``."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any, Literal

from application.records import LessonRecord, StepUsage
from domain.catalog.registry import get_registry
from domain.conversion.forms import compact_full

LessonFormat = Literal["shorthand", "full"]
_USAGE_FIELDS = tuple(f.name for f in fields(StepUsage))


def lesson_in_format(full: dict[str, Any], fmt: LessonFormat) -> dict[str, Any]:
    """A stored (full-form) lesson as shorthand (the default DLE reads) or full form."""
    if fmt == "full":
        return full
    return compact_full(full, get_registry().catalog(full["schema_version"]))


def meta_body(record: LessonRecord) -> dict[str, Any]:
    """How the lesson was made."""
    meta = record.meta
    return {
        "provider_a": record.provider_a,
        "model_a": record.model_a,
        "provider_b": record.provider_b,
        "model_b": record.model_b,
        "latency_ms": meta.latency_ms,
        "usage": [{name: getattr(step, name) for name in _USAGE_FIELDS} for step in meta.usage],
        "cost_usd": meta.cost_usd,
        "repaired": meta.repaired,
        "cache": meta.cache,
        "prompt_version": record.prompt_version,
        "schema_version": record.schema_version,
        "widgets_version": record.widgets_version,
    }


def generate_body(
    record: LessonRecord, full: dict[str, Any], fmt: LessonFormat = "shorthand"
) -> dict[str, Any]:
    """``{lesson_id, lesson_json, meta}``."""
    return {
        "lesson_id": record.lesson_id,
        "lesson_json": lesson_in_format(full, fmt),
        "meta": meta_body(record),
    }


def generate_body_json(
    record: LessonRecord, full: dict[str, Any], fmt: LessonFormat = "shorthand"
) -> str:
    """``generate_body`` as compact JSON text: the response, stored as is for replays.

    The full form is the record's own text (serialised once, when the record was made).
    """
    if fmt != "full":
        return _json(generate_body(record, full, fmt))
    return (
        f'{{"lesson_id":{_json(record.lesson_id)},"lesson_json":{record.lesson_json},'
        f'"meta":{_json(meta_body(record))}}}'
    )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
