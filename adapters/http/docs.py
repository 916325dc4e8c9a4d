"""The interactive API docs, served whole by the app: no CDN, so they work offline.

Swagger UI's files are vendored in ``docs_assets/swagger-ui`` (see its README: source,
version, licence, hashes) and served under ``/docs/assets/``; the page loads them and
one script of ours, and nothing else, which the page's content security policy enforces
(the edge's ``_DOCS_CSP``: scripts, styles, images and requests from this origin only).
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.plugins import OpenAPIRenderPlugin

from adapters.http.edge import DOCS_PATH

VERSION = "5.35.0"  # swagger-ui-dist, as vendored
ASSETS_DIR = Path(__file__).parent / "docs_assets"
ASSET_PREFIX = DOCS_PATH + "/assets/"
# Served name -> (file under ASSETS_DIR, media type; Litestar adds charset=utf-8 to text).
ASSETS: dict[str, tuple[str, str]] = {
    "swagger-ui-bundle.js": ("swagger-ui/swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": ("swagger-ui/swagger-ui.css", "text/css"),
    "favicon-32x32.png": ("swagger-ui/favicon-32x32.png", "image/png"),
    "dgs-docs.js": ("dgs-docs.js", "text/javascript"),
}
ASSET_PATHS = frozenset(ASSET_PREFIX + name for name in ASSETS)


class OfflineSwagger(OpenAPIRenderPlugin):
    """Swagger UI from the app's own assets; the page reads the schema from openapi.json."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        """The docs page (static: the script fetches the schema)."""
        root = html.escape(request.scope.get("root_path", "") or "", quote=True)
        title = html.escape(str(openapi_schema["info"]["title"]))
        assets = f"{root}{ASSET_PREFIX}"
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n'
            f'<meta charset="utf-8">\n<title>{title}</title>\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<link rel="icon" type="image/png" href="{assets}favicon-32x32.png">\n'
            f'<link rel="stylesheet" href="{assets}swagger-ui.css">\n'
            "</head>\n<body>\n"
            f'<div id="swagger-ui" data-spec-url="{root}{DOCS_PATH}/openapi.json"></div>\n'
            f'<script src="{assets}swagger-ui-bundle.js"></script>\n'
            f'<script src="{assets}dgs-docs.js"></script>\n'
            "</body>\n</html>\n"
        ).encode()


@cache
def _asset(name: str) -> bytes:
    return (ASSETS_DIR / ASSETS[name][0]).read_bytes()


def asset_routes() -> list[HTTPRouteHandler]:
    """One GET route per asset, each at a fixed path (the edge lists them as public)."""

    def route(name: str, media_type: str) -> HTTPRouteHandler:
        @get(ASSET_PREFIX + name, include_in_schema=False, sync_to_thread=False, name=name)
        def serve_asset() -> Response[bytes]:
            return Response(_asset(name), media_type=media_type)

        return serve_asset

    return [route(name, media) for name, (_, media) in ASSETS.items()]
