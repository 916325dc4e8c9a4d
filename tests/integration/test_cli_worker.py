"""``dgs worker`` as a process: it runs the queue's jobs and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from adapters.sqs.messages import encode_job_message
from tests.support.sqs import Queue, SqsQueues

pytestmark = pytest.mark.slow  # each test starts a dgs worker process


def wait_for(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@contextmanager
def worker(queue: Queue, record: Path, *options: str) -> Iterator[subprocess.Popen[str]]:
    """A ``dgs worker`` on ``queue`` (its runner writes to ``record``)."""
    env = {**os.environ, "DGS_JOB_QUEUE_URL": queue.url, "DGS_LOG_FORMAT": "text"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.sqs_worker_process", str(record), *options],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def lines(record: Path) -> list[str]:
    return record.read_text().splitlines() if record.exists() else []


def test_dgs_worker_runs_jobs_and_exits_on_sigterm(sqs: SqsQueues, tmp_path: Path) -> None:
    queue = sqs.queue()
    record = tmp_path / "record.txt"
    for job_id in ("a", "b", "c"):
        sqs.send(queue.url, encode_job_message(job_id))
    with worker(queue, record, "--concurrency", "2") as process:
        wait_for(lambda: sum(line.startswith("done") for line in lines(record)) == 3)
        wait_for(lambda: sqs.counts(queue.url) == (0, 0))
        process.send_signal(signal.SIGTERM)  # idle, in a 20 s long poll
        assert process.wait(timeout=5) == 0
        assert process.stdout is not None
        output = process.stdout.read()
    assert sorted(lines(record)) == ["done a", "done b", "done c", "start a", "start b", "start c"]
    assert "2 job(s) at a time" in output
    assert "worker: stopped" in output


def test_sigterm_lets_the_running_job_finish_then_exits(sqs: SqsQueues, tmp_path: Path) -> None:
    queue = sqs.queue()
    record = tmp_path / "record.txt"
    sqs.send(queue.url, encode_job_message("slow-sleep-1.5"))
    with worker(queue, record) as process:
        wait_for(lambda: lines(record) == ["start slow-sleep-1.5"])
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert lines(record) == ["start slow-sleep-1.5", "done slow-sleep-1.5"]
    assert sqs.counts(queue.url) == (0, 0)  # finished, so deleted


def test_a_second_signal_releases_the_running_job_at_once(sqs: SqsQueues, tmp_path: Path) -> None:
    queue = sqs.queue()
    record = tmp_path / "record.txt"
    sqs.send(queue.url, encode_job_message("stuck-sleep-120"))
    with worker(queue, record) as process:
        wait_for(lambda: lines(record) == ["start stuck-sleep-120"])
        process.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)  # Ctrl-C again: do not wait for the grace
        assert process.wait(timeout=5) == 0
    assert lines(record) == ["start stuck-sleep-120"]
    (message,) = sqs.receive(queue.url)  # released for another worker, not left hidden
    assert message["Attributes"]["ApproximateReceiveCount"] == "2"


def test_dgs_worker_needs_a_queue_url() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "worker"],
        capture_output=True, text=True, check=False, timeout=30,
    )  # fmt: skip
    assert result.returncode == 2
    assert "DGS_JOB_QUEUE_URL: required" in result.stderr
    assert "Traceback" not in result.stderr


def test_dgs_worker_refuses_a_concurrency_below_one() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "worker", "--concurrency", "0"],
        capture_output=True, text=True, check=False, timeout=30,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--concurrency" in result.stderr
