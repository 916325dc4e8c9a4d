"""The Litestar application: routes, error table, limits, OpenAPI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from adapters.http.catalog import OTHER_ROUTES
from adapters.http.edge import EdgeConfig, EdgeMiddleware
from adapters.http.estimate import ESTIMATE_ROUTES
from adapters.http.lessons import LESSON_ROUTES
from adapters.http.problems import EXCEPTION_HANDLERS
from adapters.http.services import HttpConfig, Services

DEFAULT_MAX_BODY = 16 * 1024  # routes that take bodies set their own limit


def create_app(
    services: Services,
    config: HttpConfig,
    edge: EdgeConfig,
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    version: str = "1.0.0",
) -> EdgeMiddleware:
    """The ASGI app: Litestar inside the edge layer (keys, CORS, headers)."""
    openapi = (
        OpenAPIConfig(
            title="DGS — Data Generation Service",
            version=version,
            path="/docs",
            render_plugins=[SwaggerRenderPlugin()],
            description="Lessons for DLE. Every /v1 route needs the X-DGS-Dev-Key header.",
        )
        if config.openapi_enabled
        else None
    )
    app = Litestar(
        route_handlers=[*LESSON_ROUTES, *OTHER_ROUTES, *ESTIMATE_ROUTES],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=openapi,
        request_max_body_size=DEFAULT_MAX_BODY,
        state=State({"services": services, "http_config": config}),
        on_shutdown=list(on_shutdown),
        logging_config=None,  # the entry point configures logging (hypercorn's lines not echoed)
        debug=False,
    )
    return EdgeMiddleware(app, edge)
