"""How a running job reports its steps, and watches each while it runs.

``StepWatch`` records the phase at each step boundary (where a cancel is obeyed) and
renews the lease while a step runs, abandoning the step when a cancel comes in; the
functions below say what a report holds (the subphase of a model step, its calls).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from application.jobs.records import PHASES, JobCall, JobProgress, Phase
from application.jobs.transitions import CancelRequestedError
from application.ports.jobs import JobStore
from application.use_cases.generate_lesson import Step
from application.use_cases.lesson_draft import Draft

PHASE_OF: dict[Step, Phase] = {
    "gather": "collect",
    "structure": "transform",
    "validate": "validate",
    "repair": "repair",
}
MODEL_STEPS: frozenset[Step] = frozenset({"gather", "structure", "repair"})


@dataclass(frozen=True, slots=True)
class JobTiming:
    """How long a claim holds, and how often a running job renews it (and looks for a cancel)."""

    lease: timedelta = timedelta(seconds=30)
    heartbeat: timedelta = timedelta(seconds=5)


class StepWatch:
    """Reports a job's step boundaries and watches its steps, for the job's holder."""

    def __init__(self, jobs: JobStore, timing: JobTiming) -> None:
        self._jobs = jobs
        self._timing = timing

    async def report(
        self, job_id: str, worker: str, phase: Phase, done: int, draft: Draft, calls: list[JobCall]
    ) -> None:
        """Record the phase about to run (the step boundary, where a cancel is obeyed)."""
        report = JobProgress(
            phase,
            subphase(phase, draft, len(calls)),
            done,
            len(PHASES),
            tuple(calls),
            (f"{phase}: started",),
        )
        await self._jobs.progress(job_id, worker, report)

    async def watched(self, job_id: str, worker: str, step: Coroutine[Any, Any, Draft]) -> Draft:
        """The step, abandoned if a cancel comes in (or the lease is lost) while it runs."""
        running = asyncio.ensure_future(step)
        watcher = asyncio.ensure_future(self._watch(job_id, worker))
        try:
            await asyncio.wait({running, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (running, watcher):
                if not task.done():
                    task.cancel()
            await asyncio.gather(running, watcher, return_exceptions=True)
        stopped = None if watcher.cancelled() else watcher.exception()
        if stopped is not None:
            raise stopped  # a cancel, or the lease lost: the step was abandoned
        return running.result()

    async def _watch(self, job_id: str, worker: str) -> None:
        """Renew the lease every heartbeat; raise when a cancel was asked for."""
        while True:
            await asyncio.sleep(self._timing.heartbeat.total_seconds())
            job = await self._jobs.heartbeat(job_id, worker, self._timing.lease)
            if job.cancel_requested:
                raise CancelRequestedError("the job was asked to cancel")


def subphase(phase: Phase, draft: Draft, made: int) -> str | None:
    """``ai_call_{n}_of_{m}`` while a model step runs (m grows to 3 when a repair is due)."""
    if phase not in ("collect", "transform", "repair"):
        return None
    verdict = draft.verdict
    expected = 3 if verdict is not None and not verdict.ok else 2
    expected -= 1 if draft.idm_cached else 0
    return f"ai_call_{made + 1}_of_{max(expected, made + 1)}"


def new_calls(draft: Draft, known: int, latency_ms: int) -> list[JobCall]:
    """The model calls the last step made, as job calls."""
    return [
        JobCall(
            index=known + offset + 1,
            purpose=usage.step,
            provider=usage.provider,
            model=usage.model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            reasoning_tokens=usage.reasoning_tokens,
            cost_usd=usage.cost_usd,
            latency_ms=latency_ms,
        )
        for offset, usage in enumerate(draft.usage[known:])
    ]
