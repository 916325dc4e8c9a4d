"""``dgs estimate``: what ``dgs generate`` with the same options would call and cost.

No model is called and nothing is stored: the figures come from the prompt and schema
sizes, the price table and the store's past runs. ``--json`` prints the body of
``POST /v1/lessons/estimate``. Exit codes: 0 ok, 2 bad input or setting (or a model that
cannot serve a step), 3 store unavailable.
"""

from __future__ import annotations

import argparse
import json

from adapters.eval.report_figures import usd
from application.evaluation.token_model import CHARS_PER_TOKEN
from application.use_cases.estimate_generation import Estimate
from application.use_cases.generate_lesson import GenerateRequest
from entrypoints.commands import EXIT_OK
from entrypoints.commands.generation_options import CommandFailed, run_generation_command
from entrypoints.container import Container


def estimate(args: argparse.Namespace) -> int:
    """Estimate a generation; print a table, or the API's JSON body with --json."""

    async def work(
        container: Container, request: GenerateRequest
    ) -> tuple[GenerateRequest, Estimate]:
        return request, await container.estimate_generation()(request)

    try:
        request, result = run_generation_command("estimate", args, work)
    except CommandFailed as failed:
        return failed.code
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(_table(request, result)))
    return EXIT_OK


def _table(request: GenerateRequest, estimate: Estimate) -> list[str]:
    constraints = request.constraints
    lines = [
        f"estimate  {request.topic.strip()} ({constraints.length}, {constraints.section_count} "
        f"sections, catalog {request.schema_version}, mode {constraints.mode})",
        f"{'step':11}{'model':36}{'calls':12}{'input tokens':22}{'output tokens':22}"
        "cost low / expected / high",
    ]
    for step in estimate.steps:
        calls = "1" if step.probability >= 1 else f"0-1 ({step.probability:.0%})"
        cost = (
            " / ".join(
                usd(v) for v in (step.cost_usd.low, step.cost_usd.expected, step.cost_usd.high)
            )
            if step.cost_usd
            else "no price"
        )
        lines.append(
            f"{step.step:11}{step.route.provider + '/' + step.route.model:36}{calls:12}"
            f"{_span(step.input_tokens.low, step.input_tokens.high):22}"
            f"{_span(step.output_tokens.low, step.output_tokens.high):22}{cost}"
        )
    total = estimate.cost_usd
    lines.append(
        f"total     {estimate.calls_min}-{estimate.calls_max} calls ({estimate.calls_expected:g} "
        "expected), "
        + (
            f"{usd(total.low)} / {usd(total.expected)} / {usd(total.high)}"
            if total
            else "no price for " + ", ".join(f"{r.provider}/{r.model}" for r in estimate.unpriced)
        )
    )
    bases = sorted({step.basis for step in estimate.steps})
    lines.append(
        "basis     output from "
        + (" and ".join("past runs" if b == "history" else "the length" for b in bases))
        + "; input from the prompt, guide and schema "
        f"(about {CHARS_PER_TOKEN} characters per token); "
        "served from the cache it would cost nothing"
    )
    return lines


def _span(low: int, high: int) -> str:
    return f"{low:,}" if low == high else f"{low:,}-{high:,}"
