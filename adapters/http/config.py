"""Settings the HTTP handlers and the edge apply (body limits are set per route)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HttpConfig:
    """Settings the handlers apply (body limits are set per route: 8 KiB, 1 MiB to validate)."""

    trusted_proxy_header: str | None = None  # e.g. "x-forwarded-for", only behind a proxy
    trusted_proxy_hops: int = 1  # how many trusted proxies append to that header
    openapi_enabled: bool = True
    body_timeout_seconds: float = 10.0  # the whole body must arrive within this
    metrics_public: bool = False  # /metrics without the key (DGS_METRICS_PUBLIC)
    identity_key: bytes = b""  # keys the client hash in request log lines
