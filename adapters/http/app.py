"""The Litestar application: routes, error table, limits, OpenAPI, docs and metrics."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from litestar import Litestar, Request, Router
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.handlers import BaseRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components

from adapters.http.authn import principal_of
from adapters.http.body import StrictJsonRequest
from adapters.http.body_deadline import BodyDeadline
from adapters.http.catalog import OTHER_ROUTES
from adapters.http.clients import client_identity
from adapters.http.config import HttpConfig
from adapters.http.docs import ASSET_PATHS, OfflineSwagger, asset_routes
from adapters.http.edge import DOCS_PATH, EdgeConfig, EdgeMiddleware
from adapters.http.estimate import ESTIMATE_ROUTES
from adapters.http.jobs import JOB_ROUTES
from adapters.http.lessons import LESSON_ROUTES
from adapters.http.me import ME_ROUTES
from adapters.http.metrics_route import METRICS_PATH, Exposition, metrics_route
from adapters.http.openapi_docs import ExampleJson, security_requirements, security_schemes
from adapters.http.problems import EXCEPTION_HANDLERS
from adapters.http.routes import RouteTemplates
from adapters.observability.metrics import Metrics, NoMetrics
from adapters.observability.requests import ObservedRequests, RequestObservation

DEFAULT_MAX_BODY = 16 * 1024  # routes that take bodies set their own limit
SWAGGER_PATH = "/swagger"
# What the docs serve (Swagger UI at /docs and /docs/swagger, its files, the schema), and
# so all of them that is public when they are on.
DOCS_PATHS = frozenset(
    {DOCS_PATH, DOCS_PATH + SWAGGER_PATH, DOCS_PATH + "/openapi.json", *ASSET_PATHS}
)


async def served_docs_only(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard of the docs router: its catch-all route (an HTML 404 page) is a problem+json 404.

    Litestar's OpenAPI router adds a ``/{path:str}`` handler for any docs path no render
    plugin serves; it is the router's only route with a path parameter.
    """
    if connection.path_params:
        raise NotFoundException()


def _client_of(config: HttpConfig) -> Callable[[Request[Any, Any, Any]], Awaitable[str]]:
    """The ``client`` dependency: whom rate limits count (the signed-in user, else the address)."""

    async def provide_client(request: Request[Any, Any, Any]) -> str:
        return client_identity(request.scope, config)

    return provide_client


async def _owner_of(request: Request[Any, Any, Any]) -> str:
    """The ``owner`` dependency: the partition of the caller's data (``Principal.owner``)."""
    return principal_of(request.scope).owner


def create_app(
    use_cases: Mapping[str, Provide],
    config: HttpConfig,
    edge: EdgeConfig,
    on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    version: str = "1.0.0",
    metrics: Metrics | None = None,
    exposition: Exposition | None = None,
) -> ObservedRequests:
    """The ASGI app: Litestar in the edge layer (keys, CORS, headers) in the observer.

    ``use_cases`` provides each handler's use case by the name of its parameter
    (``generation``, ``getter``, ``deleter``, ``account_of``, ``job_starter``, ``cursors``,
    ``job_events_timing``, ...: ``entrypoints.http_app.use_cases``): one ``Provide``
    each, resolved per request. The app is not built without all of them.
    ``on_startup`` runs with the lifespan (the in-process job workers start there).
    The observer gives each request its id and trace, one log line and its metrics.
    ``exposition`` serves ``/metrics`` (containers; public with ``config.metrics_public``).
    """
    openapi = (
        OpenAPIConfig(
            title="DGS — Data Generation Service",
            version=version,
            openapi_router=Router(
                DOCS_PATH, route_handlers=[], guards=[served_docs_only], include_in_schema=False
            ),
            render_plugins=[OfflineSwagger(path=SWAGGER_PATH), ExampleJson()],
            components=Components(security_schemes=security_schemes(edge.auth_mode)),
            description=(
                "Lessons for DLE. Every path but /health, /ready and these docs needs "
                "credentials (the X-DGS-Dev-Key header or a Cognito bearer token, as the "
                "service's DGS_AUTH_MODE says): choose Authorize and paste yours."
            ),
        )
        if config.openapi_enabled
        else None
    )
    # The routes behind the key declare it in the document (the edge enforces it).
    secured = [
        h
        for h in (*LESSON_ROUTES, *JOB_ROUTES, *OTHER_ROUTES, *ESTIMATE_ROUTES, *ME_ROUTES)
        if not h.paths <= edge.public_paths
    ]
    public = [
        h
        for h in (*LESSON_ROUTES, *JOB_ROUTES, *OTHER_ROUTES, *ESTIMATE_ROUTES, *ME_ROUTES)
        if h.paths <= edge.public_paths
    ]
    handlers: list[Any] = [
        Router("/", route_handlers=secured, security=security_requirements(edge.auth_mode))
    ]
    handlers += public
    if config.openapi_enabled:
        handlers += asset_routes()
    if exposition is not None:
        handlers.append(metrics_route(exposition))
    app = Litestar(
        route_handlers=handlers,
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=openapi,
        request_class=StrictJsonRequest,
        request_max_body_size=DEFAULT_MAX_BODY,
        dependencies={
            **use_cases,
            "client": Provide(_client_of(config)),
            "owner": Provide(_owner_of),
        },
        on_startup=list(on_startup),
        on_shutdown=list(on_shutdown),
        logging_config=None,  # the entry point configures logging (hypercorn's lines not echoed)
        debug=False,
    )
    if config.openapi_enabled:
        edge = replace(edge, public_paths=edge.public_paths | DOCS_PATHS)
    if exposition is not None and config.metrics_public:
        edge = replace(edge, public_paths=edge.public_paths | {METRICS_PATH})
    observation = RequestObservation(
        route_of=RouteTemplates(app),
        identity_key=config.identity_key,
        identity_of=partial(client_identity, config=config),
    )
    return ObservedRequests(
        EdgeMiddleware(BodyDeadline(app, config.body_timeout_seconds), edge),
        metrics or NoMetrics(),
        observation,
    )
