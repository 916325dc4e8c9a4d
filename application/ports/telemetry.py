"""What the use cases tell the outside world about a generation, for logs and metrics.

The use cases report facts (a generation ended, with its usage and outcome); the
adapters decide what those become (a JSON log line, Prometheus counters, CloudWatch
metrics). Nothing here knows about any of them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from application.errors import ApplicationError
from application.records import LessonRecord, StepUsage

OK = "ok"


@dataclass(frozen=True, slots=True)
class GenerationReport:
    """One generation as it ended: a valid lesson (``outcome`` "ok") or a failure's code.

    ``usage`` holds the model calls that completed (on a failure, those before it).
    """

    outcome: str
    duration_ms: int
    usage: tuple[StepUsage, ...] = ()
    lesson_id: str | None = None
    repaired: bool = False
    cache: str | None = None  # None, or what the cache served ("lesson", "idm")

    @property
    def cost_usd(self) -> float:
        """The approximate cost of every completed call."""
        return round(sum(step.cost_usd for step in self.usage), 8)

    @classmethod
    def made(cls, record: LessonRecord, duration_ms: int | None = None) -> GenerationReport:
        """The report of a lesson made (``duration_ms`` defaults to the record's latency)."""
        meta = record.meta
        return cls(
            outcome=OK,
            duration_ms=meta.latency_ms if duration_ms is None else duration_ms,
            usage=meta.usage,
            lesson_id=record.lesson_id,
            repaired=meta.repaired,
            cache=meta.cache,
        )


def outcome_of(error: BaseException) -> str:
    """The stable code a failed generation is counted under."""
    if isinstance(error, ApplicationError):
        return error.code
    if isinstance(error, asyncio.CancelledError):
        return "cancelled"  # the client went away, or the server is stopping
    return "internal_error"


@runtime_checkable
class GenerationEvents(Protocol):
    """Told once per generation, as it ends."""

    def generation_finished(self, report: GenerationReport) -> None:
        """A generation ended (must not raise: telemetry never fails a request)."""
        ...


class NoGenerationEvents:
    """Tells no one (the default where nothing observes)."""

    def generation_finished(self, report: GenerationReport) -> None:
        """Ignore the report."""
        return
