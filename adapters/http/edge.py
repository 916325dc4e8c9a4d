"""The outer ASGI layer: request ids, security headers, CORS, HEAD and authentication.

It wraps the whole Litestar app, so it sees every request and every response (unknown
routes, preflights and errors included), and it is the one layer where CORS is set.

Credentials are refused by default (the dev key or a bearer token, per ``DGS_AUTH_MODE``;
see ``authn``): every path needs them except an explicit set of public paths, compared
with the path the router will route (``routed_path``), never with the path as the client
spelled it (``//v1/lessons`` and ``/%2Fv1/lessons`` reach the ``/v1/lessons`` handler).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from litestar.utils import normalize_path

from adapters.http.authn import PRINCIPAL, Authenticator, Refusal
from adapters.http.problems import PROBLEM_JSON, problem
from adapters.observability.correlation import accepted_request_id, new_request_id
from application.ports.identity import TokenVerifier
from application.principal import AuthMode

# Plain ASGI: the middleware wraps any ASGI app and is called by any ASGI server.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]
DEV_KEY_HEADER = "x-dgs-dev-key"
log = logging.getLogger("dgs.auth")
# Load balancers probe these without credentials; the docs join them when they are served.
PUBLIC_PATHS = frozenset({"/health", "/ready"})
DOCS_PATH = "/docs"
ALLOWED_METHODS = ("GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS")
ALLOWED_HEADERS = ("content-type", DEV_KEY_HEADER, "authorization", "idempotency-key", "if-match")
EXPOSED_HEADERS = "ETag, Retry-After, X-Request-ID, RateLimit, RateLimit-Policy"
_SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
_API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# The docs page loads Swagger UI's files and one script from this origin, nothing else:
# no inline script or style, no other origin, no framing, no <base> or form targets (CSP
# Level 3, https://www.w3.org/TR/CSP3/). Swagger UI's stylesheet draws icons as data: images.
_DOCS_CSP = (
    b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# A Host header as RFC 9110 section 7.2 allows it: uri-host [":" port], the host a
# registered name, an IPv4 address or a bracketed IP literal (RFC 3986 section 3.2.2).
_HOST = re.compile(r"(?:[a-z0-9._~-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?", re.IGNORECASE)
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


@dataclass(frozen=True, slots=True)
class EdgeConfig:
    """What the edge enforces."""

    dev_key: str | None = None  # required unless auth_mode is "cognito"
    allowed_origins: frozenset[str] = field(default_factory=frozenset)
    cors_max_age: int = 600
    public_paths: frozenset[str] = PUBLIC_PATHS  # routed paths served without credentials
    auth_mode: AuthMode = "dev-key"
    verifier: TokenVerifier | None = None  # bearer tokens, for "cognito" and "both"


class EdgeMiddleware:
    """Wraps an ASGI app with the service's edge rules."""

    def __init__(self, app: ASGIApp, config: EdgeConfig) -> None:
        self._authenticator = Authenticator(config.auth_mode, config.dev_key, config.verifier)
        if "*" in config.allowed_origins:
            raise ValueError("DGS_ALLOWED_ORIGINS: '*' is refused; list exact origins")
        if unrouted := sorted(p for p in config.public_paths if normalize_path(p) != p):
            raise ValueError(f"public paths must be spelled as routed: {unrouted}")
        self.app = app
        self.config = config

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
        headers = _headers(scope)
        state = scope.setdefault("state", {})  # an outer layer may have set the request id
        state["request_id"] = (
            state.get("request_id")
            or accepted_request_id(headers.get("x-request-id"))
            or new_request_id()
        )
        origin = headers.get("origin")
        cors: list[tuple[bytes, bytes]] = []
        if origin is not None:
            if origin not in self.config.allowed_origins and origin != own_origin(scope, headers):
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
            proven = await self._authenticator.authenticate(
                headers.get(DEV_KEY_HEADER), headers.get("authorization")
            )
            if isinstance(proven, Refusal):
                log.info(
                    "request %s refused: %s (%s)", state["request_id"], proven.code, proven.reason
                )
                await self._problem(
                    send, scope, 401, proven.code, proven.detail, cors, proven.challenge
                )
                return
            scope["state"][PRINCIPAL] = proven

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
        challenge: str | None = None,
    ) -> None:
        body = msgspec.json.encode(problem(status, code, detail, scope["state"]["request_id"]))
        raw = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        if challenge is not None:
            raw.append((b"www-authenticate", challenge.encode()))
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


def own_origin(scope: Scope, headers: dict[str, str]) -> str | None:
    """The origin of this service as the request reached it (its scheme and Host).

    A page served by this service (the docs) calls it from this origin, and browsers send
    ``Origin`` on a same-origin POST or PATCH (Fetch standard, "append a request Origin
    header"), so it is allowed without being listed. A browser always sends the Host of
    the URL it calls, so another page's Origin never equals it. Origins serialise without
    a default port (RFC 6454 section 6.2). Behind a proxy that ends TLS or rewrites Host,
    list the public origin in DGS_ALLOWED_ORIGINS instead.
    """
    host = headers.get("host", "")
    scheme = scope.get("scheme", "http")
    if scheme not in _DEFAULT_PORTS or not _HOST.fullmatch(host):
        return None
    return f"{scheme}://{host.lower().removesuffix(_DEFAULT_PORTS[scheme])}"


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
