"""The outermost ASGI layer: correlation in, one log line and the request metrics out.

It runs around everything else (the edge's refusals, preflights and errors included), so
every request is counted once. It accepts or starts the request id and trace
(``correlation``), puts them in the scope's state for the layers inside and in a context
variable for log lines and outgoing calls, and after the response writes one ``request``
line: request id, method, route template (never the raw path: ids, probes and typos would
make every line unique), status, latency and a hash of the client's identity.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from adapters.observability.correlation import correlated, correlation_for
from adapters.observability.logs import fields, identity_hash
from adapters.observability.metrics import Metrics, Point

log = logging.getLogger("dgs.request")
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]
Scope = MutableMapping[str, Any]
CLIENT_CLOSED = 499  # no response was sent: the client went away first (nginx's convention)


@dataclass(frozen=True, slots=True)
class RequestObservation:
    """How requests are described."""

    route_of: Callable[[Scope], str]  # the route template the request matched, or a fixed word
    identity_key: bytes  # keys the client identity hash: not reversible without it
    identity_of: Callable[[Scope], str]  # who asked (a user or an address), read after the app


class ObservedRequests:
    """Wraps an ASGI app: correlation, one log line and metrics per HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics, observation: RequestObservation) -> None:
        self.app = app
        self._metrics = metrics
        self._observation = observation

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Handle one ASGI event."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope.get("headers", [])
        }
        correlation = correlation_for(
            headers.get("x-request-id"), headers.get("traceparent"), headers.get("tracestate")
        )
        scope.setdefault("state", {})["request_id"] = correlation.request_id
        status = CLIENT_CLOSED

        async def send_observed(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with correlated(correlation):
            try:
                await self.app(scope, receive, send_observed)
            except asyncio.CancelledError:
                raise
            except Exception:
                status = 500 if status == CLIENT_CLOSED else status  # the server answers 500
                raise
            finally:
                self._observe(scope, headers, status, time.perf_counter() - started)

    def _observe(self, scope: Scope, headers: dict[str, str], status: int, seconds: float) -> None:
        try:
            route = self._observation.route_of(scope)
        except Exception:  # a description must never fail the request
            route = "unknown"
        method = scope["method"]
        log.info(
            "request",
            extra=fields(
                event="request",
                method=method,
                route=route,
                status=status,
                duration_ms=round(seconds * 1000, 2),
                client=self._client_hash(scope),
                aws_request_id=getattr(scope.get("aws.context"), "aws_request_id", None),
            ),
        )
        labels = {"route": route, "method": method, "status": str(status)}
        self._metrics.record(
            [
                Point("dgs_http_requests", 1, labels),
                Point("dgs_http_request_duration_seconds", seconds, labels),
            ]
        )

    def _client_hash(self, scope: Scope) -> str:
        """Who asked, as a keyed hash.

        The same client gives the same value, and no identity can be read back from it.
        """
        return identity_hash(self._observation.identity_key, self._observation.identity_of(scope))
