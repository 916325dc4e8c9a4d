"""A real ``dgs serve``: its output is one format, and with two workers a scrape answered by
either one counts every request (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.http.observed import RFC3339_MS_UTC
from tests.http.serve import serving

pytestmark = pytest.mark.slow  # real dgs serve processes (two workers)

KEY = "obs-dev-key-0123456789abcdef"


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    return {**os.environ, "DGS_DEV_KEY": KEY, "DGS_SQLITE_PATH": str(tmp_path / "dgs.sqlite3"),
            **values}  # fmt: skip


def get(base: str, path: str, key: bool = False) -> str:
    request = urllib.request.Request(base + path, headers={"X-DGS-Dev-Key": KEY} if key else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.read().decode())


def health_count(base: str) -> float:
    for family in text_string_to_metric_families(get(base, "/metrics", key=True)):
        for sample in family.samples:
            if sample.name == "dgs_http_requests_total" and sample.labels["route"] == "/health":
                return float(sample.value)
    return 0.0


def test_off_a_terminal_every_line_the_server_writes_is_json(tmp_path: Path) -> None:
    with serving(environment(tmp_path)) as (port, output):
        base = f"http://127.0.0.1:{port}"
        get(base, "/health")
        get(base, "/v1/catalog", key=True)
    parsed = [json.loads(line) for line in output]  # each line is one JSON object
    assert all(RFC3339_MS_UTC.fullmatch(line["ts"]) for line in parsed)
    assert parsed[0]["msg"].startswith("DGS on http://")  # dgs serve's own lines
    assert any(
        line["logger"] == "hypercorn.error" and line["msg"].startswith("Running on")
        for line in parsed
    )  # and hypercorn's, in the same format
    requests = [
        (line["route"], line["status"]) for line in parsed if line.get("event") == "request"
    ]
    assert ("/v1/catalog", 200) in requests
    assert ("/health", 200) in requests
    assert not any(KEY in line for line in output)


def test_the_text_format_is_one_readable_line_per_record(tmp_path: Path) -> None:
    with serving(environment(tmp_path, DGS_LOG_FORMAT="text")) as (port, output):
        get(f"http://127.0.0.1:{port}", "/v1/catalog", key=True)
    (line,) = [line for line in output if "event=request" in line and "/v1/catalog" in line]
    stamp, level, logger, message, *pairs = line.split()
    assert RFC3339_MS_UTC.fullmatch(stamp)
    assert (level, logger, message) == ("INFO", "dgs.request", "request")
    assert {"route=/v1/catalog", "status=200", "method=GET"} <= set(pairs)


def test_with_two_workers_every_scrape_counts_every_request(tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"  # set by the operator: used as it is, and kept
    metrics_dir.mkdir()
    env = environment(tmp_path, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    with serving(env, "--workers", "2") as (port, _):
        base = f"http://127.0.0.1:{port}"
        sent = 1  # serving() waited for one /health answer
        deadline = time.monotonic() + 60
        # Until both workers have answered (each writes its own files, named by its pid).
        while len({p.stem.split("_")[-1] for p in metrics_dir.glob("counter_*.db")}) < 2:
            assert time.monotonic() < deadline, "one worker answered everything"
            get(base, "/health")
            sent += 1
        for _ in range(20):
            get(base, "/health")
            sent += 1
        # A request is counted just after its answer is sent: wait for the last one.
        while health_count(base) < sent:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        scrapes = [health_count(base) for _ in range(8)]  # answered by either worker
    assert scrapes == [sent] * 8
