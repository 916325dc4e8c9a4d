"""Heavy libraries load only on the paths that need them (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each test starts a fresh interpreter

HEAVY = (
    "botocore",
    "boto3",
    "aioboto3",
    "openai",
    "agents",
    "litestar",
    "jwt",
    "cryptography",
    "httpx2",
)


def loaded_after(code: str, tmp_path: Path) -> list[str]:
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={"DGS_SQLITE_PATH": str(tmp_path / "dgs.sqlite3"), "PATH": ""},
    )
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_importing_the_cli_loads_nothing_heavy(tmp_path: Path) -> None:
    assert loaded_after("import entrypoints.cli", tmp_path) == []


def test_the_sqlite_store_does_not_load_the_aws_sdk(tmp_path: Path) -> None:
    code = (
        "from entrypoints.container import build_container\n"
        "from entrypoints.settings import load_settings\n"
        "container = build_container(load_settings())\n"
        "container.lessons(); container.idempotency(); container.cache(); container.rate_limiter()"
    )
    assert loaded_after(code, tmp_path) == []


def test_an_offline_generation_loads_neither_openai_nor_agents(tmp_path: Path) -> None:
    code = "from entrypoints.cli import main\nassert main(['generate', 'Tides', '--json']) == 0"
    assert loaded_after(code, tmp_path) == []


def test_agents_tracing_is_off_unless_asked_for(tmp_path: Path) -> None:
    code = (
        "from adapters.llm.clients import ProviderClients\n"
        "from adapters.llm.config import LlmSettings\n"
        "from agents.tracing import get_trace_provider\n"
        "ProviderClients(LlmSettings())\n"
        "assert get_trace_provider()._disabled is True\n"
        "ProviderClients(LlmSettings(tracing=True))\n"
        "assert get_trace_provider()._disabled is False\n"
        "raise SystemExit(0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env={"PATH": ""})


def test_the_worker_lambda_imports_nothing_heavy_before_its_first_job(tmp_path: Path) -> None:
    """The SQS handler module alone: the runner (and what it needs) loads on first use."""
    assert loaded_after("import entrypoints.lambda_worker", tmp_path) == []
