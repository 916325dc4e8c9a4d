"""One deadline per generation: every model call and every retry draws from one budget.

A generation starts its ``Deadline`` once (before the idempotency claim when there is a
key) and runs its steps inside ``within(deadline)``; the model adapters read it with
``current_deadline()`` and never wait past it. Whatever is left after the deadline (the
final writes) must fit ``WRITE_MARGIN``: the idempotency lease is the deadline plus that
margin, and the deployment's timeout (Lambda's) must exceed the same sum, so no retry can
take over a key while its first attempt is still alive, and no platform kills an attempt
before it answered.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta

from application.errors import ProviderTimeoutError

# Time after the deadline for what no longer calls a model: the repair record, the cache
# entries and the lesson with its idempotency record (a few store round trips, retried).
WRITE_MARGIN = timedelta(seconds=15)


def lease_for(budget: timedelta) -> timedelta:
    """How long an idempotency claim holds: longer than any attempt can run."""
    return budget + WRITE_MARGIN


@dataclass(frozen=True, slots=True)
class Deadline:
    """The moment a generation must be done by (on a monotonic clock)."""

    budget: timedelta
    at: float
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)

    @classmethod
    def start(
        cls,
        budget: timedelta,
        clock: Callable[[], float] = time.monotonic,
        spent: timedelta = timedelta(0),
    ) -> Deadline:
        """A deadline ``budget`` from now, less what was ``spent`` of it already.

        ``spent``: a job resumed by another worker keeps the deadline it started with.
        """
        left = max(timedelta(0), budget - spent)
        return cls(budget, clock() + left.total_seconds(), clock)

    def remaining(self) -> float:
        """Seconds left (0 once passed)."""
        return max(0.0, self.at - self.clock())

    @property
    def passed(self) -> bool:
        """Whether no time is left."""
        return self.clock() >= self.at

    def check(self) -> None:
        """Raise ``ProviderTimeoutError`` (504) once the deadline has passed."""
        if self.passed:
            raise ProviderTimeoutError(self.exceeded())

    def exceeded(self, during: str | None = None) -> str:
        """The message of a generation that ran out of time."""
        where = f" during the {during} step" if during else ""
        return f"the generation ran past its deadline of {self.budget.total_seconds():g} s{where}"


_current: ContextVar[Deadline | None] = ContextVar("dgs_generation_deadline", default=None)


def current_deadline() -> Deadline | None:
    """The deadline of the generation running in this context, if any."""
    return _current.get()


@contextmanager
def within(deadline: Deadline) -> Iterator[Deadline]:
    """Run the block (and the tasks it starts) under ``deadline``."""
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)
