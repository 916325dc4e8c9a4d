"""Benchmark: listing and getting lessons (issue 12's listing targets).

Run with ``uv run python -m bench.bench_listing`` (needs ``wrk``: ``apt-get install wrk``).
Prints, each with its comparison:

- ``GET /v1/lessons?limit=20`` and ``GET /v1/lessons/{id}``: DGS (``dgs serve``, SQLite)
  against a minimal Litestar app (``bench.minimal_listing_app``) running the same SQL on
  the same file under the same hypercorn configuration, side by side: rounds alternate
  between the two and the medians are compared (target: DGS >= 0.8x). Both answer the
  same bodies, which is checked first. Load: ``wrk``, one thread, 16 connections.
- page 1 against page 500 of 20 (10,000 lessons), through the repository (target: alike).
- ``q=`` over 200 and over 10,000 lessons: a term only one lesson has in either store
  (target: 10,000 within 2x of 200), and terms whose matches grow with the store.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.lessons import SqliteLessonRepository, insert_lesson
from adapters.system import SystemClock
from application.cursor import CursorCodec
from application.principal import DEV_TENANT
from application.records import GenerationMeta, LessonQuery, LessonRecord, StepUsage
from bench.bench_validate import build_lesson
from domain.conversion.forms import expand

KEY = "bench-dev-key-0123456789abcdef"
CURSOR_SECRET = "bench-cursor-secret-0123456789ab"
ROUNDS = 5
SECONDS = 3
CONNECTIONS = 16
SUBJECTS = [
    "photosynthesis", "volcanoes", "fractions", "the french revolution", "plate tectonics",
    "neural networks", "git branching", "spanish greetings", "tides", "the water cycle",
    "prime numbers", "cell division", "supply and demand", "the roman empire", "electric circuits",
    "poetry meter", "climate zones", "probability", "html forms", "sql joins", "the immune system",
    "black holes", "music scales", "bird migration", "the cold war", "chemical bonds", "rust ownership",
    "budgeting", "first aid", "typography", "the solar system", "ancient egypt", "recycling",
    "ecosystems", "linear equations", "python loops", "sleep science", "map reading", "gardening",
    "sign language", "knots", "coffee brewing", "chess openings", "bridges", "earthquakes",
    "vaccines", "the printing press", "jazz history", "origami", "public speaking", "dna",
    "renaissance art", "glaciers", "magnetism", "taxes", "bees", "rainforests", "optics",
    "kubernetes pods", "sourdough",
]  # fmt: skip
LEVELS = ["Introduction to", "A Tour of", "Understanding", "Hands-on", "Deep Dive:"]


def record(n: int, at: datetime, lesson_json: str, topic: str | None = None) -> LessonRecord:
    """The ``n``-th lesson of a store: a topic from ``SUBJECTS`` (one in 60 per subject)."""
    subject = topic or SUBJECTS[n % len(SUBJECTS)]
    usage = (
        StepUsage("gather", "openai", "gpt-4.1", 1200, 800, 64, 0.0021),
        StepUsage("structure", "openai", "gpt-4.1-mini", 2100, 1500, 0, 0.0009),
    )
    return LessonRecord(
        lesson_id=f"{n:08x}-0000-4000-8000-{n:012x}",
        owner=DEV_TENANT,
        topic=subject.title(),
        title=f"{LEVELS[n % len(LEVELS)]} {subject.title()}",
        tags=("bench", f"group-{n % 7}"),
        created_at=at,
        updated_at=at + timedelta(minutes=n % 3),
        version=1 + n % 3,
        schema_version="1.1",
        prompt_version="p-bench",
        widgets_version="39ecf2e2e90affedd0812c1a9daf9d0309361b425ffcdb1137463d06c0b23011",
        idempotency_key=None,
        provider_a="openai",
        model_a="gpt-4.1",
        provider_b="openai",
        model_b="gpt-4.1-mini",
        meta=GenerationMeta(latency_ms=8123, usage=usage, cost_usd=0.003, repaired=False),
        status="ok",
        lesson_json=lesson_json,
    )


def seed(path: Path, count: int, lesson_json: str, rare_at: int | None = None) -> list[str]:
    """A store of ``count`` lessons, one a millisecond; ``rare_at`` gets a unique topic."""
    database = SqliteDatabase(path)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    records = [
        record(n, start + timedelta(milliseconds=n), lesson_json, "Zymurgy" if n == rare_at else None)
        for n in range(count)
    ]  # fmt: skip

    def insert_all(connection: Any) -> None:
        for each in records:
            insert_lesson(connection, each)

    asyncio.run(database.write(insert_all))
    database.close()
    return [r.lesson_id for r in records]


# -- HTTP: DGS against the minimal app ------------------------------------------------------


@dataclass
class Server:
    """A server process: its URL and process id."""

    base: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time used so far by the process and its children (hypercorn's worker)."""
        total, pending = 0.0, [self.pid]
        while pending:
            pid = pending.pop()
            proc = Path(f"/proc/{pid}")
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in (proc / "task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        return total


@contextmanager
def server(module: list[str], env: dict[str, str]) -> Iterator[Server]:
    """A server process on a free port until the block ends (its log discarded)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", *module, "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    running = Server(f"http://127.0.0.1:{port}", process.pid)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                fetch(running.base + "/v1/lessons?limit=1")
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield running
    finally:
        process.terminate()
        process.wait(timeout=15)


def fetch(url: str) -> Any:
    """A GET with the dev key; the decoded JSON body."""
    request = urllib.request.Request(url, headers={"X-DGS-Dev-Key": KEY})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@dataclass
class Load:
    """What one ``wrk`` run measured, and the server's CPU time per request."""

    rps: float
    p99_ms: float
    cpu_us: float


def wrk(target: Server, route: str, seconds: int = SECONDS) -> Load:
    """One ``wrk`` run: one thread (the other core serves), ``CONNECTIONS`` connections."""
    cpu = target.cpu_seconds()
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency",
         "-H", f"X-DGS-Dev-Key: {KEY}", target.base + route],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    cpu = target.cpu_seconds() - cpu
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw failures on {route}:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return Load(rps, p99, cpu / requests * 1e6)


