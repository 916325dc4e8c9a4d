"""What an evaluation sees of one generation: step times, calls, outputs, repair errors.

The pipeline is run as the service runs it; the evaluation only listens. Its model steps
are wrapped (``Traced*``: same ports, same results) to note each call's usage and
output, and the ``Progress`` port times every step. Runs go on concurrently, so each
notes into the ``Trace`` of its own task (a context variable set by ``tracing``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from application.ports.generation import (
    Gathered,
    Gatherer,
    ModelRoute,
    Repairer,
    Structured,
    Structurer,
    UnreadableOutput,
)
from application.records import StepUsage
from domain.generation import IntermediateDataModel, LessonConstraints
from domain.validation.result import Issue

RAW_OUTPUT_LIMIT = 64 * 1024  # characters of a failed output kept for inspection


@dataclass(slots=True)
class Trace:
    """One run as observed: a ``Progress`` that times steps, and what the steps noted."""

    clock: Callable[[], float] = time.perf_counter
    steps_ms: dict[str, float] = field(default_factory=dict)
    usage: list[StepUsage] = field(default_factory=list)
    last_output: Any = None  # the last lesson output (Structurer or Repairer)
    repair_errors: tuple[Issue, ...] = ()
    repair_called: bool = False
    _open: dict[str, float] = field(default_factory=dict)

    def step(self, name: str, state: str) -> None:
        """``Progress``: a step started or ended."""
        now = self.clock()
        if state == "start":
            self._open[name] = now
        elif name in self._open:
            self.steps_ms[name] = (now - self._open.pop(name)) * 1000

    def close(self) -> None:
        """End the steps still open (the run failed inside them) now."""
        for name in list(self._open):
            self.step(name, "failed")

    def raw_output(self) -> str | None:
        """The last lesson output as text (cut to ``RAW_OUTPUT_LIMIT``), if any."""
        output = self.last_output
        if output is None:
            return None
        if isinstance(output, UnreadableOutput):
            text = output.text
        else:
            text = json.dumps(output, ensure_ascii=False)
        if len(text) > RAW_OUTPUT_LIMIT:
            text = text[:RAW_OUTPUT_LIMIT] + f"\n[... {len(text) - RAW_OUTPUT_LIMIT} more]"
        return text


_current: ContextVar[Trace | None] = ContextVar("dgs_eval_trace", default=None)


@contextmanager
def tracing(trace: Trace) -> Iterator[Trace]:
    """Note the steps run inside the block (in this task) into ``trace``."""
    token = _current.set(trace)
    try:
        yield trace
    finally:
        trace.close()
        _current.reset(token)


def _noted(usage: StepUsage, output: Any = None) -> None:
    trace = _current.get()
    if trace is not None:
        trace.usage.append(usage)
        if output is not None:
            trace.last_output = output


class TracedGatherer:
    """A ``Gatherer`` that notes each call's usage."""

    def __init__(self, inner: Gatherer) -> None:
        self._inner = inner

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        """The inner step's route."""
        return self._inner.route_for(constraints)

    async def gather(
        self, topic: str, constraints: LessonConstraints, prompt: str | None = None
    ) -> Gathered:
        """Gather, and note the call."""
        gathered = await self._inner.gather(topic, constraints, prompt)
        _noted(gathered.usage)
        return gathered


class TracedStructurer:
    """A ``Structurer`` that notes each call's usage and output."""

    def __init__(self, inner: Structurer) -> None:
        self._inner = inner

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        """The inner step's route."""
        return self._inner.route_for(constraints)

    async def structure(
        self, idm: IntermediateDataModel, constraints: LessonConstraints, schema_version: str
    ) -> Structured:
        """Structure, and note the call."""
        structured = await self._inner.structure(idm, constraints, schema_version)
        _noted(structured.usage, structured.lesson)
        return structured


class TracedRepairer:
    """A ``Repairer`` that notes the errors it was given, the call's usage and output."""

    def __init__(self, inner: Repairer) -> None:
        self._inner = inner

    def route_for(self, constraints: LessonConstraints) -> ModelRoute:
        """The inner step's route."""
        return self._inner.route_for(constraints)

    async def repair(
        self,
        lesson: Any,
        errors: tuple[Issue, ...],
        constraints: LessonConstraints,
        schema_version: str,
    ) -> Structured:
        """Repair, and note the call."""
        trace = _current.get()
        if trace is not None:
            trace.repair_errors, trace.repair_called = errors, True
        fixed = await self._inner.repair(lesson, errors, constraints, schema_version)
        _noted(fixed.usage, fixed.lesson)
        return fixed
