"""The ASGI application (hypercorn: ``entrypoints.asgi:app``), built from the settings.

``DGS_DEV_KEY`` must be set: ``dgs serve`` generates and prints one when it is not, and
the app refuses to start without it.
"""

from __future__ import annotations

from adapters.http.app import create_app
from adapters.http.edge import EdgeConfig, EdgeMiddleware
from adapters.http.services import HttpConfig
from entrypoints.container import Container, build_container, shutdown
from entrypoints.http_services import ContainerServices
from entrypoints.settings import Settings, SettingsError, load_settings


def build_app(container: Container) -> EdgeMiddleware:
    """The whole ASGI app over a container."""
    settings: Settings = container.settings()
    if settings.dev_key is None:
        raise SettingsError("DGS_DEV_KEY: required (dgs serve generates one when unset)")
    app = create_app(
        ContainerServices(container),
        HttpConfig(
            trusted_proxy_header=settings.trusted_proxy_header,
            openapi_enabled=settings.openapi_enabled,
        ),
        EdgeConfig(dev_key=settings.dev_key.get_secret_value(), allowed_origins=settings.origins()),
    )

    async def close() -> None:
        await shutdown(container)

    app.app.on_shutdown.append(close)
    return app


def _from_environment() -> EdgeMiddleware:
    return build_app(build_container(load_settings()))


def __getattr__(name: str) -> EdgeMiddleware:
    # ``app`` is built on first access (hypercorn imports it), not on import of this module.
    if name == "app":
        built = _from_environment()
        globals()["app"] = built
        return built
    raise AttributeError(name)
