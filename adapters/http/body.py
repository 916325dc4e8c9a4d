"""Request bodies through the one strict JSON reader (``adapters/json_input.decode_json``).

Litestar reads a route's JSON body with ``Request.json()`` and then converts the value
to the route's msgspec Struct (validation and OpenAPI stay Litestar's). This request
class swaps only the first step, so every body DGS parses is UTF-8, has no NaN or
Infinity and nests at most ``domain.limits.MAX_JSON_DEPTH`` levels, and anything else is
a 400 problem with a stable code before any handler runs.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from adapters.http.problems import HttpProblem
from adapters.json_input import JsonInputError, JsonProblem, decode_json

# The stable codes of a body the reader refuses (documented in the README's API section).
BODY_CODES: dict[JsonProblem, str] = {
    "not_utf8": "invalid_encoding",  # RFC 8259 section 8.1: JSON exchanged between systems is UTF-8
    "malformed": "malformed_json",
    "too_deep": "json_too_deep",
}


class StrictJsonRequest(Request[Any, Any, Any]):
    """A Litestar request whose JSON body is read by ``decode_json``."""

    async def json(self) -> Any:
        """The body's JSON value (Litestar's extractor asks once per request)."""
        try:
            return decode_json(await self.body() or b"null")
        except JsonInputError as exc:
            raise HttpProblem(400, BODY_CODES[exc.reason], str(exc)) from None
