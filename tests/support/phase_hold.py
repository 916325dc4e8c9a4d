"""A job store that holds its worker in one phase, so a test can act while the job is in it.

Some phases pass in microseconds (validating a lesson, storing it): too fast to cancel in
by timing alone. The double records the phase like the store it wraps (the API reads it),
then keeps the worker there until the test releases it. Injected through the container
(``container.jobs.override``) only in tests; production code has no hook for it.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from application.jobs.records import JobProgress, JobRecord, Phase
from application.ports.jobs import JobStore


class PhaseHold:
    """``inner``, whose worker waits right after recording ``phase`` until ``release``."""

    def __init__(self, inner: JobStore, phase: Phase, timeout: float = 20.0) -> None:
        self.inner = inner
        self.phase = phase
        self.timeout = timeout
        # Threading events: Litestar's test client runs the app's lifespan (and so the
        # workers) on another event loop, in another thread, than the test's requests.
        self.held = threading.Event()
        self.release = threading.Event()

    async def progress(self, job_id: str, worker: str, report: JobProgress) -> JobRecord:
        """Record the progress; in the held phase, wait for ``release`` before going on."""
        recorded = await self.inner.progress(job_id, worker, report)
        if report.phase == self.phase:
            self.held.set()
            if not await asyncio.to_thread(self.release.wait, self.timeout):
                raise AssertionError(f"the worker was held in {self.phase} and never released")
        return recorded

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
