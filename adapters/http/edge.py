"""The outer ASGI layer: request ids, security headers, CORS, HEAD and the dev key.

It wraps the whole Litestar app, so it sees every request and every response (unknown
routes, preflights and errors included), and it is the one layer where CORS is set.

The key is refused by default: every path needs it except an explicit set of public
paths, compared with the path the router will route (``routed_path``), never with the
path as the client spelled it (``//v1/lessons`` and ``/%2Fv1/lessons`` reach the
``/v1/lessons`` handler).
"""

from __future__ import annotations

import hmac
import random
import uuid
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from litestar.utils import normalize_path

from adapters.http.problems import PROBLEM_JSON, TITLES
from adapters.http.wire import Problem

# Plain ASGI: the middleware wraps any ASGI app and is called by any ASGI server.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]
DEV_KEY_HEADER = "x-dgs-dev-key"
# Load balancers probe these without credentials; the docs join them when they are served.
PUBLIC_PATHS = frozenset({"/health", "/ready"})
DOCS_PATH = "/docs"
ALLOWED_METHODS = ("GET", "HEAD", "POST", "PATCH", "OPTIONS")
ALLOWED_HEADERS = ("content-type", DEV_KEY_HEADER, "idempotency-key", "if-match")
EXPOSED_HEADERS = "ETag, Retry-After, X-Request-ID, RateLimit, RateLimit-Policy"
_SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
_API_CSP = b"default-src 'none'; frame-ancestors 'none'"
_DOCS_CSP = b"frame-ancestors 'none'"  # the interactive docs load their own scripts


@dataclass(frozen=True, slots=True)
class EdgeConfig:
    """What the edge enforces."""

    dev_key: str
    allowed_origins: frozenset[str] = field(default_factory=frozenset)
    cors_max_age: int = 600
    public_paths: frozenset[str] = PUBLIC_PATHS  # routed paths served without the key


