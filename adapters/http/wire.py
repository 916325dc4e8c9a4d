"""Request and response bodies of the /v1 API (msgspec; unknown fields are refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from msgspec import Meta, Struct

from domain.limits import MAX_REPORTED_ISSUES
from domain.values.catalog_version import CatalogVersion
from domain.values.constraints import (
    LANGUAGE_MAX_LENGTH,
    LANGUAGE_MIN_LENGTH,
    LANGUAGE_PATTERN,
    LearnerLevel,
    LessonLength,
    Mode,
)
from domain.values.lines import LINE_PATTERN, MAX_TAGS, TAG, TITLE, TOPIC, LineValue


def line(value: LineValue) -> Meta:
    """The wire's share of a one-line value's rule: its length, some visible text, no control.

    The length counts before trimming (the use case trims, and checks the whole rule).
    """
    return Meta(min_length=1, max_length=value.max_length, pattern=LINE_PATTERN)


Tag = Annotated[str, line(TAG)]
# Litestar's OpenAPI drops constraints of list items: restate them for the documentation.
_TAG_ITEMS = {
    "extra": {
        "items": {
            "type": "string",
            "minLength": 1,
            "maxLength": TAG.max_length,
            "pattern": LINE_PATTERN,
        }
    }
}
TagList = Annotated[list[Tag], Meta(max_length=MAX_TAGS, extra_json_schema=_TAG_ITEMS)]
# An idempotency key, in the body or the Idempotency-Key header (the same rule for both).
IDEMPOTENCY_KEY_MAX_LENGTH = 128
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9._:\-]+$"
IdempotencyKey = Annotated[
    str, Meta(min_length=1, max_length=IDEMPOTENCY_KEY_MAX_LENGTH, pattern=IDEMPOTENCY_KEY_PATTERN)
]
Language = Annotated[
    str,
    Meta(min_length=LANGUAGE_MIN_LENGTH, max_length=LANGUAGE_MAX_LENGTH, pattern=LANGUAGE_PATTERN),
]


class Constraints(Struct, forbid_unknown_fields=True, kw_only=True):
    """Who the lesson is for, and how long it is."""

    learnerLevel: LearnerLevel | None = None
    language: Language | None = None
    length: LessonLength | None = None


class GenerateBody(Struct, forbid_unknown_fields=True, kw_only=True):
    """``POST /v1/lessons/generate``."""

    topic: Annotated[str, line(TOPIC)]
    constraints: Constraints | None = None
    schema_version: CatalogVersion | None = None
    idempotency_key: IdempotencyKey | None = None
    mode: Mode | None = None


class PatchBody(Struct, forbid_unknown_fields=True, kw_only=True):
    """``PATCH /v1/lessons/{lesson_id}``."""

    tags_add: TagList | None = None
    tags_remove: TagList | None = None
    title: Annotated[str, line(TITLE)] | None = None


class StepUsage(Struct, kw_only=True):
    """Tokens and cost of one model call."""

    step: str
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    cost_usd: float


class GenerationMeta(Struct, kw_only=True):
    """How a lesson was made."""

    provider_a: str
    model_a: str
    provider_b: str
    model_b: str
    latency_ms: int
    usage: list[StepUsage]
    cost_usd: float
    repaired: bool
    cache: str | None
    prompt_version: str
    schema_version: str
    widgets_version: str


class Generated(Struct, kw_only=True):
    """The 201 body of a generation (also replayed for an idempotency key)."""

    lesson_id: str
    lesson_json: dict[str, Any]
    meta: GenerationMeta


class Issue(Struct, kw_only=True):
    """A validation or conversion finding."""

    path: str
    code: str
    message: str
    rule_source: str


class Summary(Struct, kw_only=True):
    """A lesson as listed."""

    lesson_id: str
    topic: str
    title: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    version: int
    schema_version: str
    status: str


class SummaryPage(Struct, kw_only=True):
    """``GET /v1/lessons``."""

    items: list[Summary]
    next_cursor: str | None


class Lesson(Struct, kw_only=True):
    """``GET /v1/lessons/{lesson_id}`` and the PATCH result."""

    lesson_id: str
    topic: str
    title: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    version: int
    stored_schema_version: str
    schema_version: str
    lesson_json: dict[str, Any]
    meta: GenerationMeta
    conversion_warnings: list[Issue]


_LISTED = f"the first {MAX_REPORTED_ISSUES} found, in the order found"
IssueList = Annotated[list[Issue], Meta(max_length=MAX_REPORTED_ISSUES, description=_LISTED)]


class Validation(Struct, kw_only=True):
    """``POST /v1/lessons/validate``: the ``dgs validate --json`` result.

    ``errors`` and ``warnings`` list the first 100 issues of each kind; the counts say how
    many were found in all.
    """

    ok: bool
    schema_version: str | None
    errors: IssueList
    warnings: IssueList
    error_count: Annotated[int, Meta(ge=0, description="how many errors were found in all")]
    errors_truncated: Annotated[
        bool, Meta(description="more errors were found than `errors` lists")
    ]
    warning_count: Annotated[int, Meta(ge=0, description="how many warnings were found in all")]
    warnings_truncated: Annotated[
        bool, Meta(description="more warnings were found than `warnings` lists")
    ]


class WidgetEntry(Struct, kw_only=True):
    """A widget of a catalog and its shorthand positions."""

    key: str
    shorthand: str
    fields: list[str]
    anchor: str


class CatalogEntry(Struct, kw_only=True):
    """One catalog version."""

    schema_version: str
    widgets_version: str
    widgets: list[WidgetEntry]
    widgets_md: str


class Catalogs(Struct, kw_only=True):
    """``GET /v1/catalog``."""

    default_version: str
    catalogs: list[CatalogEntry]


class Health(Struct, kw_only=True):
    """``GET /health`` and ``GET /ready``."""

    status: str
    checks: dict[str, str]


class Problem(Struct, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem detail, with a stable ``code`` and the ``request_id``."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    request_id: str
    errors: list[Issue] | None = None
