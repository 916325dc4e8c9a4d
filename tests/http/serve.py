"""A real ``dgs serve`` process (hypercorn) for tests that need the server's own parsing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


def wait_until_healthy(base: str) -> None:
    """Poll ``/health`` until the server answers; fail after 20 s."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/health", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(env: Mapping[str, str], *arguments: str) -> Iterator[tuple[int, list[str]]]:
    """``dgs serve`` (with ``arguments``, e.g. ``--workers 2``) on a free port until the
    block ends: (port, the process's output lines)."""
    with served(env, *arguments) as (port, _, output):
        yield port, output


@contextmanager
def served(
    env: Mapping[str, str], *arguments: str, port: int | None = None
) -> Iterator[tuple[int, subprocess.Popen[bytes], list[str]]]:
    """``serving``, with the process: (port, process, output lines after the block).

    The server is its own process group (hypercorn's worker is a child of the process
    started): ``kill_group`` kills both at once, as a container's kill would.
    """
    port = port or free_port()
    # A file, not a pipe: nobody reads a pipe while the test runs, and a full one (64 KiB of
    # access-log lines) would stall the server on its next log line.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port), *arguments],
            env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        output: list[str] = []
        try:
            wait_until_healthy(f"http://127.0.0.1:{port}")
            yield port, process, output
        finally:
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=15)
            log.seek(0)
            output += log.read().decode(errors="replace").splitlines()


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the server and its workers (kill -9: no shutdown runs)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=15)
