"""The generate response body, shared by the HTTP API and ``dgs generate --json``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from application.records import LessonRecord
from domain.catalog.registry import get_registry
from domain.conversion.forms import compact_full

LessonFormat = Literal["shorthand", "full"]


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
        "usage": [asdict(step) for step in meta.usage],
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
