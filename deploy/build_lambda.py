"""Build the Lambda package directory (``build/lambda``, the template's CodeUri).

    uv run python deploy/build_lambda.py [--python 3.12] [--compile] [--out build/lambda]

Runtime dependencies only (from uv.lock), manylinux wheels for the Lambda runtime's
Python, our four packages, then pruning of what the function never loads: botocore's
models of other AWS services, tests, type stubs and caches. ``--compile`` precompiles
bytecode; it needs an interpreter of the target version (.pyc files are per version),
so build the deployable package with Python 3.12 (e.g. in CI or a container).
"""

from __future__ import annotations

import argparse
import compileall
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("domain", "application", "adapters", "entrypoints")
# botocore ships models of ~400 services; the function talks to DynamoDB, and reads its
# secrets at cold start from Secrets Manager or SSM Parameter Store (adapters.aws_secrets).
BOTOCORE_KEEP = {"dynamodb", "secretsmanager", "ssm"}
PRUNE_DIRS = {"tests", "test", "__pycache__"}
PRUNE_SUFFIXES = (".pyi", ".c", ".h", ".pyx")


def build(out: Path, python: str, compile_bytecode: bool) -> Path:
    """Build the package into ``out`` and return it."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    requirements = out.parent / "lambda-requirements.txt"
    subprocess.run(
        ["uv", "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project", "-o", str(requirements)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["uv", "pip", "install", "--quiet", "--target", str(out), "-r", str(requirements),
         "--python-version", python, "--python-platform", "x86_64-manylinux2014", "--only-binary", ":all:"],
        cwd=ROOT, check=True,
    )  # fmt: skip
    for package in PACKAGES:
        shutil.copytree(ROOT / package, out / package, ignore=shutil.ignore_patterns("__pycache__"))
    prune(out)
    if compile_bytecode:
        if f"{sys.version_info.major}.{sys.version_info.minor}" != python:
            raise SystemExit(f"--compile needs Python {python} (this is {sys.version.split()[0]})")
        compileall.compile_dir(out, quiet=1, workers=0, legacy=False)
    return out


def prune(out: Path) -> None:
    """Remove what the function never loads."""
    data = out / "botocore" / "data"
    if data.is_dir():
        for service in data.iterdir():
            if service.is_dir() and service.name not in BOTOCORE_KEEP:
                shutil.rmtree(service)
    for path in sorted(out.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and path.name in PRUNE_DIRS and path.parent != out:
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() and path.suffix in PRUNE_SUFFIXES:
            path.unlink()
    for tool in ("pip", "setuptools", "wheel"):
        shutil.rmtree(out / tool, ignore_errors=True)


def size_mb(path: Path) -> float:
    """Unzipped size in MB (the 250 MB Lambda limit applies to this)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1_000_000


def main() -> None:
    """Build from the command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--python", default="3.12", help="the Lambda runtime's Python (default 3.12)"
    )
    parser.add_argument(
        "--compile", action="store_true", help="precompile bytecode (same Python needed)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "lambda")
    args = parser.parse_args()
    out = build(args.out, args.python, args.compile)
    print(f"{out}: {size_mb(out):.1f} MB unzipped")


if __name__ == "__main__":
    main()
