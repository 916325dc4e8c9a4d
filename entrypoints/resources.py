"""What the container opened and must close at shutdown (only what was actually opened)."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("dgs")

Closer = Callable[[], Awaitable[None] | None]


class Resources:
    """Close callbacks, registered by the factories that open things; run once, newest first."""

    def __init__(self) -> None:
        self._closers: list[Closer] = []

    def on_close(self, closer: Closer) -> None:
        """Register how to close something just opened."""
        self._closers.append(closer)

    async def aclose(self) -> None:
        """Close everything registered; a failing close is logged, not raised."""
        while self._closers:
            closer = self._closers.pop()
            try:
                result = closer()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("closing a resource failed")
