"""Record fields as stored: timestamps, meta and the lesson size cap, alike for every store."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from application.errors import LessonTooLargeError
from application.ports.generation import RepairRecord
from application.records import GenerationMeta, LessonRecord, LessonSummary, StepUsage
from domain.limits import MAX_LESSON_BYTES

_TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


def timestamp(moment: datetime) -> str:
    """Fixed-width UTC text, so that text order is time order (keys and indexes rely on it)."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime(_TIMESTAMP)


def parse_timestamp(text: str) -> datetime:
    """The inverse of ``timestamp``."""
    return datetime.strptime(text, _TIMESTAMP).replace(tzinfo=UTC)


def check_lesson_size(lesson_json: str) -> None:
    """Refuse a lesson over ``MAX_LESSON_BYTES`` (``LessonTooLargeError``); call before writing.

    The cap is on the compact UTF-8 JSON of the lesson. DGS stores lessons compact, so
    their text is measured as it is; a longer text is measured again compacted, so that
    whitespace alone never counts against a lesson.
    """
    size = _utf8_size(lesson_json)
    if size <= MAX_LESSON_BYTES:
        return
    try:
        compact = json.dumps(json.loads(lesson_json), ensure_ascii=False, separators=(",", ":"))
        size = _utf8_size(compact)
    except (ValueError, RecursionError):
        pass  # not JSON we can re-read: its text is its size
    if size > MAX_LESSON_BYTES:
        raise LessonTooLargeError(size, MAX_LESSON_BYTES)


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", errors="surrogatepass"))


def meta_to_dict(meta: GenerationMeta) -> dict[str, Any]:
    """Generation meta as plain JSON-compatible data."""
    return asdict(meta)


def meta_from_dict(data: dict[str, Any]) -> GenerationMeta:
    """The inverse of ``meta_to_dict``."""
    usage = tuple(StepUsage(**step) for step in data.get("usage", ()))
    return GenerationMeta(
        latency_ms=int(data["latency_ms"]),
        usage=usage,
        cost_usd=float(data["cost_usd"]),
        repaired=bool(data["repaired"]),
        cache=data.get("cache"),
    )


def meta_json(meta: GenerationMeta) -> str:
    """Generation meta as JSON text."""
    return json.dumps(meta_to_dict(meta), separators=(",", ":"))


def search_text(title: str, topic: str) -> str:
    """What ``q`` matches against: case-folded title and topic (folded once, at write)."""
    return f"{title.casefold()}\n{topic.casefold()}"


def repair_json(repair: RepairRecord) -> str:
    """A repair record as one JSON document (the fine-tuning dataset's line)."""
    return json.dumps(
        {
            "schema_version": repair.schema_version,
            "prompt_version": repair.prompt_version,
            "outcome": repair.outcome,
            "idm": repair.idm.model_dump(mode="json"),
            "invalid_lesson": repair.invalid_lesson,
            "errors": [issue.to_dict() for issue in repair.errors],
            "repaired_lesson": repair.repaired_lesson,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def record_from(
    summary: LessonSummary, stored: Mapping[str, Any], lesson_json: str
) -> LessonRecord:
    """A whole record: its summary plus the fields only a get returns (same names stored)."""
    return LessonRecord(
        **{name: getattr(summary, name) for name in summary.__dataclass_fields__},
        prompt_version=stored["prompt_version"],
        widgets_version=stored["widgets_version"],
        idempotency_key=stored["idempotency_key"],
        provider_a=stored["provider_a"],
        model_a=stored["model_a"],
        provider_b=stored["provider_b"],
        model_b=stored["model_b"],
        meta=meta_from_dict(json.loads(stored["meta"])),
        lesson_json=lesson_json,
    )
