"""Request and response bodies of the /v1 API (msgspec; unknown fields are refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

from domain.limits import MAX_REPORTED_ISSUES

_VISIBLE = r"^[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*$"  # some visible text, no control characters
Tag = Annotated[str, Meta(min_length=1, max_length=40, pattern=_VISIBLE)]
# Litestar's OpenAPI drops constraints of list items: restate them for the documentation.
_TAG_ITEMS = {
    "extra": {"items": {"type": "string", "minLength": 1, "maxLength": 40, "pattern": _VISIBLE}}
}
TagList = Annotated[list[Tag], Meta(max_length=20, extra_json_schema=_TAG_ITEMS)]
IdempotencyKey = Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")]


class Constraints(Struct, forbid_unknown_fields=True, kw_only=True):
    """Who the lesson is for, and how long it is."""

    learnerLevel: Literal["Newbie", "Beginner", "Intermediate", "Expert"] | None = None
    language: (
        Annotated[
            str, Meta(min_length=2, max_length=35, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
        ]
        | None
    ) = None
    length: Literal["Highlights", "Detailed", "Training"] | None = None


class GenerateBody(Struct, forbid_unknown_fields=True, kw_only=True):
    """``POST /v1/lessons/generate``."""

    # 1-200 characters once trimmed, at least one visible, no control characters.
    topic: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=200,
            pattern=r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        ),
    ]
    constraints: Constraints | None = None
    schema_version: Literal["1.0", "1.1"] | None = None
    idempotency_key: IdempotencyKey | None = None
    mode: Literal["fast", "balanced", "best"] | None = None


class PatchBody(Struct, forbid_unknown_fields=True, kw_only=True):
    """``PATCH /v1/lessons/{lesson_id}``."""

    tags_add: TagList | None = None
    tags_remove: TagList | None = None
    title: Annotated[str, Meta(min_length=1, max_length=200, pattern=_VISIBLE)] | None = None


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
