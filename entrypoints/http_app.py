"""The HTTP app over a container: used by the ASGI module, the Lambda handler and tests."""

from __future__ import annotations

from adapters.http.app import create_app
from adapters.http.edge import EdgeConfig, EdgeMiddleware
from adapters.http.services import HttpConfig
from entrypoints.container import Container, shutdown
from entrypoints.http_services import ContainerServices
from entrypoints.settings import Settings, SettingsError


def build_app(container: Container) -> EdgeMiddleware:
    """The whole ASGI app over a container."""
    settings: Settings = container.settings()
    if settings.dev_key is None and settings.auth_mode != "cognito":
        raise SettingsError(
            f"DGS_DEV_KEY: required when DGS_AUTH_MODE={settings.auth_mode} "
            "(dgs serve generates one when unset)"
        )

    async def close() -> None:
        await shutdown(container)

    return create_app(
        ContainerServices(container),
        HttpConfig(
            trusted_proxy_header=settings.trusted_proxy_header,
            trusted_proxy_hops=settings.trusted_proxy_hops,
            openapi_enabled=settings.openapi_enabled,
            body_timeout_seconds=settings.http_body_timeout_seconds,
        ),
        EdgeConfig(
            dev_key=settings.dev_key.get_secret_value() if settings.dev_key else None,
            allowed_origins=settings.origins(),
            auth_mode=settings.auth_mode,
            verifier=container.token_verifier(),
        ),
        on_shutdown=[close],
    )
