"""Request ids and W3C trace context: read from a request, kept for its log lines and calls.

The outermost HTTP layer accepts a client's ``X-Request-ID`` only when it is safe to echo
and log (bounded, a small character set), and a ``traceparent`` only when it parses as
W3C Trace Context says; otherwise it starts new ones. Both live in a context variable for
the request's task, so a log line written anywhere during the request carries them and
the model clients send the trace on (``traceparent_header``).
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

# No standard bounds X-Request-ID: 128 characters of letters, digits and ._:+=/- hold
# every common form (UUIDs, ULIDs, AWS and Heroku ids) and cannot break a log line or a
# header (no spaces, quotes, control characters).
REQUEST_ID = re.compile(r"[A-Za-z0-9._:+=/-]{1,128}")

# W3C Trace Context, section 3.2.2 (https://www.w3.org/TR/trace-context/#traceparent-header):
# version "-" trace-id "-" parent-id "-" trace-flags, lower-case hex; version ff is invalid;
# an all-zero trace-id or parent-id is invalid. Version 00 is exactly 55 characters; a
# later version may append "-" and more fields, which are ignored (section 4.3).
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")
# Section 3.3: at most 32 list members; 512 characters is the size vendors must propagate.
_TRACESTATE = re.compile(r"[\x20-\x7e]{0,512}")
_ZERO_TRACE, _ZERO_SPAN = "0" * 32, "0" * 16


@dataclass(frozen=True, slots=True)
class TraceContext:
    """The trace this request belongs to, and this service's span in it."""

    trace_id: str
    span_id: str  # our span: the parent-id of every call made on this request's behalf
    flags: str = "00"
    tracestate: str | None = None
    caller_span_id: str | None = None  # the parent-id the caller sent, if any

    def traceparent(self) -> str:
        """The ``traceparent`` to send on an outgoing call (version 00)."""
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"


@dataclass(frozen=True, slots=True)
class Correlation:
    """What ties one request's log lines and outgoing calls together."""

    request_id: str
    trace: TraceContext


_current: ContextVar[Correlation | None] = ContextVar("dgs_correlation", default=None)


def accepted_request_id(value: str | None) -> str | None:
    """The client's request id if it may be echoed and logged as it is, else None."""
    if value is not None and REQUEST_ID.fullmatch(value):
        return value
    return None


def new_request_id() -> str:
    """A new request id: a version 4 UUID in hex.

    From ``random``, not ``uuid.uuid4()``: os.urandom releases the GIL, and under load the
    event loop then waits for worker threads to give it back (~50 us of CPU a request;
    bench/bench_listing.py). Ids must be unique, not secret; ``random`` is seeded from
    os.urandom and reseeds in forked children.
    """
    return uuid.UUID(int=random.getrandbits(128), version=4).hex


def new_span_id() -> str:
    """A random, non-zero 64-bit span id in hex (unique, not secret: see new_request_id)."""
    while (span := f"{random.getrandbits(64):016x}") == _ZERO_SPAN:
        continue  # pragma: no cover - one chance in 2**64
    return span


def trace_from(traceparent: str | None, tracestate: str | None = None) -> TraceContext:
    """The caller's trace continued with a new span of ours, else a new trace.

    A trace is new when ``traceparent`` is absent or invalid; then ``tracestate`` is
    ignored too, as section 3.3 asks.
    """
    match = _TRACEPARENT.fullmatch(traceparent.strip()) if traceparent else None
    if match is not None:
        version, trace_id, parent_id, flags, rest = match.groups()
        valid = (
            version != "ff"
            and (version != "00" or rest is None)
            and trace_id != _ZERO_TRACE
            and parent_id != _ZERO_SPAN
        )
        if valid:
            state = tracestate.strip() if tracestate else None
            if state is not None and not _TRACESTATE.fullmatch(state):
                state = None
            return TraceContext(trace_id, new_span_id(), flags, state or None, parent_id)
    return TraceContext(new_request_id(), new_span_id())


def correlation_for(
    request_id: str | None, traceparent: str | None, tracestate: str | None = None
) -> Correlation:
    """The correlation of a request: its headers' values where valid, new ones otherwise."""
    return Correlation(
        accepted_request_id(request_id) or new_request_id(), trace_from(traceparent, tracestate)
    )


@contextmanager
def correlated(correlation: Correlation) -> Iterator[Correlation]:
    """Make ``correlation`` current for the block (and the tasks it starts)."""
    token = _current.set(correlation)
    try:
        yield correlation
    finally:
        _current.reset(token)


def current_correlation() -> Correlation | None:
    """The current request's correlation, if any."""
    return _current.get()


def outgoing_trace_headers() -> dict[str, str]:
    """``traceparent`` (and ``tracestate``) for a call made on the current request's behalf."""
    correlation = _current.get()
    if correlation is None:
        return {}
    headers = {"traceparent": correlation.trace.traceparent()}
    if correlation.trace.tracestate:
        headers["tracestate"] = correlation.trace.tracestate
    return headers
