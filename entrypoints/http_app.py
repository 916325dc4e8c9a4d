"""The HTTP app over a container: used by the ASGI module, the Lambda handler and tests."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers
from litestar.di import Provide

from adapters.http.app import create_app
from adapters.http.config import HttpConfig
from adapters.http.edge import EdgeConfig
from adapters.http.metrics_route import Exposition
from adapters.observability.requests import ObservedRequests
from entrypoints.container import Container, shutdown
from entrypoints.observability import identity_key
from entrypoints.settings import Settings, SettingsError


def provide(provider: providers.Provider[Any]) -> Provide:
    """A Litestar dependency resolving ``provider`` per request.

    So ``container.x.override(...)`` takes effect in a running app (``Provide`` needs a
    function: it cannot take a container's provider itself).
    """

    async def resolve() -> Any:
        return provider()

    return Provide(resolve)


def use_cases(container: Container) -> dict[str, Provide]:
    """Litestar's dependencies: one per use case, by its handlers' parameter name."""
    return {
        "generation": provide(container.guarded_generation),
        "estimator": provide(container.estimate_generation),
        "getter": provide(container.get_lesson),
        "lister": provide(container.list_lessons),
        "patcher": provide(container.patch_lesson),
        "deleter": provide(container.delete_lesson),
        "account_of": provide(container.describe_account),
        "exporter": provide(container.export_account),
        "eraser": provide(container.erase_account),
        "readiness": provide(container.readiness),
        "job_starter": provide(container.start_job),
        "job_getter": provide(container.get_job),
        "job_lister": provide(container.list_jobs),
        "job_canceler": provide(container.cancel_job),
        "cursors": provide(container.cursors),
        "job_events_timing": provide(container.job_events_timing),
    }


def build_app(container: Container) -> ObservedRequests:
    """The whole ASGI app over a container (``/metrics`` when its metrics can be scraped)."""
    settings: Settings = container.settings()
    if settings.dev_key is None and settings.auth_mode != "cognito":
        raise SettingsError(
            f"DGS_DEV_KEY: required when DGS_AUTH_MODE={settings.auth_mode} "
            "(dgs serve generates one when unset)"
        )

    # The in-process job workers run with the app's lifespan (``dgs serve``, any ASGI
    # server); not when jobs go to SQS (``dgs worker`` or the worker Lambda runs them),
    # and never on Lambda, where Mangum's lifespan is off.
    workers = None if settings.job_queue_url else container.worker_pool

    async def start() -> None:
        if workers is not None:
            await workers().start()

    async def close() -> None:
        if workers is not None:
            await workers().stop()
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
            identity_key=identity_key(settings),
        ),
        EdgeConfig(
            dev_key=settings.dev_key.get_secret_value() if settings.dev_key else None,
            allowed_origins=settings.origins(),
            auth_mode=settings.auth_mode,
            verifier=container.token_verifier(),
        ),
        on_startup=[start],
        on_shutdown=[close],
        metrics=metrics,
        exposition=exposition,
    )
