"""``dgs generate``: one lesson, with progress on a terminal."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from typing import Any

from application.errors import GenerationError
from application.records import LessonRecord
from application.use_cases.generate_lesson import GenerateRequest
from application.use_cases.guarded_generation import GuardedResult
from entrypoints.commands import EXIT_OK, EXIT_PROVIDER
from entrypoints.commands.generation_options import CommandFailed, run_generation_command
from entrypoints.commands.terminal import fail, json_text, printable
from entrypoints.container import Container


class TerminalProgress:
    """Prints each step as it starts and ends, with its duration, to standard error."""

    def __init__(self) -> None:
        self._started: dict[str, float] = {}

    def step(self, name: str, state: str) -> None:
        """Show a step's state."""
        if state == "start":
            self._started[name] = time.perf_counter()
            print(f"  {name:9} ...", file=sys.stderr, flush=True)
            return
        took = time.perf_counter() - self._started.get(name, time.perf_counter())
        print(
            f"  {name:9} {state} ({took:.1f}s)" if state != "skipped" else f"  {name:9} skipped",
            file=sys.stderr,
            flush=True,
        )


def generate(args: argparse.Namespace) -> int:
    """Generate and store a lesson; print a summary, or the API's JSON body with --json.

    With ``--async``, start a job instead (``entrypoints.commands.jobs.start``).
    """
    if args.async_:
        from entrypoints.commands.jobs import start

        return start(args)
    progress = TerminalProgress() if sys.stderr.isatty() and not args.json else None

    async def work(container: Container, request: GenerateRequest) -> GuardedResult:
        # The API's use case, as the local operator: no quota, and always a new lesson.
        return await container.guarded_generation()(
            request, None, use_cache=False, progress=progress
        )

    try:
        result = run_generation_command("generate", args, work)
    except CommandFailed as failed:
        return failed.code
    except GenerationError as exc:
        return fail("generate", f"{exc.code}: {exc}", EXIT_PROVIDER)
    if args.json:  # the API's response body, as the use case made it
        print(json_text(json.dumps(json.loads(result.body), ensure_ascii=False, indent=2)))
        return EXIT_OK
    assert result.record is not None  # a new lesson, not a replay: no idempotency key
    _summary(result.record, json.loads(result.record.lesson_json))
    return EXIT_OK


def _summary(record: LessonRecord, full: dict[str, Any]) -> None:
    counts: Counter[str] = Counter()
    for block in full["blocks"]:
        stack = [block]
        while stack:
            current = stack.pop()
            if "section" not in current:
                counts[next(iter(current))] += 1
                continue
            counts.update(item["type"] for item in current["items"])
            stack.extend(current.get("subsections") or [])
    meta = record.meta
    providers = sorted({step.provider for step in meta.usage})
    print(f"lesson  {record.lesson_id}")
    print(f"title   {printable(record.title)}")
    print(
        f"widgets {sum(counts.values())}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    print(
        f"calls   {len(meta.usage)} ({', '.join(providers)}){', repaired' if meta.repaired else ''}"
    )
    print(f"cost    ${meta.cost_usd:.6f}  latency {meta.latency_ms} ms")
    if providers == ["offline"]:
        print("note    the offline provider writes SAMPLE lessons, not real teaching content")
