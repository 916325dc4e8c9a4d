"""``GET /ready``: whether the service can serve, checked at most once per window.

Load balancers probe every few seconds per target, and the DynamoDB table has 5 read
units for everything: an answer is reused for ``READINESS_TTL_SECONDS``, and callers
arriving while a check runs wait for its answer instead of starting another.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from adapters.loop_lock import LoopLock
from application.errors import ApplicationError
from application.ports.clock import Clock
from application.ports.identity import IdentityUnavailableError, TokenVerifier
from application.ports.lessons import LessonRepository
from application.use_cases.generate_lesson import GenerateLesson
from domain.generation import LessonConstraints

READINESS_TTL_SECONDS = 5.0

Checks = dict[str, str]  # each check's state: "ok", or "unavailable: <code>"


class ReadinessWindow:
    """The last answer and when it was made: one per app, shared by its requests."""

    def __init__(self) -> None:
        self.last: tuple[datetime, Checks] | None = None
        self.lock = LoopLock()  # a Lambda or a test may run several event loops in turn


class Readiness:
    """Each check's state; ready when all are "ok".

    The parts are resolved only when a check runs (``store()``...), so one that cannot
    even be built is reported as unavailable, like one that fails its check.
    """

    def __init__(
        self,
        window: ReadinessWindow,
        clock: Clock,
        store: Callable[[], LessonRepository],
        generation: Callable[[], GenerateLesson],
        verifier: Callable[[], TokenVerifier | None],
    ) -> None:
        self._window = window
        self._clock = clock
        self._store = store
        self._generation = generation
        self._verifier = verifier

    async def __call__(self) -> Checks:
        """The last answer if it is under ``READINESS_TTL_SECONDS`` old, else a new one."""
        if (fresh := self._fresh()) is not None:
            return fresh
        async with self._window.lock():
            if (fresh := self._fresh()) is not None:
                return fresh
            checks = await self._check()
            self._window.last = (self._clock.now(), checks)
            return checks

    def _fresh(self) -> Checks | None:
        if self._window.last is None:
            return None
        checked_at, checks = self._window.last
        age = (self._clock.now() - checked_at).total_seconds()
        return checks if 0 <= age < READINESS_TTL_SECONDS else None  # a clock set back: stale

    async def _check(self) -> Checks:
        """The store answers; every generation step has a usable provider and model.

        With bearer tokens, also the issuer's signing keys are held (else no request can be
        served).
        """
        checks: Checks = {}
        try:
            await self._store().ping()
            checks["store"] = "ok"
        except ApplicationError as exc:
            checks["store"] = f"unavailable: {exc.code}"
        try:
            self._generation().routes(LessonConstraints())
            checks["provider"] = "ok"
        except ApplicationError as exc:
            checks["provider"] = f"unavailable: {exc.code}"
        if (verifier := self._verifier()) is not None:
            try:
                await verifier.check()
                checks["identity"] = "ok"
            except IdentityUnavailableError as exc:
                checks["identity"] = f"unavailable: {exc.code}"
        return checks
