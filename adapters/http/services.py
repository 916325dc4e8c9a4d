"""What the HTTP handlers need, resolved per request (so tests can override the container)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.use_cases.account import DescribeAccount, EraseAccount, ExportAccount
from application.use_cases.guarded_generation import GuardedGeneration
from application.use_cases.lessons import DeleteLesson, GetLesson, ListLessons, PatchLesson


class Services(Protocol):
    """The use cases and checks behind the API."""

    def generation(self) -> GuardedGeneration:
        """POST /v1/lessons/generate."""
        ...

    def get_lesson(self) -> GetLesson:
        """GET /v1/lessons/{id}."""
        ...

    def list_lessons(self) -> ListLessons:
        """GET /v1/lessons."""
        ...

    def patch_lesson(self) -> PatchLesson:
        """PATCH /v1/lessons/{id}."""
        ...

    def delete_lesson(self) -> DeleteLesson:
        """DELETE /v1/lessons/{id}."""
        ...

    def describe_account(self) -> DescribeAccount:
        """GET /v1/me (beyond the token's claims)."""
        ...

    def export_account(self) -> ExportAccount:
        """GET /v1/me/export."""
        ...

    def erase_account(self) -> EraseAccount:
        """DELETE /v1/me."""
        ...

    async def readiness(self) -> dict[str, str]:
        """Each check's state ("ok" or why not); ready when all are "ok"."""
        ...


@dataclass(frozen=True, slots=True)
class HttpConfig:
    """Settings the handlers apply (body limits are set per route: 8 KiB, 1 MiB to validate)."""

    trusted_proxy_header: str | None = None  # e.g. "x-forwarded-for", only behind a proxy
    trusted_proxy_hops: int = 1  # how many trusted proxies append to that header
    openapi_enabled: bool = True
    body_timeout_seconds: float = 10.0  # the whole body must arrive within this
    metrics_public: bool = False  # /metrics without the key (DGS_METRICS_PUBLIC)
    identity_key: bytes = b""  # keys the client hash in request log lines
