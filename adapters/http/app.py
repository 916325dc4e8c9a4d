"""The Litestar application: routes, error table, limits, OpenAPI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from litestar import Litestar, Router
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.handlers import BaseRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from adapters.http.body import StrictJsonRequest
from adapters.http.body_deadline import BodyDeadline
from adapters.http.catalog import OTHER_ROUTES
from adapters.http.edge import DOCS_PATH, EdgeConfig, EdgeMiddleware
from adapters.http.estimate import ESTIMATE_ROUTES
from adapters.http.lessons import LESSON_ROUTES
from adapters.http.me import ME_ROUTES
from adapters.http.problems import EXCEPTION_HANDLERS
from adapters.http.services import HttpConfig, Services

DEFAULT_MAX_BODY = 16 * 1024  # routes that take bodies set their own limit
SWAGGER_PATH = "/swagger"
# What the docs serve (Swagger UI at /docs and /docs/swagger, the schema), and so all of
# them that is public when they are on.
DOCS_PATHS = frozenset({DOCS_PATH, DOCS_PATH + SWAGGER_PATH, DOCS_PATH + "/openapi.json"})


async def served_docs_only(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard of the docs router: its catch-all route (an HTML 404 page) is a problem+json 404.

    Litestar's OpenAPI router adds a ``/{path:str}`` handler for any docs path no render
    plugin serves; it is the router's only route with a path parameter.
    """
    if connection.path_params:
        raise NotFoundException()


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
            openapi_router=Router(
                DOCS_PATH, route_handlers=[], guards=[served_docs_only], include_in_schema=False
            ),
            render_plugins=[SwaggerRenderPlugin(path=SWAGGER_PATH)],
            description=(
                "Lessons for DLE. Every path but /health, /ready and these docs needs the "
                "X-DGS-Dev-Key header."
            ),
        )
        if config.openapi_enabled
        else None
    )
    app = Litestar(
        route_handlers=[*LESSON_ROUTES, *OTHER_ROUTES, *ESTIMATE_ROUTES, *ME_ROUTES],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=openapi,
        request_class=StrictJsonRequest,
        request_max_body_size=DEFAULT_MAX_BODY,
        state=State({"services": services, "http_config": config}),
        on_shutdown=list(on_shutdown),
        logging_config=None,  # the entry point configures logging (hypercorn's lines not echoed)
        debug=False,
    )
    if config.openapi_enabled:
        edge = replace(edge, public_paths=edge.public_paths | DOCS_PATHS)
    return EdgeMiddleware(BodyDeadline(app, config.body_timeout_seconds), edge)
