"""A generation between its steps, and where the CPU work on a lesson runs.

Each step of ``GenerateLesson`` takes the ``Draft`` the steps before it made and returns
the next one; a job can keep the draft of its last completed step.

Judging, serialising and converting a lesson of usual size (50 widgets, ~20 KB) takes
well under a millisecond each, so it runs on the event loop. A lesson near the store's
size limit takes several milliseconds per step (~600 widgets: validation ~4 ms, the
shorthand ~10 ms), which would hold every other request of the process that long: such
a lesson is worked on in a worker thread (``off_loop``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from application.records import StepUsage
from application.use_cases.generation_request import PreparedRequest
from application.use_cases.lesson_verdict import judge
from domain.generation import IntermediateDataModel
from domain.validation.result import ValidationResult

T = TypeVar("T")
# Items (widgets) above which a lesson is worked on off the event loop: ~60 KB of JSON,
# where validation passes one millisecond.
OFF_LOOP_ITEMS = 150


@dataclass(frozen=True, slots=True)
class Draft:
    """What the steps of one generation have made so far."""

    prepared: PreparedRequest
    started: float  # on the generation's monotonic clock
    idm: IntermediateDataModel | None = None
    idm_cached: bool = False  # the material came from the cache (no gather call)
    output: Any = None  # the latest lesson output: JSON, or ``UnreadableOutput``
    verdict: ValidationResult | None = None  # the verdict on ``output``
    usage: tuple[StepUsage, ...] = ()  # one entry per model call made
    repaired: bool = False


async def verdict(output: Any, schema_version: str) -> ValidationResult:
    """``judge``'s verdict on a model's lesson output, off the loop when it is large."""
    return await off_loop(output, judge, output, schema_version)


async def off_loop(lesson: Any, work: Callable[..., T], *args: Any) -> T:
    """``work(*args)``, in a worker thread when ``lesson`` is large, else right here."""
    if items(lesson) > OFF_LOOP_ITEMS:
        return await asyncio.to_thread(work, *args)
    return work(*args)


def items(lesson: Any) -> int:
    """How many items a lesson's sections hold (any JSON value; cheap: no item is read)."""
    blocks = lesson.get("blocks") if isinstance(lesson, dict) else None
    pending = list(blocks) if isinstance(blocks, list) else []
    count = 0
    while pending:
        block = pending.pop()
        if not isinstance(block, dict):
            continue
        listed = block.get("items")
        count += len(listed) if isinstance(listed, list) else 1
        nested = block.get("subsections")
        if isinstance(nested, list):
            pending.extend(nested)
    return count
