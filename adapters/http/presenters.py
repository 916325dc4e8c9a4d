"""Application records as wire structs."""

from __future__ import annotations

from adapters.http import wire
from application.records import LessonRecord, LessonSummary
from application.responses import LessonFormat, lesson_in_format, meta_body
from application.use_cases.lessons import LessonView
from domain.validation.result import Issue


def issue(found: Issue) -> wire.Issue:
    """A validation or conversion finding."""
    return wire.Issue(**found.to_dict())


def summary(found: LessonSummary) -> wire.Summary:
    """A listed lesson (field by field: ``asdict`` would deep-copy every value)."""
    return wire.Summary(
        lesson_id=found.lesson_id,
        topic=found.topic,
        title=found.title,
        tags=list(found.tags),
        created_at=found.created_at,
        updated_at=found.updated_at,
        version=found.version,
        schema_version=found.schema_version,
        status=found.status,
    )


def meta(record: LessonRecord) -> wire.GenerationMeta:
    """How the lesson was made."""
    body = meta_body(record)
    return wire.GenerationMeta(**{**body, "usage": [wire.StepUsage(**u) for u in body["usage"]]})


def lesson(view: LessonView, fmt: LessonFormat) -> wire.Lesson:
    """A stored lesson in the asked version and format."""
    record = view.record
    return wire.Lesson(
        lesson_id=record.lesson_id,
        topic=record.topic,
        title=record.title,
        tags=list(record.tags),
        created_at=record.created_at,
        updated_at=record.updated_at,
        version=record.version,
        stored_schema_version=record.schema_version,
        schema_version=view.lesson["schema_version"],
        lesson_json=lesson_in_format(view.lesson, fmt),
        meta=meta(record),
        conversion_warnings=[issue(w) for w in view.conversion_warnings],
    )


def etag(record: LessonRecord) -> str:
    """A strong validator: the lesson and its version."""
    return f'"{record.lesson_id}.{record.version}"'
