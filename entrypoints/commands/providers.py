"""``dgs providers check``: one minimal call per configured step, with its exact schema."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

from entrypoints.commands import EXIT_BAD_INPUT, EXIT_OK, EXIT_PROVIDER
from entrypoints.settings import SettingsError, load_settings

if TYPE_CHECKING:
    from adapters.llm.check import StepCheck


def check(args: argparse.Namespace) -> int:
    """Ask each configured step's provider; exit 0 when every step's schema is accepted."""
    from adapters.llm.check import ProviderCheck
    from adapters.llm.clients import ProviderClients
    from entrypoints.llm_wiring import llm_settings

    try:
        loaded = load_settings()
    except SettingsError as exc:
        print(f"dgs providers check: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    settings = llm_settings(loaded)

    async def run() -> list[StepCheck]:
        clients = ProviderClients(settings)
        try:
            return await ProviderCheck(settings, clients).run(
                args.schema_version, repair=loaded.repair_enabled
            )
        finally:
            await clients.close()

    results = asyncio.run(run())
    if args.json:
        rows = [{**asdict(r), "schema_tokens": r.schema_tokens} for r in results]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        _table(results)
    failed = [r for r in results if r.outcome in ("rejected", "failed")]
    return EXIT_PROVIDER if failed else EXIT_OK


def _table(results: list[StepCheck]) -> None:
    for r in results:
        route = f"{r.provider}/{r.model}"
        line = f"{r.step:10} {route:40} {r.profile:8} {r.outcome:8}"
        if r.latency_ms is not None:
            line += f" {r.latency_ms:6} ms"
        if r.prompt_tokens is not None:
            without = r.prompt_tokens_without_schema
            line += f"  prompt tokens {r.prompt_tokens} (without the schema {without}"
            line += f", schema {r.schema_tokens})" if without is not None else ")"
        print(line)
        if r.message:
            print(f"{'':10} {r.message}")
    if all(r.outcome == "skipped" for r in results):
        print("every step uses the offline provider: set a provider key to check a real one")
