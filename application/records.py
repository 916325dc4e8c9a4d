"""Plain records the ports exchange: stored lessons, their summaries, queries and pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple

Status = Literal["ok", "invalid", "deleted"]
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class StepUsage:
    """Tokens one model call used."""

    step: str  # gather | structure | repair
    provider: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True, slots=True)
class GenerationMeta:
    """How a lesson was generated: time, usage, cost, repair and cache."""

    latency_ms: int = 0
    usage: tuple[StepUsage, ...] = ()
    cost_usd: float = 0.0
    repaired: bool = False
    cache: str | None = None  # None, or what the cache served ("lesson", "idm")


@dataclass(frozen=True, slots=True)
class LessonRecord:
    """A stored lesson with its metadata; ``lesson_json`` is kept byte for byte.

    ``owner`` is the partition the lesson belongs to (``application.principal``): every
    read and write of a store names it, and a lesson of another owner reads as missing.
    """

    lesson_id: str
    owner: str
    topic: str
    title: str
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    version: int
    schema_version: str
    prompt_version: str
    widgets_version: str
    idempotency_key: str | None
    provider_a: str
    model_a: str
    provider_b: str
    model_b: str
    meta: GenerationMeta
    status: Status
    lesson_json: str

    def summary(self) -> LessonSummary:
        """What listing shows of this lesson."""
        return LessonSummary(
            lesson_id=self.lesson_id,
            topic=self.topic,
            title=self.title,
            tags=self.tags,
            created_at=self.created_at,
            updated_at=self.updated_at,
            version=self.version,
            schema_version=self.schema_version,
            status=self.status,
        )


class LessonSummary(NamedTuple):
    """A lesson as listed: no body.

    Immutable like the other records, but a named tuple: a listing builds up to 100 per
    request, and one is built in half the time a frozen dataclass takes.
    """

    lesson_id: str
    topic: str
    title: str
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    version: int
    schema_version: str
    status: Status


@dataclass(frozen=True, slots=True)
class LessonQuery:
    """Listing filters: newest first; ``created_from`` inclusive, ``created_to`` exclusive."""

    tag: str | None = None
    q: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")

    def filters(self) -> dict[str, str | None]:
        """The filters a cursor is bound to (not the limit: pages may vary in size)."""
        return {
            "tag": self.tag,
            "q": self.q,
            "from": self.created_from.isoformat() if self.created_from else None,
            "to": self.created_to.isoformat() if self.created_to else None,
        }


@dataclass(frozen=True, slots=True)
class Page:
    """One page of summaries and the cursor of the next one (None at the end)."""

    items: tuple[LessonSummary, ...]
    next_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class LessonChanges:
    """What an update changes; None leaves a field as it is."""

    title: str | None = None
    tags: tuple[str, ...] | None = None
    lesson_json: str | None = None
