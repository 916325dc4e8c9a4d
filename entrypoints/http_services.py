"""The HTTP adapter's ``Services``, served from the container (resolved per request)."""

from __future__ import annotations

from application.errors import ApplicationError
from application.use_cases.estimate_generation import EstimateGeneration
from application.use_cases.guarded_generation import GuardedGeneration
from application.use_cases.lessons import GetLesson, ListLessons, PatchLesson
from domain.generation import LessonConstraints
from entrypoints.container import Container


class ContainerServices:
    """Use cases from the container, so ``container.x.override(...)`` works in tests."""

    def __init__(self, container: Container) -> None:
        self._container = container

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

    async def readiness(self) -> dict[str, str]:
        """The store answers; every generation step has a usable provider and model."""
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
        return checks
