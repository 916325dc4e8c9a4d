"""Catalog, schema and health routes."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import PathParameter

from adapters.http import wire
from adapters.http.problems import HttpProblem
from adapters.http.readiness import Readiness
from adapters.http.responses import problems
from domain.catalog.registry import get_registry
from domain.schema.document import lesson_json_schema
from domain.values.catalog_version import is_catalog_version


@get("/v1/catalog", responses=problems(401), summary="Widget catalogs")
async def catalog() -> wire.Catalogs:
    """Every catalog version: its widgets, widgets_version and widgets.md text."""
    registry = get_registry()
    return wire.Catalogs(
        default_version=registry.default_version,
        catalogs=[
            wire.CatalogEntry(
                schema_version=found.schema_version,
                widgets_version=found.widgets_version,
                widgets=[
                    wire.WidgetEntry(
                        key=widget.key,
                        shorthand=widget.shape.shorthand,
                        fields=[
                            f.name if f.required else f"{f.name}?" for f in widget.shape.fields
                        ],
                        anchor=widget.anchor,
                    )
                    for widget in found.widgets.values()
                ],
                widgets_md=found.text,
            )
            for found in registry.catalogs.values()
        ],
    )


@get(
    "/v1/schemas/lesson/{version:str}",
    responses=problems(400, 401, 404),
    summary="Lesson JSON Schema",
)
async def lesson_schema(
    version: Annotated[str, PathParameter(description="catalog version, e.g. 1.1", max_length=16)],
) -> dict[str, Any]:
    """The lesson JSON Schema (draft 2020-12) of a catalog version."""
    if not is_catalog_version(version):
        raise HttpProblem(404, "not_found", f"no catalog version {version!r}")
    return lesson_json_schema(version)


@get("/health", summary="Liveness", include_in_schema=True)
async def health() -> wire.Health:
    """The process answers (no dependency is checked, no key needed)."""
    return wire.Health(status="ok", checks={})


@get("/ready", responses=problems(503), summary="Readiness")
async def ready(readiness: NamedDependency[Readiness]) -> Response[wire.Health]:
    """The store answers and a provider is configured."""
    checks = await readiness()
    ok = all(value == "ok" for value in checks.values())
    body = wire.Health(status="ok" if ok else "unavailable", checks=checks)
    return Response(
        body, status_code=200 if ok else 503, headers=None if ok else {"Retry-After": "5"}
    )


OTHER_ROUTES = [catalog, lesson_schema, health, ready]