class EdgeMiddleware:
    """Wraps an ASGI app with the service's edge rules."""

    def __init__(self, app: ASGIApp, config: EdgeConfig) -> None:
        if not config.dev_key:
            raise ValueError("the dev key must not be empty: DGS never runs open")
        if "*" in config.allowed_origins:
            raise ValueError("DGS_ALLOWED_ORIGINS: '*' is refused; list exact origins")
        if unrouted := sorted(p for p in config.public_paths if normalize_path(p) != p):
            raise ValueError(f"public paths must be spelled as routed: {unrouted}")
        self.app = app
        self.config = config
        self._key = config.dev_key.encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Handle one ASGI event."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "HEAD":
            # RFC 9110 section 9.3.2: HEAD is GET without the content, so every GET route
            # answers it (Litestar routes HEAD only to explicit HEAD handlers).
            scope = {**scope, "method": "GET"}
            send = _without_body(send)
        # A version 4 UUID from ``random``, not ``uuid.uuid4()``: its os.urandom call releases
        # the GIL, and under load the event loop then waits for worker threads to give it back
        # (~50 us of CPU a request; bench/bench_listing.py). An id must be unique, not secret;
        # ``random`` is seeded from os.urandom and reseeds in forked children.
        request_id = uuid.UUID(int=random.getrandbits(128), version=4).hex
        scope.setdefault("state", {})["request_id"] = request_id
        headers = _headers(scope)
        origin = headers.get("origin")
        cors: list[tuple[bytes, bytes]] = []
        if origin is not None:
            if origin not in self.config.allowed_origins:
                await self._problem(
                    send, scope, 403, "origin_not_allowed", "this origin may not call the API"
                )
                return
            cors = [(b"access-control-allow-origin", origin.encode())]
            if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
                await self._preflight(send, scope, headers, cors)
                return
            cors.append((b"access-control-expose-headers", EXPOSED_HEADERS.encode()))
        if routed_path(scope) not in self.config.public_paths:
            given = headers.get(DEV_KEY_HEADER, "").encode()
            if not given or not hmac.compare_digest(given, self._key):
                await self._problem(
                    send,
                    scope,
                    401,
                    "unauthorized",
                    f"a valid {DEV_KEY_HEADER} header is required",
                    cors,
                )
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self._finish(message.get("headers", []), scope, cors)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _finish(
        self, raw: Iterable[tuple[bytes, bytes]], scope: Scope, cors: list[tuple[bytes, bytes]]
    ) -> list[tuple[bytes, bytes]]:
        """Every response: security headers, request id, CORS; API responses are not cached."""
        drop = {b"server", b"x-powered-by", b"cache-control", b"content-security-policy", b"vary"}
        out = [
            (name, _with_head(value) if name.lower() == b"allow" else value)
            for name, value in raw
            if name.lower() not in drop
        ]
        out += list(_SECURITY_HEADERS)
        path = routed_path(scope)
        is_docs = path == DOCS_PATH or path.startswith(DOCS_PATH + "/")
        out.append((b"content-security-policy", _DOCS_CSP if is_docs else _API_CSP))
        out.append((b"cache-control", b"no-cache" if is_docs else b"no-store"))
        out.append((b"x-request-id", scope["state"]["request_id"].encode()))
        out.append((b"vary", b"Origin"))  # CORS answers depend on it, whatever the request
        out += cors
        return out

    async def _preflight(
        self, send: Send, scope: Scope, headers: dict[str, str], cors: list[tuple[bytes, bytes]]
    ) -> None:
        method = headers["access-control-request-method"].upper()
        asked = {
            h.strip().lower()
            for h in headers.get("access-control-request-headers", "").split(",")
            if h.strip()
        }
        if method not in ALLOWED_METHODS or not asked <= set(ALLOWED_HEADERS):
            await self._problem(
                send, scope, 403, "cors_not_allowed", "this method or header is not allowed", cors
            )
            return
        extra = [
            (b"access-control-allow-methods", ", ".join(ALLOWED_METHODS).encode()),
            (b"access-control-allow-headers", ", ".join(ALLOWED_HEADERS).encode()),
            (b"access-control-max-age", str(self.config.cors_max_age).encode()),
        ]
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": self._finish(extra, scope, cors),
            }
        )
        await send({"type": "http.response.body", "body": b""})

    async def _problem(
        self,
        send: Send,
        scope: Scope,
        status: int,
        code: str,
        detail: str,
        cors: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        problem = Problem(
            type=f"https://dgs.dev/problems/{code}",
            title=TITLES.get(status, "Forbidden" if status == 403 else "Error"),
            status=status,
            detail=detail,
            code=code,
            request_id=scope["state"]["request_id"],
        )
        body = msgspec.json.encode(problem)
        raw = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        if status == 401:
            raw.append((b"www-authenticate", b"DGS-Dev-Key"))
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": self._finish(raw, scope, cors or []),
            }
        )
        await send({"type": "http.response.body", "body": body})


def routed_path(scope: Scope) -> str:
    """The path Litestar's router matches for this request, as it computes it.

    As ``ASGIRouter.__call__`` (litestar/_asgi/asgi_router.py, Litestar 2.25): the
    ``root_path`` is cut off, then ``normalize_path`` strips slashes at both ends and
    collapses runs of them. The server has already percent-decoded ``scope["path"]``
    (``%2F`` is a slash by then, for hypercorn and Mangum alike); the router resolves no
    dot segments and is case-sensitive, so neither is done here.
    """
    path: str = scope["path"]
    if root_path := scope.get("root_path", ""):
        path = path.split(root_path, maxsplit=1)[-1]
    return normalize_path(path)


def _without_body(send: Send) -> Send:
    async def send_head(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_head


def _with_head(allow: bytes) -> bytes:
    """An ``Allow`` value with HEAD wherever GET is allowed (the edge answers it)."""
    methods = [m.strip() for m in allow.split(b",") if m.strip()]
    if b"GET" in methods and b"HEAD" not in methods:
        methods.insert(methods.index(b"GET") + 1, b"HEAD")
    return b", ".join(methods)


def _headers(scope: Scope) -> dict[str, str]:
    return {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in scope.get("headers", [])
    }
