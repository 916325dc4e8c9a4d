"""Benchmark: /health latency and worker memory while hostile lessons are validated.

Starts a real ``dgs serve`` (hypercorn, one worker process, SQLite in a temporary
directory, the offline provider), times each hostile body once, then fires the slowest
one from 4 concurrent clients, again and again, while another client samples
``GET /health`` every 20 ms. Prints /health p50/p99/max and the worker's peak RSS.
Issue 10's target: /health p99 <= 100 ms.

Run with ``uv run python -m bench.bench_hostile_validate [--seconds 20]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from domain.limits import MAX_LESSON_NODES

KEY = "bench-dev-key-0123456789abcdef"
CLIENTS = 4
_ROOT = Path(__file__).resolve().parents[1]


def _lesson(items: list[Any]) -> dict[str, Any]:
    return {"title": "T", "blocks": [{"section": "S", "items": items}]}


def hostile_bodies() -> dict[str, bytes]:
    """Bodies that cost the most to validate, each under the route's 1 MB limit."""
    room = MAX_LESSON_NODES - 10  # just under the node cap: everything gets validated
    bodies = {
        # Issue 10's case: 500,000 bad items in 1 MB.
        "500k bad items (1 MB)": _lesson([1] * 499_990),
        "empty paragraphs at the node cap": _lesson([""] * room),
        "code listings of the wrong types": _lesson([{"codeviewer": [1, 2, 3, 4]}] * (room // 6)),
        "a list of 20k numbers": _lesson([{"ul": [1] * room}]),
        "flash cards missing their back": _lesson([{"flip": ["front"]}] * (room // 3)),
    }
    return {name: json.dumps(body, separators=(",", ":")).encode() for name, body in bodies.items()}


def free_port() -> int:
    """A TCP port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(workdir: Path, port: int) -> subprocess.Popen[bytes]:
    """``dgs serve`` with the offline provider: no provider key or DGS setting leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DGS_")}
    for name in ("GEMINI_API_KEY", "OPENROUTER_API_KEY", "OPENAI_API_KEY"):
        env.pop(name, None)
    env.update(
        DGS_DEV_KEY=KEY,
        DGS_SQLITE_PATH=str(workdir / "dgs.sqlite3"),
        PYTHONPATH=str(_ROOT),
    )
    log = (workdir / "server.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
        cwd=workdir,  # no .env from the checkout
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_until_healthy(port: int) -> None:
    """Poll ``/health`` until the server answers (30 s at most)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _ = request(http.client.HTTPConnection("127.0.0.1", port), "GET", "/health")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not start")


def request(
    conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None
) -> tuple[int, bytes]:
    """One request on a kept-alive connection: status and body."""
    headers = {"X-DGS-Dev-Key": KEY}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def worker_pid(server_pid: int) -> int:
    """The hypercorn worker: the spawned child that is not multiprocessing's tracker."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for task in Path(f"/proc/{server_pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
                if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
                    return int(child)
        time.sleep(0.1)
    raise SystemExit("no worker process found")


def memory_kb(pid: int, field: str) -> int:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise SystemExit(f"no {field} for {pid}")


def time_each(port: int, bodies: dict[str, bytes]) -> dict[str, float]:
    """Seconds each body takes, alone, and what the server answered."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    took = {}
    for name, body in bodies.items():
        start = time.perf_counter()
        status, answer = request(conn, "POST", "/v1/lessons/validate", body)
        took[name] = time.perf_counter() - start
        result = json.loads(answer)
        first = result["errors"][0]["code"] if result["errors"] else "-"
        print(
            f"  {name:36} {len(body) / 1024:7.0f} KiB  {took[name] * 1000:6.0f} ms  "
            f"{status} errors={result['error_count']} first={first} "
            f"answer={len(answer)} B"
        )
    return took


def load(port: int, body: bytes, seconds: float) -> tuple[list[float], list[float]]:
    """Validations from ``CLIENTS`` threads while /health is sampled; both latencies."""
    stop = threading.Event()
    validations: list[float] = []
    health: list[float] = []

    def validate_forever() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while not stop.is_set():
            start = time.perf_counter()
            status, _ = request(conn, "POST", "/v1/lessons/validate", body)
            assert status == 200, status
            validations.append(time.perf_counter() - start)

    def sample_health() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while not stop.is_set():
            start = time.perf_counter()
            status, _ = request(conn, "GET", "/health")
            assert status == 200, status
            health.append(time.perf_counter() - start)
            time.sleep(0.02)

    threads = [threading.Thread(target=validate_forever) for _ in range(CLIENTS)]
    threads.append(threading.Thread(target=sample_health))
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return validations, health


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of the values lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the load phase")
    args = parser.parse_args()
    bodies = hostile_bodies()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = start_server(Path(tmp), port)
        try:
            wait_until_healthy(port)
            worker = worker_pid(server.pid)
            idle = memory_kb(worker, "VmRSS")
            print(f"worker {worker}: {idle / 1024:.0f} MiB resident when idle")
            print("each body alone:")
            took = time_each(port, bodies)
            slowest = max(took, key=took.__getitem__)
            print(f"load: {CLIENTS} clients posting '{slowest}' for {args.seconds:.0f} s")
            validations, health = load(port, bodies[slowest], args.seconds)
            peak = memory_kb(worker, "VmHWM")
        finally:
            server.terminate()
            server.wait(timeout=30)
    ms = 1000
    print(
        f"validations: {len(validations)} done, median {statistics.median(validations) * ms:.0f} ms"
    )
    print(
        f"/health: {len(health)} samples, p50 {percentile(health, 0.50) * ms:.1f} ms, "
        f"p99 {percentile(health, 0.99) * ms:.1f} ms, max {max(health) * ms:.1f} ms "
        "(target p99 <= 100 ms)"
    )
    print(f"worker peak RSS: {peak / 1024:.0f} MiB (idle {idle / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
