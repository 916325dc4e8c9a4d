"""See each Chat Completions response as it arrives: why it finished.

openai-agents reports a cut-off JSON answer as a generic "invalid JSON" error. To tell
truncation (finish_reason ``length``: no repair is worth trying) from bad output, the
HTTP transport under the OpenAI client records what each completion said, for the step
that is running (a context variable scopes it to that step). The same transport sends
the request's W3C trace context (``traceparent``) on every call made on its behalf.
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx2  # the HTTP library this openai SDK is built on

from adapters.observability.correlation import outgoing_trace_headers


@dataclass(slots=True)
class Observed:
    """What the last completion (attempt) of one step said about itself."""

    finish_reason: str | None = None  # None: no completion, or one not read (streamed)

    @property
    def truncated(self) -> bool:
        """Whether the last completion stopped at the output-token limit."""
        return self.finish_reason == "length"


_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_current: contextvars.ContextVar[Observed | None] = contextvars.ContextVar(
    "dgs_observed", default=None
)


@contextmanager
def observing() -> Iterator[Observed]:
    """Record the completions made inside the block."""
    observed = Observed()
    token = _current.set(observed)
    try:
        yield observed
    finally:
        _current.reset(token)


class ObservingTransport(httpx2.AsyncBaseTransport):
    """Wraps a transport; reads non-streamed completion bodies to note what they said."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Forward the request (with the current trace); record the completion it returns."""
        for name, value in outgoing_trace_headers().items():
            request.headers[name] = value
        response = await self._inner.handle_async_request(request)
        observed = _current.get()
        if observed is None or not request.url.path.endswith("/chat/completions"):
            return response
        if "text/event-stream" in response.headers.get("content-type", ""):
            observed.finish_reason = None
            return response
        body = await response.aread()  # decoded: the rebuilt response must not say gzip
        observed.finish_reason = _finish_reason(body)
        headers = [
            (name, value)
            for name, value in response.headers.multi_items()
            if name.lower() not in _BODY_HEADERS
        ]
        return httpx2.Response(
            status_code=response.status_code,
            headers=headers,
            content=body,
            request=request,
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()


def _finish_reason(body: bytes) -> str | None:
    try:
        reason = json.loads(body)["choices"][0].get("finish_reason")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
    return reason if isinstance(reason, str) else None
