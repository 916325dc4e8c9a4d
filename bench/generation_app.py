"""The app under test for ``bench_generation``: DGS under hypercorn, with event-loop probes.

Run as a script with ``PYTHONPATH`` naming the source tree to serve (this checkout, or
an older one for a side-by-side figure) and the ``DGS_*`` settings in the environment.
It serves the app exactly as ``dgs serve`` builds it (one worker, the same hypercorn
configuration), with three probes:

- the longest single step the loop ran: each callback and task step is timed, as
  asyncio's debug mode does without its other costs, in wall time and in the thread's
  CPU time (which a busy machine's preemption does not inflate);
- how late a timer set every ``TICK`` seconds fires: the wait a new request sees (under a
  burst the loop runs every ready step in turn, so this adds up many short steps);
- the pauses of the garbage collector.

On ``SIGUSR1`` it writes what they saw since the last report to ``BENCH_LAG_FILE``.

Usage: ``python bench/generation_app.py PORT``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import sys
import time
from pathlib import Path

TICK = 0.002


class LagProbe:
    """How long the event loop is held: by one step, before a timer fires, by the collector."""

    def __init__(self, report_to: Path) -> None:
        self.lags: list[float] = []
        self.report_to = report_to
        self.gc_pauses: list[float] = []
        self.longest_step = 0.0
        self.longest_step_cpu = 0.0
        self._gc_started = 0.0
        gc.callbacks.append(self._gc)
        self._time_each_step()

    def _time_each_step(self) -> None:
        """Wrap ``Handle._run``: every callback and task step of the loop goes through it."""
        run = asyncio.events.Handle._run
        probe = self

        def timed(handle: asyncio.events.Handle) -> None:
            started, cpu = time.perf_counter(), time.thread_time()
            run(handle)
            probe.longest_step = max(probe.longest_step, time.perf_counter() - started)
            probe.longest_step_cpu = max(probe.longest_step_cpu, time.thread_time() - cpu)

        asyncio.events.Handle._run = timed  # type: ignore[method-assign,assignment]

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        """Time each garbage collection: a full one holds the loop like any other step."""
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_pauses.append(time.perf_counter() - self._gc_started)

    async def run(self) -> None:
        """Sleep ``TICK`` at a time, noting how much later than asked each wake-up comes."""
        while True:
            started = time.perf_counter()
            await asyncio.sleep(TICK)
            self.lags.append(max(0.0, time.perf_counter() - started - TICK))

    def report(self) -> None:
        """Write the lags since the last report (ms: max, p99, count over 5, 10 and 50 ms)."""
        lags, self.lags = sorted(self.lags), []
        pauses, self.gc_pauses = self.gc_pauses, []
        longest, self.longest_step = self.longest_step, 0.0
        longest_cpu, self.longest_step_cpu = self.longest_step_cpu, 0.0
        ms = [lag * 1000 for lag in lags] or [0.0]
        figures = {
            "longest_step_ms": longest * 1000,
            "longest_step_cpu_ms": longest_cpu * 1000,
            "max_ms": ms[-1],
            "p99_ms": ms[min(len(ms) - 1, int(len(ms) * 0.99))],
            "over_5ms": sum(m > 5 for m in ms),
            "over_10ms": sum(m > 10 for m in ms),
            "over_50ms": sum(m > 50 for m in ms),
            "samples": len(lags),
            "gc_max_ms": max(pauses, default=0.0) * 1000,
            "gc_total_ms": sum(pauses) * 1000,
        }
        tmp = self.report_to.with_suffix(".tmp")
        tmp.write_text(json.dumps(figures))
        tmp.replace(self.report_to)


async def serve(port: int) -> None:
    """Build the app as ``dgs serve`` does and serve it until SIGTERM."""
    from hypercorn.asyncio import serve as hypercorn_serve

    from entrypoints.commands.serve import hypercorn_config
    from entrypoints.container import build_container
    from entrypoints.http_app import build_app
    from entrypoints.settings import load_settings

    settings = load_settings()
    app = build_app(build_container(settings))
    config = hypercorn_config(argparse.Namespace(host="127.0.0.1", port=port, workers=1), settings)
    probe = LagProbe(Path(os.environ["BENCH_LAG_FILE"]))
    loop = asyncio.get_running_loop()
    if os.environ.get("BENCH_SLOW_CALLBACK_MS"):  # name the steps that hold the loop (debug)
        import logging

        logging.basicConfig(level=logging.WARNING)
        loop.set_debug(True)
        loop.slow_callback_duration = float(os.environ["BENCH_SLOW_CALLBACK_MS"]) / 1000
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, probe.report)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    probing = asyncio.create_task(probe.run())
    await hypercorn_serve(app, config, shutdown_trigger=stop.wait)
    probing.cancel()


def main() -> None:
    """Serve on the port given."""
    asyncio.run(serve(int(sys.argv[1])))


if __name__ == "__main__":
    main()
