"""Realistic examples for the API docs: a real topic and a small real lesson.

The lesson (``photosynthesis-1.1.json``) is checked by the validator in the tests; the
versions in the examples are the running ones; costs follow the price table; the
validate example's answer is what the validator says. Nothing is generated from the
schemas' patterns.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import msgspec

from adapters.http.problems import problem as problem_body
from adapters.http.wire import Issue
from domain.catalog.registry import get_registry

EXAMPLES_DIR = Path(__file__).parent
VERSION = "1.1"  # the catalog version of the example lesson (its file name says it too)
LESSON_ID = "3f1c2a9e-8d4b-4c1e-9a7f-2b6d5e8c1a04"
TOPIC = "Photosynthesis"
GENERATE_REQUEST = {
    "topic": TOPIC,
    "constraints": {"learnerLevel": "Beginner", "language": "en", "length": "Highlights"},
    "schema_version": VERSION,
}
# Gemini's defaults (README "Real providers"); costs from adapters/llm/catalogue.json.
USAGE: list[dict[str, Any]] = [
    {"step": "gatherer", "provider": "gemini", "model": "gemini-2.5-flash", "input_tokens": 412,
     "output_tokens": 1630, "reasoning_tokens": 0, "cost_usd": 0.0041986},
    {"step": "structurer", "provider": "gemini", "model": "gemini-2.5-flash-lite",
     "input_tokens": 9850, "output_tokens": 1210, "reasoning_tokens": 0, "cost_usd": 0.001469},
]  # fmt: skip
CREATED_AT, UPDATED_AT = "2026-11-20T14:03:27.512000Z", "2026-11-20T14:05:02.104000Z"
PATCH_REQUEST = {"tags_add": ["biology"], "title": "Light into sugar"}
INVALID_FILLBLANK = "Plants release oxygen as a by-product of photosynthesis."
VALIDATE_ERROR = {
    "path": "/blocks/1/items/1/fillblank/0",
    "code": "value.missing_text",
    "message": "must contain '___'",
    "rule_source": "widgets-1.1.md#fillblank",
}


@cache
def example_lesson() -> dict[str, Any]:
    """The example lesson, in shorthand (as the API answers by default)."""
    lesson: dict[str, Any] = json.loads(
        (EXAMPLES_DIR / f"photosynthesis-{VERSION}.json").read_text(encoding="utf-8")
    )
    return lesson


def invalid_lesson() -> dict[str, Any]:
    """The example lesson with one error: a fill-in-the-blank prompt without its blank."""
    lesson = copy.deepcopy(example_lesson())
    lesson["blocks"][1]["items"][1]["fillblank"][0] = INVALID_FILLBLANK
    return lesson


def meta(prompt_version: str) -> dict[str, Any]:
    """The ``meta`` of the example lesson."""
    return {
        "provider_a": "gemini",
        "model_a": "gemini-2.5-flash",
        "provider_b": "gemini",
        "model_b": "gemini-2.5-flash-lite",
        "latency_ms": 18240,
        "usage": USAGE,
        "cost_usd": round(sum(step["cost_usd"] for step in USAGE), 8),
        "repaired": False,
        "cache": None,
        "prompt_version": prompt_version,
        "schema_version": VERSION,
        "widgets_version": get_registry().catalog(VERSION).widgets_version,
    }


def stored(prompt_version: str, version: int = 1, **changes: Any) -> dict[str, Any]:
    """The example lesson as ``GET /v1/lessons/{lesson_id}`` shows it."""
    lesson = {**example_lesson(), **({"title": changes["title"]} if "title" in changes else {})}
    return {
        "lesson_id": LESSON_ID,
        "topic": TOPIC,
        "title": lesson["title"],
        "tags": changes.get("tags", []),
        "created_at": CREATED_AT,
        "updated_at": UPDATED_AT if version > 1 else CREATED_AT,
        "version": version,
        "stored_schema_version": VERSION,
        "schema_version": VERSION,
        "lesson_json": lesson,
        "meta": meta(prompt_version),
        "conversion_warnings": [],
    }


def examples(prompt_version: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Per operation: its request example and its examples per response status."""
    summary = {k: v for k, v in stored(prompt_version).items() if k in _SUMMARY_FIELDS}
    summary["status"] = "ok"
    return {
        ("/v1/lessons/generate", "post"): {
            "request": GENERATE_REQUEST,
            "201": {
                "lesson_id": LESSON_ID,
                "lesson_json": example_lesson(),
                "meta": meta(prompt_version),
            },
        },
        ("/v1/lessons/{lesson_id}", "get"): {"200": stored(prompt_version)},
        ("/v1/lessons/{lesson_id}", "patch"): {
            "request": PATCH_REQUEST,
            "200": stored(prompt_version, 2, title="Light into sugar", tags=["biology"]),
        },
        ("/v1/lessons", "get"): {"200": {"items": [summary], "next_cursor": None}},
        ("/health", "get"): {"200": {"status": "ok", "checks": {}}},
        ("/ready", "get"): {"200": {"status": "ok", "checks": {"store": "ok", "provider": "ok"}}},
        ("/v1/lessons/validate", "post"): {
            "request": invalid_lesson(),
            "200": {
                "ok": False,
                "schema_version": VERSION,
                "errors": [VALIDATE_ERROR],
                "warnings": [],
                "error_count": 1,
                "errors_truncated": False,
                "warning_count": 0,
                "warnings_truncated": False,
            },
        },
    }


_SUMMARY_FIELDS = (
    "lesson_id", "topic", "title", "tags", "created_at", "updated_at", "version", "schema_version",
)  # fmt: skip


REQUEST_ID = "9b2f4c1de0a34f7b8c5e6d7f8a9b0c1d"
# One real answer per status: the code and detail the service gives (adapters.http.problems,
# the edge, the use cases).
PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("invalid_parameter", "a parameter is not valid"),
    401: ("unauthorized", "a valid x-dgs-dev-key header is required"),
    404: ("not_found", "no such resource"),
    409: ("idempotency_in_progress", "a request with this idempotency key is in progress"),
    412: ("precondition_failed", "the lesson is at version 2"),
    413: ("payload_too_large", "the body is larger than this route accepts"),
    415: ("unsupported_media_type", "send the body as application/json"),
    422: ("invalid_body", "the body does not match the schema"),
    429: ("rate_limited", "too many generations from this client"),
    500: ("internal_error", "something went wrong on our side"),
    502: ("invalid_after_repair", "the lesson is still invalid after one repair"),
    503: ("provider_unavailable", "the provider failed the gatherer step"),
    504: ("provider_timeout", "the model did not answer the gatherer step in time"),
}


def problem(status: int) -> dict[str, Any]:
    """The problem+json example of a status, made as the service makes one."""
    code, detail = PROBLEMS[status]
    errors = [Issue(**VALIDATE_ERROR)] if code == "invalid_after_repair" else None
    body: dict[str, Any] = msgspec.to_builtins(
        problem_body(status, code, detail, REQUEST_ID, errors)
    )
    return body
