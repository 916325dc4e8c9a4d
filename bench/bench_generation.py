"""Benchmark: generation as a user sees it, through the real app over a real SQLite file.

Three processes: the scripted model (``bench.generation_model``: answers by request kind,
instantly or after a delay), the app (``bench/generation_app.py``: DGS under hypercorn,
one worker, with an event-loop lag probe) and this client. Figures (issue 12's targets):

- DGS's own overhead per generation with an instant model: the end-to-end time of a
  generate request (cache misses, one after another) less the time the model server
  spent answering its two calls (the server counts it): p95 <= 30 ms; and the app's CPU
  time per generation (from /proc);
- a cache hit (the same request again): p95 <= 10 ms;
- 100 generations at once against a model that takes 1 s per call: all succeed within
  3 s wall; meanwhile no step holds the event loop for more than a few milliseconds.

``--before PATH`` serves another source tree too (e.g. ``git archive`` of an older commit
unpacked there) with the same model, client and settings, the trees alternating round by
round, so that both columns come from one run on the same machine load (the load average
is printed: on a busy machine every figure grows). Run:
``uv run --frozen python -m bench.bench_generation [--before PATH] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from tests.http.serve import free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parents[1]
DEV_KEY = "bench-dev-key-0123456789abcdef"
HEADERS = {"X-DGS-Dev-Key": DEV_KEY}
SEQUENTIAL = 100
CACHE_HITS = 100
CONCURRENT = 100
SLOW_MODEL = 1.0


@dataclass
class Figures:
    """What one source tree measured."""

    overhead: list[float] = field(default_factory=list)  # ms, the model server's time out
    end_to_end: list[float] = field(default_factory=list)  # ms
    cpu_per_generation: list[float] = field(default_factory=list)  # ms of the app's CPU, per round
    cache_hits: list[float] = field(default_factory=list)  # ms
    concurrent_walls: list[float] = field(default_factory=list)  # s, per round
    concurrent_failed: int = 0
    lag: list[tuple[str, dict[str, float]]] = field(default_factory=list)  # (scenario, probe)

    def worst(self, scenario: str, figure: str) -> float:
        """The largest value a probe reported for a scenario, over the rounds."""
        return max(probe[figure] for name, probe in self.lag if name == scenario)


@contextlib.contextmanager
def model_server(delay: float) -> Iterator[str]:
    """The scripted model in its own process; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.generation_model", "--delay", str(delay)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdin is not None
    try:
        yield process.stdout.readline().strip()
    finally:
        process.stdin.close()
        process.wait(timeout=15)