def http_figures(tmp: Path) -> None:
    """Requests per second, p99 and CPU per request of DGS and the minimal app, side by side.

    Rounds alternate between the two servers, and each ratio is taken within a round, so
    other load on the machine weighs on both alike; CPU time per request does not depend
    on it at all.
    """
    path = tmp / "http.sqlite3"
    lesson_json = json.dumps(expand(build_lesson()), ensure_ascii=False, separators=(",", ":"))
    ids = seed(path, 1000, lesson_json)
    env = {**os.environ, "DGS_DEV_KEY": KEY, "DGS_SQLITE_PATH": str(path),
           "DGS_CURSOR_SECRET": CURSOR_SECRET, "DGS_OPENAPI_ENABLED": "true"}  # fmt: skip
    routes = {
        "list ?limit=20": "/v1/lessons?limit=20",
        "get (17 KB lesson)": f"/v1/lessons/{ids[7]}",
    }
    with (
        server(["entrypoints.cli", "serve"], env) as dgs,
        server(["bench.minimal_listing_app"], env) as minimal,
    ):
        for route in routes.values():  # the same answer, or the comparison means nothing
            assert fetch(dgs.base + route) == fetch(minimal.base + route), route
        print(
            f"HTTP (wrk -t1 -c{CONNECTIONS}, {ROUNDS} alternating rounds of {SECONDS} s, medians)"
        )
        for name, route in routes.items():
            wrk(dgs, route, 1), wrk(minimal, route, 1)  # warm up
            rounds = [(wrk(dgs, route), wrk(minimal, route)) for _ in range(ROUNDS)]
            ours, theirs = [r[0] for r in rounds], [r[1] for r in rounds]

            def median(loads: list[Load], field: str) -> float:
                return float(statistics.median(getattr(load, field) for load in loads))

            ratio = statistics.median(d.rps / m.rps for d, m in rounds)
            cpu_ratio = statistics.median(m.cpu_us / d.cpu_us for d, m in rounds)
            print(
                f"  {name:<19s} DGS {median(ours, 'rps'):6.0f} req/s p99 {median(ours, 'p99_ms'):5.1f} ms"
                f" {median(ours, 'cpu_us'):5.0f} us CPU/req | minimal {median(theirs, 'rps'):6.0f} req/s"
                f" p99 {median(theirs, 'p99_ms'):5.1f} ms {median(theirs, 'cpu_us'):5.0f} us CPU/req"
                f" | DGS/minimal {ratio:.2f}x req/s, {cpu_ratio:.2f}x by CPU  (target >= 0.8x)"
            )


