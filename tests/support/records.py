"""Lesson records for store tests."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from application.principal import DEV_TENANT
from application.records import GenerationMeta, LessonRecord, StepUsage
from domain.conversion.forms import expand

LESSON = {
    "schema_version": "1.1",
    "title": "Photosynthesis",
    "blocks": [{"section": "Light", "items": ["Plants turn light into sugar — ✓ ünïcödé"]}],
}


def make_record(created_at: datetime, **overrides: Any) -> LessonRecord:
    record = LessonRecord(
        lesson_id=str(uuid.uuid4()),
        owner=DEV_TENANT,
        topic="Photosynthesis",
        title="Photosynthesis",
        tags=("biology",),
        created_at=created_at,
        updated_at=created_at,
        version=1,
        schema_version="1.1",
        prompt_version="p-2026-11",
        widgets_version="39ecf2e2e90affedd0812c1a9daf9d0309361b425ffcdb1137463d06c0b23011",
        idempotency_key=None,
        provider_a="offline",
        model_a="sample-gatherer",
        provider_b="offline",
        model_b="sample-structurer",
        meta=GenerationMeta(
            latency_ms=1234,
            usage=(
                StepUsage("gather", "offline", "sample-gatherer", 1200, 800, 64),
                StepUsage("structure", "offline", "sample-structurer", 2100, 1500, 0),
            ),
            cost_usd=0.000123456789,
            repaired=False,
            cache=None,
        ),
        status="ok",
        # Stored lessons are canonical full form (GenerateLesson guarantees it).
        lesson_json=json.dumps(expand(LESSON), ensure_ascii=False, indent=1),
    )
    return replace(record, **overrides)
