"""OpenAPI declarations of the problem responses a route may give."""

from __future__ import annotations

from litestar.openapi.datastructures import ResponseSpec

from adapters.http.error_table import TITLES
from adapters.http.problems import PROBLEM_JSON
from adapters.http.wire import Problem

_ALWAYS = (500,)


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """Problem+json responses for these statuses (and 500, which any route may give)."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=TITLES.get(status, "Error"),
            media_type=PROBLEM_JSON,
            generate_examples=False,
        )
        for status in (*statuses, *_ALWAYS)
    }
