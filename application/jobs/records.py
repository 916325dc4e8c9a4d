"""What a job record holds: its request, its state, its progress, its model calls.

A job is owned (``Principal.owner``): every read and cancel names the owner, and another
owner's job reads as not found. Records are plain values; the stores keep them whole and
change them only through ``application.jobs.transitions``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from application.use_cases.generation_request import GenerateRequest
from domain.generation import LessonConstraints

JobStatus = Literal["queued", "running", "done", "failed", "canceled"]
Phase = Literal["collect", "transform", "validate", "repair", "store"]
PHASES: tuple[Phase, ...] = ("collect", "transform", "validate", "repair", "store")
FINAL_STATUSES: frozenset[str] = frozenset({"done", "failed", "canceled"})
ACTIVE_STATUSES: frozenset[str] = frozenset({"queued", "running"})
MAX_LOG_LINES = 100  # the bound: the last 100 lines
MAX_LOG_LINE = 500  # characters kept of one line, so a record stays far below 400 KB
JOB_TTL = timedelta(days=7)  # a job record is kept this long after it was created


@dataclass(frozen=True, slots=True)
class JobSpec:
    """What to generate: the generate request as accepted, and how to answer it."""

    topic: str
    constraints: dict[str, Any] = field(default_factory=dict)
    schema_version: str = "1.1"
    prompt: str | None = None
    fmt: str = "shorthand"
    use_cache: bool = True

    @classmethod
    def of(
        cls, request: GenerateRequest, fmt: str = "shorthand", use_cache: bool = True
    ) -> JobSpec:
        """The spec of a generate request."""
        return cls(
            request.topic,
            request.constraints.model_dump(),
            request.schema_version,
            request.prompt,
            fmt,
            use_cache,
        )

    def request(self, owner: str, idempotency_key: str | None = None) -> GenerateRequest:
        """The generate request again, for the job's owner (its lesson is theirs)."""
        return GenerateRequest(
            self.topic,
            LessonConstraints(**self.constraints),
            self.schema_version,
            idempotency_key=idempotency_key,
            owner=owner,
            prompt=self.prompt,
        )


@dataclass(frozen=True, slots=True)
class JobCall:
    """One model call of a job."""

    index: int  # 1-based, in the order the calls were made
    purpose: str  # gather | structure | repair
    provider: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: int = 0
    outcome: str = "ok"


@dataclass(frozen=True, slots=True)
class JobProblem:
    """Why a job failed: the problem object the synchronous route would answer."""

    code: str
    status: int
    title: str
    detail: str


@dataclass(frozen=True, slots=True)
class JobProgress:
    """A progress report after a step (``logs``: new lines, appended and bounded)."""

    phase: Phase
    subphase: str | None
    completed_steps: int
    total_steps: int
    calls: tuple[JobCall, ...] = ()
    logs: tuple[str, ...] = ()

    @property
    def percent(self) -> int:
        """0-100."""
        if self.total_steps <= 0:
            return 0
        return max(0, min(100, round(100 * self.completed_steps / self.total_steps)))


@dataclass(frozen=True, slots=True)
class JobRecord:
    """One generation job, as stored."""

    job_id: str
    owner: str
    status: JobStatus
    spec: JobSpec
    fingerprint: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    idempotency_key: str | None = None
    version: int = 1  # grows with every change: the ETag
    started_at: datetime | None = None
    finished_at: datetime | None = None
    phase: Phase | None = None
    subphase: str | None = None
    completed_steps: int = 0
    total_steps: int = len(PHASES)
    progress: int = 0
    calls: tuple[JobCall, ...] = ()
    logs: tuple[str, ...] = ()
    lesson_id: str | None = None
    problem: JobProblem | None = None
    cancel_requested: bool = False
    worker: str | None = None  # who holds the lease
    lease_until: datetime | None = None  # queued: when to enqueue again; running: the lease
    attempts: int = 0  # how many times a worker claimed it
    # The client charged when the job was accepted (None: the local operator, charged
    # nothing); refunded if the job is refused before any model call.
    charged: str | None = None

    @property
    def final(self) -> bool:
        """Whether the job ended (done, failed or canceled)."""
        return self.status in FINAL_STATUSES

    @property
    def total_tokens(self) -> int:
        """Input, output and reasoning tokens of every call."""
        return sum(c.input_tokens + c.output_tokens + c.reasoning_tokens for c in self.calls)

    @property
    def total_cost_usd(self) -> float:
        """The cost of every call."""
        return round(sum(c.cost_usd for c in self.calls), 8)


@dataclass(frozen=True, slots=True)
class JobPosition:
    """Where a listing stopped: after this (created_at, job_id), newest first."""

    created_at: datetime
    job_id: str


@dataclass(frozen=True, slots=True)
class JobPage:
    """One page of a listing, and where the next starts (None: the last page)."""

    items: tuple[JobRecord, ...]
    next: JobPosition | None = None


def bounded_logs(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
    """The last ``MAX_LOG_LINES`` lines, each at most ``MAX_LOG_LINE`` characters."""
    lines = (*old, *(line[:MAX_LOG_LINE] for line in new))
    return lines[-MAX_LOG_LINES:]