# -- Through the repository: deep pages and search -----------------------------------------


def median_ms(call: Callable[[], Awaitable[object]], runs: int = 60) -> float:
    """Median time of one awaited call, in milliseconds."""

    async def measure() -> float:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            await call()
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    return asyncio.run(measure())


def repository(path: Path) -> SqliteLessonRepository:
    """The SQLite adapter DGS uses, over ``path``."""
    cursors = CursorCodec(CURSOR_SECRET.encode())
    return SqliteLessonRepository(SqliteDatabase(path), cursors, SystemClock())


def page_figures(tmp: Path) -> None:
    """Page 1 and page 500 of 20 over 10,000 lessons."""
    path = tmp / "pages.sqlite3"
    seed(path, 10_000, '{"schema_version":"1.1","title":"T","blocks":[]}')
    lessons = repository(path)

    async def cursor_of_page(number: int) -> str | None:
        cursor = None
        for _ in range(number - 1):
            cursor = (
                await lessons.list_summaries(DEV_TENANT, LessonQuery(limit=20, cursor=cursor))
            ).next_cursor
        return cursor

    deep = asyncio.run(cursor_of_page(500))
    assert deep is not None
    first = median_ms(lambda: lessons.list_summaries(DEV_TENANT, LessonQuery(limit=20)), 200)
    last = median_ms(
        lambda: lessons.list_summaries(DEV_TENANT, LessonQuery(limit=20, cursor=deep)), 200
    )
    print("Keyset pages (10,000 lessons, limit 20, repository call, median)")
    print(
        f"  page 1 {first:.3f} ms | page 500 {last:.3f} ms | page 500 / page 1 {last / first:.2f}x"
    )


def search_ms(lessons: SqliteLessonRepository, q: str) -> float:
    """Median time of the first page of ``q``."""
    return median_ms(lambda: lessons.list_summaries(DEV_TENANT, LessonQuery(q=q)))


def search_figures(tmp: Path) -> None:
    """``q=`` over 200 and over 10,000 lessons of the same mix, with one lesson unlike the rest.

    The target is the rare term: the same lesson matches in both stores, so the search
    must not cost more for the lessons it does not find. A term of one lesson in 60
    matches 50 times as many lessons in the larger store (3 against 167); one in 5 fills
    the page from the newest lessons.
    """
    stores = {}
    for count in (200, 10_000):
        path = tmp / f"search-{count}.sqlite3"
        seed(path, count, '{"schema_version":"1.1","title":"T","blocks":[]}', rare_at=count // 3)
        stores[count] = repository(path)
    print("q= search (limit 20, repository call, median)")
    terms = (
        ("zymurgy", "one lesson, in both"),
        ("tectonic", "one lesson in 60"),
        ("introduction", "one lesson in 5"),
    )
    for q, label in terms:
        small = search_ms(stores[200], q)
        large = search_ms(stores[10_000], q)
        target = "  (target <= 2x)" if q == "zymurgy" else ""
        print(
            f"  q={q!r:<14s} {label:<20s} 200: {small:.3f} ms | 10,000: {large:.3f} ms |"
            f" ratio {large / small:.2f}x{target}"
        )


def main() -> None:
    """Measure and print every figure."""
    with tempfile.TemporaryDirectory() as tmp:
        http_figures(Path(tmp))
        page_figures(Path(tmp))
        search_figures(Path(tmp))


if __name__ == "__main__":
    main()
