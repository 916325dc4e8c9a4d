"""Benchmark: Lambda package size and the handler's cold import time.

Builds the package for this machine's Python (so it can be imported here), with and
without precompiled bytecode, and imports ``entrypoints.lambda_handler`` in fresh
interpreters that see only the package (``-S``, no site-packages), as Lambda's
read-only /var/task would: without shipped .pyc files every cold start compiles.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from deploy.build_lambda import build, size_mb

RUNS = 7
PROBE = "import time; t = time.perf_counter(); import entrypoints.lambda_handler; print(time.perf_counter() - t)"
SMOKE = (
    "import json, entrypoints.lambda_handler as h; "
    "event = json.load(open('deploy/events/health.json')); "
    "print(h.handler(event, None)['statusCode'])"
)


def environment(package: Path, data: Path) -> dict[str, str]:
    """What the function's environment holds (DynamoDB is only contacted on a request)."""
    return {
        "PYTHONPATH": str(package),
        "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only on Lambda
        "DGS_DEV_KEY": "benchmark-dev-key-0123456789",
        "DGS_STORAGE": "dynamodb",
        "DGS_CURSOR_SECRET": "benchmark-cursor-secret-012345",
        "AWS_REGION": "eu-west-1",
        "HOME": str(data),
        "PATH": os.environ.get("PATH", ""),
    }


def cold_imports(package: Path, data: Path) -> list[float]:
    """Seconds to import the handler, each in a new interpreter."""
    times = []
    for _ in range(RUNS):
        result = subprocess.run(
            [sys.executable, "-S", "-c", PROBE], env=environment(package, data),
            capture_output=True, text=True, check=True, cwd=data,
        )  # fmt: skip
        times.append(float(result.stdout.strip().splitlines()[-1]))
    return times


def main() -> None:
    """Build, smoke-test, measure and print."""
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for label, compiled in (("without bytecode", False), ("with bytecode", True)):
            package = build(root / f"lambda-{compiled}", python, compiled)
            smoke = subprocess.run(
                [sys.executable, "-S", "-c", SMOKE], env=environment(package, root),
                capture_output=True, text=True, check=True, cwd=Path(__file__).parents[1],
            )  # fmt: skip
            assert smoke.stdout.strip() == "200", smoke.stderr
            times = cold_imports(package, root)
            print(
                f"package {label:16} {size_mb(package):6.1f} MB unzipped (limit 250)   "
                f"cold import median {statistics.median(times) * 1000:6.0f} ms  "
                f"min {min(times) * 1000:5.0f} ms  (Python {python}, {RUNS} runs)"
            )


if __name__ == "__main__":
    main()
