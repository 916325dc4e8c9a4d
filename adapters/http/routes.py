"""The route template a request matched, for log lines and metric labels."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.exceptions import HTTPException

from adapters.http.edge import Scope, routed_path

UNMATCHED = "unmatched"  # no route: unknown paths and methods share one label


class RouteTemplates:
    """``/v1/lessons/{lesson_id}``, never the path as sent (ids would make every label new).

    A request Litestar routed carries its template; one the edge answered itself (no key,
    a refused origin, a preflight) is looked up in the same router (cached by Litestar).
    """

    def __init__(self, app: Litestar) -> None:
        self._router = app.asgi_router

    def __call__(self, scope: Scope) -> str:
        """The template of the route ``scope`` matches, or ``UNMATCHED``."""
        template: Any = scope.get("path_template")
        if isinstance(template, str) and template:
            return template
        method = "GET" if scope["method"] == "HEAD" else scope["method"]  # the edge's HEAD
        try:
            found: str = self._router.handle_routing(path=routed_path(scope), method=method)[4]
        except HTTPException:  # not found, or not allowed
            return UNMATCHED
        return found
