"""``GET /metrics``: the Prometheus text exposition (behind the key unless made public)."""

from __future__ import annotations

from collections.abc import Callable

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler

METRICS_PATH = "/metrics"
Exposition = Callable[[], tuple[bytes, str]]  # the body and its content type


def metrics_route(exposition: Exposition) -> HTTPRouteHandler:
    """The route serving ``exposition``."""

    @get(METRICS_PATH, include_in_schema=False, sync_to_thread=False)
    def metrics() -> Response[bytes]:
        body, content_type = exposition()
        return Response(body, media_type=content_type)

    return metrics
