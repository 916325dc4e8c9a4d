"""The HTTP adapter's ``Services``, served from the container (resolved per request)."""

from __future__ import annotations

from datetime import datetime

from adapters.loop_lock import LoopLock
from application.errors import ApplicationError
from application.ports.identity import IdentityUnavailableError
from application.use_cases.account import DescribeAccount, EraseAccount, ExportAccount
from application.use_cases.estimate_generation import EstimateGeneration
from application.use_cases.guarded_generation import GuardedGeneration
from application.use_cases.lessons import DeleteLesson, GetLesson, ListLessons, PatchLesson
from domain.generation import LessonConstraints
from entrypoints.container import Container

# /ready answers from its last check for this long: load balancers probe every few seconds
# per target, and the DynamoDB table has 5 read units for everything.
READINESS_TTL_SECONDS = 5.0


class ContainerServices:
    """Use cases from the container, so ``container.x.override(...)`` works in tests."""

    def __init__(self, container: Container) -> None:
        self._container = container
        self._readiness: tuple[datetime, dict[str, str]] | None = None
        self._lock = LoopLock()  # a Lambda or test may run several event loops in turn

    def generation(self) -> GuardedGeneration:
        """POST /v1/lessons/generate."""
        return self._container.guarded_generation()

    def estimate(self) -> EstimateGeneration:
        """POST /v1/lessons/estimate."""
        return self._container.estimate_generation()

    def get_lesson(self) -> GetLesson:
        """GET /v1/lessons/{id}."""
        return self._container.get_lesson()

    def list_lessons(self) -> ListLessons:
        """GET /v1/lessons."""
        return self._container.list_lessons()

    def patch_lesson(self) -> PatchLesson:
        """PATCH /v1/lessons/{id}."""
        return self._container.patch_lesson()

    def delete_lesson(self) -> DeleteLesson:
        """DELETE /v1/lessons/{id}."""
        return self._container.delete_lesson()

    def describe_account(self) -> DescribeAccount:
        """GET /v1/me (beyond the token's claims)."""
        return self._container.describe_account()

    def export_account(self) -> ExportAccount:
        """GET /v1/me/export."""
        return self._container.export_account()

    def erase_account(self) -> EraseAccount:
        """DELETE /v1/me."""
        return self._container.erase_account()

    async def readiness(self) -> dict[str, str]:
        """The last check if it is under ``READINESS_TTL_SECONDS`` old, else a new one.

        One check at a time: callers arriving while it runs wait for its answer.
        """
        if (fresh := self._fresh_readiness()) is not None:
            return fresh
        async with self._lock():
            if (fresh := self._fresh_readiness()) is not None:
                return fresh
            checks = await self._check()
            self._readiness = (self._container.clock().now(), checks)
            return checks

    def _fresh_readiness(self) -> dict[str, str] | None:
        if self._readiness is None:
            return None
        checked_at, checks = self._readiness
        age = (self._container.clock().now() - checked_at).total_seconds()
        return checks if 0 <= age < READINESS_TTL_SECONDS else None  # a clock set back: stale

    async def _check(self) -> dict[str, str]:
        """The store answers; every generation step has a usable provider and model.

        With bearer tokens, also the issuer's signing keys are held (else no request can be
        served).
        """
        checks: dict[str, str] = {}
        try:
            await self._container.lessons().ping()
            checks["store"] = "ok"
        except ApplicationError as exc:
            checks["store"] = f"unavailable: {exc.code}"
        try:
            self._container.generate_lesson().routes(LessonConstraints())
            checks["provider"] = "ok"
        except ApplicationError as exc:
            checks["provider"] = f"unavailable: {exc.code}"
        if (verifier := self._container.token_verifier()) is not None:
            try:
                await verifier.check()
                checks["identity"] = "ok"
            except IdentityUnavailableError as exc:
                checks["identity"] = f"unavailable: {exc.code}"
        return checks
