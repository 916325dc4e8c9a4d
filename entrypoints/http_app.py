"""The HTTP app over a container: used by the ASGI module, the Lambda handler and tests."""

from __future__ import annotations

import hashlib

from litestar.di import Provide

from adapters.http.app import create_app
from adapters.http.config import HttpConfig
from adapters.http.edge import EdgeConfig
from adapters.http.metrics_route import Exposition
from adapters.http.readiness import Readiness
from adapters.observability.requests import ObservedRequests
from application.use_cases.estimate_generation import EstimateGeneration
from application.use_cases.guarded_generation import GuardedGeneration
from application.use_cases.lessons import GetLesson, ListLessons, PatchLesson
from entrypoints.container import Container, shutdown
from entrypoints.settings import Settings, SettingsError


def use_cases(container: Container) -> dict[str, Provide]:
    """Litestar's dependencies: one provider per use case, resolved from the container.

    Resolved per request, so ``container.x.override(...)`` takes effect in a running app
    (Litestar cannot take a container's provider itself: ``Provide`` needs a function).
    """

    async def generation() -> GuardedGeneration:
        return container.guarded_generation()

    async def estimator() -> EstimateGeneration:
        return container.estimate_generation()

    async def getter() -> GetLesson:
        return container.get_lesson()

    async def lister() -> ListLessons:
        return container.list_lessons()

    async def patcher() -> PatchLesson:
        return container.patch_lesson()

    async def readiness() -> Readiness:
        return container.readiness()

    providers = (generation, estimator, getter, lister, patcher, readiness)
    return {provide.__name__: Provide(provide) for provide in providers}


def build_app(container: Container) -> ObservedRequests:
    """The whole ASGI app over a container (``/metrics`` when its metrics can be scraped)."""
    settings: Settings = container.settings()
    if settings.dev_key is None and settings.auth_mode != "cognito":
        raise SettingsError(
            f"DGS_DEV_KEY: required when DGS_AUTH_MODE={settings.auth_mode} "
            "(dgs serve generates one when unset)"
        )

    async def close() -> None:
        await shutdown(container)

    metrics = container.metrics()
    exposition: Exposition | None = getattr(metrics, "exposition", None)
    return create_app(
        use_cases(container),
        HttpConfig(
            trusted_proxy_header=settings.trusted_proxy_header,
            trusted_proxy_hops=settings.trusted_proxy_hops,
            openapi_enabled=settings.openapi_enabled,
            body_timeout_seconds=settings.http_body_timeout_seconds,
            metrics_public=settings.metrics_public,
            # Stable across workers and restarts, and useless without the secret.
            identity_key=hashlib.sha256(
                b"dgs client identity\0" + settings.cursor_secret_bytes()
            ).digest(),
        ),
        EdgeConfig(
            dev_key=settings.dev_key.get_secret_value() if settings.dev_key else None,
            allowed_origins=settings.origins(),
            auth_mode=settings.auth_mode,
            verifier=container.token_verifier(),
        ),
        on_shutdown=[close],
        metrics=metrics,
        exposition=exposition,
    )
