"""The evaluation report: every configuration's summary, their comparison, the failures.

``build_report`` gives the document written as ``report.json`` (a contract other tools
read: ``configs[]`` with ``name``, ``runs``, the three rates as fractions, ``failed_by_code``,
``latency_ms``, ``tokens`` and ``cost_usd`` at least) and rendered as ``report.html``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from application.evaluation.outcome import RunResult
from application.evaluation.stats import rate_difference, wilson
from application.evaluation.summary import ConfigSummary, summarize

REPORT_VERSION = 1


def build_report(
    results: Mapping[str, Sequence[RunResult]], run_info: Mapping[str, Any]
) -> dict[str, Any]:
    """The report of ``results`` (configuration name -> its runs), with ``run_info``."""
    summaries = [summarize(name, runs) for name, runs in results.items()]
    failures = [
        {
            "config": r.config,
            "run": r.run,
            "input": r.topic,
            "code": r.code,
            "message": r.message,
            "errors": list(r.errors),
            "first_pass_errors": list(r.first_pass_errors),
            "raw_output": r.raw_output,
        }
        for runs in results.values()
        for r in sorted(runs, key=lambda r: (r.topic_id, r.run))
        if not r.valid
    ]
    return {
        "report_version": REPORT_VERSION,
        **run_info,
        "configs": [summary.to_dict() for summary in summaries],
        "comparison": compare(summaries[0], summaries[1]) if len(summaries) == 2 else None,
        "failures": failures,
    }


def compare(a: ConfigSummary, b: ConfigSummary) -> dict[str, Any]:
    """What changes from ``a`` to ``b``: each rate's difference with a 95% interval.

    Rates get Wilson intervals and their difference Newcombe's interval built from them;
    a difference whose interval excludes zero is marked ``clear``. Costs and latencies
    are reported as plain differences and ratios.
    """
    rates: dict[str, Any] = {}
    counts_a, counts_b = a.rate_counts(), b.rate_counts()
    for name, (successes_a, runs_a) in counts_a.items():
        successes_b, runs_b = counts_b[name]
        difference = rate_difference((successes_a, runs_a), (successes_b, runs_b))
        rates[name] = {
            "a": wilson(successes_a, runs_a).to_dict(),
            "b": wilson(successes_b, runs_b).to_dict(),
            "difference": difference.to_dict(),
            "clear": difference.excludes_zero(),
        }
    return {
        "a": a.name,
        "b": b.name,
        "rates": rates,
        "cost_per_valid_lesson_usd": _change(
            a.figures["cost_usd"]["per_valid_lesson"], b.figures["cost_usd"]["per_valid_lesson"]
        ),
        "cost_per_lesson_usd": _change(
            a.figures["cost_usd"]["per_lesson"], b.figures["cost_usd"]["per_lesson"]
        ),
        "latency_p50_ms": _change(a.figures["latency_ms"]["p50"], b.figures["latency_ms"]["p50"]),
        "latency_p95_ms": _change(a.figures["latency_ms"]["p95"], b.figures["latency_ms"]["p95"]),
    }


def _change(a: float | None, b: float | None) -> dict[str, float | None]:
    if a is None or b is None:
        return {"a": a, "b": b, "difference": None, "ratio": None}
    return {
        "a": a,
        "b": b,
        "difference": round(b - a, 8),
        "ratio": round(b / a, 4) if a else None,
    }
