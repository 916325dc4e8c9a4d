"""Request and response bodies of the /v1 API (msgspec; unknown fields are refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from msgspec import Meta, Struct

from domain.limits import MAX_REPORTED_ISSUES
from domain.values.catalog_version import DEFAULT_CATALOG_VERSION, CatalogVersion
from domain.values.constraints import (
    DEFAULT_LANGUAGE,
    DEFAULT_LEARNER_LEVEL,
    DEFAULT_LESSON_LENGTH,
    DEFAULT_MODE,
    LANGUAGE_MAX_LENGTH,
    LANGUAGE_MIN_LENGTH,
    LANGUAGE_PATTERN,
    LearnerLevel,
    LessonLength,
    Mode,
)
from domain.values.lines import LINE_PATTERN, MAX_TAGS, PROMPT, TAG, TITLE, TOPIC, LineValue


def line(value: LineValue, description: str | None = None) -> Meta:
    """The wire's share of a one-line value's rule: its length, some visible text, no control.

    The length counts before trimming (the use case trims, and checks the whole rule).
    """
    return Meta(
        min_length=1, max_length=value.max_length, pattern=LINE_PATTERN, description=description
    )


def field(description: str, default: object) -> Meta:
    """A form field's one-line description and the value used when it is left out.

    DLE renders its generation form from the OpenAPI document (issue 13): the default is
    what the service applies, not the wire's ``null``.
    """
    return Meta(description=description, extra_json_schema={"extra": {"default": default}})


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


class Constraints(Struct, forbid_unknown_fields=True, kw_only=True):
    """Who the lesson is for, and how long it is."""

    learnerLevel: Annotated[
        LearnerLevel | None,
        field("how much the learner already knows of the topic", DEFAULT_LEARNER_LEVEL),
    ] = None
    language: (
        Annotated[
            str,
            Meta(
                min_length=LANGUAGE_MIN_LENGTH,
                max_length=LANGUAGE_MAX_LENGTH,
                pattern=LANGUAGE_PATTERN,
                description="the lesson's language, a BCP 47 tag such as en or pt-BR",
                extra_json_schema={"extra": {"default": DEFAULT_LANGUAGE}},
            ),
        ]
        | None
    ) = None
    length: Annotated[
        LessonLength | None,
        field(
            "Highlights: short; Detailed: a full lesson; Training: the longest",
            DEFAULT_LESSON_LENGTH,
        ),
    ] = None


class GenerateBody(Struct, forbid_unknown_fields=True, kw_only=True):
    """``POST /v1/lessons/generate`` and ``POST /v1/jobs``."""

    topic: Annotated[str, line(TOPIC, "what the lesson is about (one line)")]
    constraints: Annotated[
        Constraints | None, Meta(description="who the lesson is for, and how long it is")
    ] = None
    schema_version: Annotated[
        CatalogVersion | None,
        field("the widget catalog version of the lesson", DEFAULT_CATALOG_VERSION),
    ] = None
    idempotency_key: (
        Annotated[
            IdempotencyKey,
            Meta(description="the same key (or Idempotency-Key header) returns the same result"),
        ]
        | None
    ) = None
    mode: Annotated[
        Mode | None, field("fast: cheapest models; balanced; best: strongest models", DEFAULT_MODE)
    ] = None
    prompt: (
        Annotated[
            str,
            line(PROMPT, "extra guidance for the lesson, beside the topic (optional, one line)"),
        ]
        | None
    ) = None


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


class JobCall(Struct, kw_only=True):
    """One model call of a job."""

    index: Annotated[int, Meta(ge=1, description="1-based, in the order the calls were made")]
    purpose: Annotated[str, Meta(description="gather, structure or repair")]
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    cost_usd: float
    latency_ms: int
    outcome: str


class JobTotals(Struct, kw_only=True):
    """Tokens and cost of every call of a job."""

    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    tokens: int
    cost_usd: float


class Job(Struct, kw_only=True):
    """A generation job (``GET /v1/jobs/{job_id}``).

    ``lesson`` once done, ``problem`` once failed.
    """

    job_id: str
    status: Annotated[str, Meta(description="queued, running, done, failed or canceled")]
    phase: Annotated[str | None, Meta(description="collect, transform, validate, repair or store")]
    subphase: Annotated[str | None, Meta(description="e.g. ai_call_2_of_3 while a model runs")]
    completed_steps: int
    total_steps: int
    progress: Annotated[int, Meta(ge=0, le=100)]
    cancel_requested: bool
    calls: list[JobCall]
    totals: JobTotals
    logs: Annotated[list[str], Meta(description="the last 100 lines")]
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    version: Annotated[int, Meta(description="grows with every change (the ETag)")]
    lesson_id: str | None = None
    lesson: Lesson | None = None
    problem: Problem | None = None


class JobPage(Struct, kw_only=True):
    """``GET /v1/jobs``: newest first."""

    items: list[Job]
    next_cursor: str | None