@contextlib.contextmanager
def app_server(
    tree: Path, model_url: str, scratch: Path, settings: Mapping[str, str] | None = None
) -> Iterator[App]:
    """DGS from ``tree`` on a fresh SQLite file, its steps served by ``model_url``.

    ``settings``: more DGS_ settings (e.g. the job workers' concurrency).
    """
    port = free_port()
    lag_file = scratch / "lag.json"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(scratch),
        "PYTHONPATH": str(tree),
        **{k: v for k, v in os.environ.items() if k.startswith("BENCH_")},
        "BENCH_LAG_FILE": str(lag_file),
        "DGS_DEV_KEY": DEV_KEY,
        "DGS_SQLITE_PATH": str(scratch / "data" / "dgs.sqlite3"),
        "DGS_RATE_LIMIT_PER_HOUR": "100000",
        "DGS_DAILY_GENERATION_BUDGET": "10000000",
        "DGS_COMPATIBLE_BASE_URL": model_url,
        "DGS_COMPATIBLE_API_KEY": "sk-bench-never-sent-anywhere-else",
        "DGS_GATHERER_PROVIDER": "compatible",
        "DGS_STRUCTURER_PROVIDER": "compatible",
        "DGS_GATHERER_MODEL": "scripted-gatherer",
        "DGS_STRUCTURER_MODEL": "scripted-structurer",
        **(settings or {}),
    }
    with (scratch / "app.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, os.environ.get("BENCH_APP", str(ROOT / "bench" / "generation_app.py")), str(port)],
            cwd=scratch, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_until_healthy(f"http://127.0.0.1:{port}")
            yield App(f"http://127.0.0.1:{port}", process, lag_file)
        except BaseException:
            print((scratch / "app.log").read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)


@dataclass
class App:
    """A running app: its address, its process and where its lag probe reports."""

    base: str
    process: subprocess.Popen[bytes]
    lag_file: Path

    def cpu_seconds(self) -> float:
        """CPU time the app process has used so far (user + system)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def lag(self) -> dict[str, float]:
        """What the lag probe saw since it last reported."""
        self.lag_file.unlink(missing_ok=True)
        self.process.send_signal(signal.SIGUSR1)
        for _ in range(200):
            if self.lag_file.exists():
                figures: dict[str, float] = json.loads(self.lag_file.read_text())
                return figures
            time.sleep(0.01)
        raise AssertionError("the lag probe did not report")


async def generate(client: httpx2.AsyncClient, topic: str) -> tuple[float, dict[str, object]]:
    """One generate request: its time in ms and its body."""
    started = time.perf_counter()
    response = await client.post("/v1/lessons/generate", json={"topic": topic}, headers=HEADERS)
    took = (time.perf_counter() - started) * 1000
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return took, body


async def model_busy(model_url: str) -> float:
    """Seconds the model server has spent answering so far (its delays not counted)."""
    async with httpx2.AsyncClient() as client:
        stats = (await client.get(model_url.removesuffix("/v1") + "/stats")).json()
        return float(stats["busy_seconds"])


async def model_concurrency(model_url: str) -> float:
    """Seconds the slow model server takes to answer ``CONCURRENT`` lesson calls at once.

    Each request is as large as a Structurer's (its prompt and schema, ~40 KB).
    """
    body = {"model": "m", "messages": [{"role": "system", "content": "x" * 40_000}], "response_format": {"type": "json_schema", "json_schema": {"schema": {"properties": {"blocks": {}}}}}}  # fmt: skip
    limits = httpx2.Limits(max_connections=CONCURRENT * 2)
    async with httpx2.AsyncClient(base_url=model_url, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        responses = await asyncio.gather(
            *(client.post("/chat/completions", json=body) for _ in range(CONCURRENT))
        )
        assert all(r.status_code == 200 for r in responses)
        return time.perf_counter() - started


async def warm_up(app: App, tag: str) -> None:
    """A few generations first (imports, connections, first-use caches), then a lag report.

    Each on a connection of its own: hypercorn drops a kept-alive connection whose first
    request ran past its read timeout (the first generation imports the model SDK).
    """
    for n in range(3):
        async with httpx2.AsyncClient(base_url=app.base, timeout=60) as client:
            await generate(client, f"Warm-up {tag} {n}")
    app.lag()


async def instant_figures(app: App, model_url: str, figures: Figures, tag: str) -> None:
    """Sequential cache misses, then cache hits, against the instant model."""
    await warm_up(app, tag)
    async with httpx2.AsyncClient(base_url=app.base, timeout=60) as client:
        cpu = app.cpu_seconds()
        for n in range(SEQUENTIAL):
            busy = await model_busy(model_url)
            took, body = await generate(client, f"Photosynthesis {tag} {n}")
            model_ms = (await model_busy(model_url) - busy) * 1000
            assert body["meta"]["cache"] is None  # type: ignore[index]
            figures.end_to_end.append(took)
            figures.overhead.append(took - model_ms)
        figures.cpu_per_generation.append((app.cpu_seconds() - cpu) / SEQUENTIAL * 1000)
        figures.lag.append(("sequential", app.lag()))
        for _ in range(CACHE_HITS):
            took, body = await generate(client, f"Photosynthesis {tag} 0")
            assert body["meta"]["cache"] == "lesson"  # type: ignore[index]
            figures.cache_hits.append(took)
        figures.lag.append(("cache hits", app.lag()))


async def concurrent_figures(app: App, figures: Figures, tag: str) -> None:
    """``CONCURRENT`` generations at once against the slow model."""
    limits = httpx2.Limits(max_connections=CONCURRENT * 2)
    await warm_up(app, tag)
    async with httpx2.AsyncClient(base_url=app.base, timeout=120, limits=limits) as client:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(generate(client, f"Concurrent {tag} {n}") for n in range(CONCURRENT)),
            return_exceptions=True,
        )
        figures.concurrent_walls.append(time.perf_counter() - started)
        figures.concurrent_failed += sum(isinstance(r, BaseException) for r in results)
        figures.lag.append(("concurrent", app.lag()))


def measure(tree: Path, instant: str, slow: str, figures: Figures, tag: str) -> None:
    """Every figure of one source tree, each scenario on a fresh SQLite file."""
    with tempfile.TemporaryDirectory() as one, app_server(tree, instant, Path(one)) as app:
        asyncio.run(instant_figures(app, instant, figures, tag))
    with tempfile.TemporaryDirectory() as two, app_server(tree, slow, Path(two)) as app:
        asyncio.run(concurrent_figures(app, figures, tag))


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def table(columns: dict[str, Figures]) -> None:
    """Print the figures, one column per tree."""
    figures = list(columns.values())

    def row(name: str, cell: Callable[[Figures], str], target: str = "") -> str:
        return f"| {name} | {' | '.join(cell(f) for f in figures)} | {target} |"

    def spread(values: list[float]) -> str:
        return f"{pct(values, 0.5):6.1f} / {pct(values, 0.95):6.1f}"

    lines = [
        f"| figure | {' | '.join(columns)} | target |",
        f"|---|{'---|' * len(columns)}---|",
        row("DGS overhead per generation, p50 / p95 (ms)", lambda f: spread(f.overhead), "p95 <= 30"),
        row("  end to end, p50 / p95 (ms)", lambda f: spread(f.end_to_end)),
        row("  app CPU per generation (ms, median of rounds)", lambda f: f"{statistics.median(f.cpu_per_generation):6.1f}"),
        row("cache hit, p50 / p95 (ms)", lambda f: spread(f.cache_hits), "p95 <= 10"),
        row(f"{CONCURRENT} at once, 1 s model: wall (s), median (each round)", lambda f: f"{statistics.median(f.concurrent_walls):5.2f} ({', '.join(f'{w:.2f}' for w in f.concurrent_walls)})", "<= 3"),
        row("  failed requests", lambda f: str(f.concurrent_failed), "0"),
    ]  # fmt: skip
    for scenario in ("sequential", "cache hits", "concurrent"):

        def worst(*names: str, scenario: str = scenario) -> Callable[[Figures], str]:
            return lambda f: " / ".join(f"{f.worst(scenario, n):6.1f}" for n in names)

        lines += [
            row(
                f"longest loop step, {scenario}: wall / CPU (ms)",
                worst("longest_step_ms", "longest_step_cpu_ms"),
                "a few ms",
            ),
            row(f"  longest GC pause, {scenario} (ms)", worst("gc_max_ms")),
            row(f"  timer lateness max / p99, {scenario} (ms)", worst("max_ms", "p99_ms")),
        ]
    print("\n".join(lines))


def main() -> None:
    """Measure each tree, the trees alternating round by round, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, help="another source tree to measure alongside")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, the trees alternating")
    args = parser.parse_args()
    trees = {"this tree": ROOT}
    if args.before:
        trees = {"before": args.before.resolve(), "after": ROOT}
    columns = {name: Figures() for name in trees}
    with model_server(0.0) as instant, model_server(SLOW_MODEL) as slow:
        burst = asyncio.run(model_concurrency(slow))
        print(
            f"model server alone: {CONCURRENT} answers of {SLOW_MODEL:g} s at once: {burst:.2f} s"
        )
        for round_ in range(args.rounds):
            for name, tree in trees.items():
                measure(tree, instant, slow, columns[name], f"{name} {round_}")
    load = os.getloadavg()[0]
    print(f"{args.rounds} rounds; load average at the end {load:.1f} on {os.cpu_count()} cores")
    table(columns)


if __name__ == "__main__":
    main()
