"""An asyncio lock for whichever event loop is running.

``asyncio.Lock`` binds to the loop it is first contended on; a Lambda execution
environment or a test suite may run several loops in turn, so a long-lived object keeps
one lock per loop through this helper.
"""

from __future__ import annotations

import asyncio


class LoopLock:
    """``lock()`` is an ``asyncio.Lock`` of the running loop (a new one when the loop changes)."""

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __call__(self) -> asyncio.Lock:
        """The running loop's lock."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop = asyncio.Lock(), loop
        return self._lock
