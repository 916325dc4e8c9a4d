"""Benchmark: 200 generation jobs through the in-process worker, polled as DLE polls them.

Three processes, as in ``bench_generation``: the scripted model (``bench.generation_model``,
1 s per call, so 2 s per generation), the app (``bench/generation_app.py``: ``dgs serve``'s
app and hypercorn configuration; its lifespan starts the job workers,
``DGS_WORKER_CONCURRENCY=50``) and this client. The client starts 200 jobs
(``POST /v1/jobs``), then polls each with DLE's backoff (0.75 s, then 1.5 s, then every
3 s) and ``If-None-Match``, until it is done. Figures:

- wall time from the first POST to the last job seen done, and jobs per second;
- the time from a job's ``finished_at`` to the first poll that saw it done (p50, p95,
  max; one machine, one clock): what the backoff costs a user;
- the app's peak resident memory (``VmHWM``).

With 50 workers and 2 s of model time per job, 200 jobs take at least 8 s. Run:
``uv run --frozen python -m bench.bench_jobs [--jobs N] [--concurrency N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx2

from bench.bench_generation import HEADERS, ROOT, App, app_server, model_server

BACKOFF = (0.75, 1.5, 3.0)  # DLE's polling intervals; the last one repeats
RETRIED: list[str] = []  # polls sent again after a kept-alive connection was closed


async def poll(client: httpx2.AsyncClient, job_id: str, headers: dict[str, str]) -> httpx2.Response:
    """One GET, sent again once if the server closed the kept-alive connection as it was reused.

    Browsers retry an idempotent request then (RFC 9110 section 9.2.2).
    """
    try:
        return await client.get(f"/v1/jobs/{job_id}", headers=headers)
    except httpx2.RemoteProtocolError:
        RETRIED.append(job_id)
        return await client.get(f"/v1/jobs/{job_id}", headers=headers)


async def start(client: httpx2.AsyncClient, n: int) -> str:
    """Start one job; its id."""
    response = await client.post("/v1/jobs", json={"topic": f"Photosynthesis {n}"}, headers=HEADERS)
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


async def watch(client: httpx2.AsyncClient, job_id: str) -> float:
    """Poll with DLE's backoff until done; seconds from ``finished_at`` to that poll."""
    etag, polls = None, 0
    while True:
        await asyncio.sleep(BACKOFF[min(polls, len(BACKOFF) - 1)])
        polls += 1
        headers = {**HEADERS, "If-None-Match": etag} if etag else HEADERS
        response = await poll(client, job_id, headers)
        seen = time.time()
        if response.status_code == 304:
            continue
        assert response.status_code == 200, response.text
        etag, job = response.headers["etag"], response.json()
        if job["status"] in ("failed", "canceled"):
            raise AssertionError(f"job {job_id} ended {job['status']}: {job['problem']}")
        if job["status"] == "done":
            return seen - datetime.fromisoformat(job["finished_at"]).timestamp()


def peak_rss_mib(app: App) -> float:
    """The app's peak resident set size (VmHWM), in MiB."""
    for line in Path(f"/proc/{app.process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


async def measure(app: App, jobs: int) -> None:
    """Start ``jobs`` jobs, watch each until done, print the figures."""
    limits = httpx2.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx2.AsyncClient(base_url=app.base, limits=limits, timeout=30) as client:
        began = time.perf_counter()
        ids = await asyncio.gather(*(start(client, n) for n in range(jobs)))
        accepted = time.perf_counter() - began
        lags = await asyncio.gather(*(watch(client, job_id) for job_id in ids))
        wall = time.perf_counter() - began
    lags_ms = sorted(lag * 1000 for lag in lags)
    p95 = statistics.quantiles(lags_ms, n=20)[-1]
    print(f"jobs                       {jobs}")
    print(f"all accepted in            {accepted:.2f} s")
    print(f"wall time (all seen done)  {wall:.2f} s")
    print(f"jobs per second            {jobs / wall:.1f}")
    print(
        f"done -> first poll seeing  p50 {statistics.median(lags_ms):.0f} ms, "
        f"p95 {p95:.0f} ms, max {lags_ms[-1]:.0f} ms"
    )
    print(f"app peak RSS               {peak_rss_mib(app):.0f} MiB")
    print(f"polls sent again           {len(RETRIED)} (a kept-alive connection closed)")


def main() -> None:
    """Run the benchmark once and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--delay", type=float, default=1.0, help="seconds per model call")
    args = parser.parse_args()
    settings = {"DGS_WORKER_CONCURRENCY": str(args.concurrency)}
    with (
        tempfile.TemporaryDirectory() as scratch,
        model_server(args.delay) as model_url,
        app_server(ROOT, model_url, Path(scratch), settings) as app,
    ):
        asyncio.run(measure(app, args.jobs))


if __name__ == "__main__":
    main()
