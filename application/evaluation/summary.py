"""The figures of one configuration, from its run results.

Definitions (the README repeats them): a run is one generation. ``valid_first_pass_rate``
is the share of runs whose first lesson was valid; ``valid_after_repair_rate`` the share
that ended with a valid lesson, repaired or not; ``repair_rate`` the share that made a
repair call. Cost per lesson divides all spending by the runs, cost per valid lesson by
the valid lessons (failures are paid for too). Latencies are percentiles over runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from application.evaluation.outcome import OUTCOMES, RunResult
from application.evaluation.stats import mean, percentile, wilson

STEPS = ("gather", "structure", "validate", "repair", "store")


@dataclass(frozen=True, slots=True)
class ConfigSummary:
    """Counts and figures of one configuration's runs."""

    name: str
    runs: int
    first_pass: int
    valid: int
    repaired: int
    figures: dict[str, Any]  # everything else, as it goes into report.json

    def rate_counts(self) -> dict[str, tuple[int, int]]:
        """``(successes, runs)`` of each rate, for intervals and comparisons."""
        return {
            "valid_first_pass_rate": (self.first_pass, self.runs),
            "valid_after_repair_rate": (self.valid, self.runs),
            "repair_rate": (self.repaired, self.runs),
        }

    def to_dict(self) -> dict[str, Any]:
        """The configuration's entry of ``report.json`` (rates are fractions 0-1)."""
        rates = {
            name: wilson(successes, total)
            for name, (successes, total) in self.rate_counts().items()
        }
        return {
            "name": self.name,
            "runs": self.runs,
            **{name: interval.value for name, interval in rates.items()},
            "rate_intervals_95": {
                name: {"low": interval.low, "high": interval.high}
                for name, interval in rates.items()
            },
            **self.figures,
        }


def summarize(name: str, results: Sequence[RunResult]) -> ConfigSummary:
    """The summary of one configuration's results."""
    valid = [r for r in results if r.valid]
    outcomes = Counter(r.outcome for r in results)
    total_cost = round(sum(r.cost_usd for r in results), 8)
    figures: dict[str, Any] = {
        "outcomes": {outcome: outcomes.get(outcome, 0) for outcome in OUTCOMES},
        "failed_by_code": dict(
            sorted(Counter(r.code or "" for r in results if not r.valid).items())
        ),
        "latency_ms": _percentiles([r.latency_ms for r in results]),
        "steps_latency_ms": {
            step: _percentiles([r.steps_ms[step] for r in results if step in r.steps_ms])
            for step in STEPS
            if any(step in r.steps_ms for r in results)
        },
        "tokens": {
            "input": sum(c.input_tokens for r in results for c in r.usage),
            "output": sum(c.output_tokens for r in results for c in r.usage),
            "reasoning": sum(c.reasoning_tokens for r in results for c in r.usage),
        },
        "calls": sum(len(r.usage) for r in results),
        "cost_usd": {
            "total": total_cost,
            "per_lesson": round(total_cost / len(results), 8) if results else None,
            "per_valid_lesson": round(total_cost / len(valid), 8) if valid else None,
        },
        "warnings_per_lesson": mean([len(r.warnings) for r in valid]),
        "warnings_by_code": _counts(code for r in valid for code in r.warnings),
        "client_rule_violations": {
            "total": sum(len(r.client_violations) for r in valid),
            "lessons": sum(1 for r in valid if r.client_violations),
            "by_code": _counts(code for r in valid for code in r.client_violations),
        },
        "first_pass_errors_by_code": _counts(
            error.get("code", "") for r in results for error in r.first_pass_errors
        ),
        "widget_mix": _ranked(sum((Counter(r.widgets) for r in valid), Counter())),
        "cache_hits": sum(1 for r in results if r.cache),
        "estimate_vs_actual": _estimate_vs_actual(results),
    }
    return ConfigSummary(
        name=name,
        runs=len(results),
        first_pass=outcomes.get("valid_first_pass", 0),
        valid=len(valid),
        repaired=sum(1 for r in results if r.repaired),
        figures=figures,
    )


def _percentiles(values: Sequence[float]) -> dict[str, float | None]:
    def rounded(value: float | None) -> float | None:
        return round(value, 1) if value is not None else None

    return {"p50": rounded(percentile(values, 50)), "p95": rounded(percentile(values, 95))}


def _counts(values: Iterable[str]) -> dict[str, int]:
    return _ranked(Counter(values))


def _ranked(counts: Counter[str]) -> dict[str, int]:
    """Most frequent first, then by name."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _estimate_vs_actual(results: Sequence[RunResult]) -> dict[str, Any]:
    """How the estimate made before each run compares with what the run used and cost."""
    estimated = [r for r in results if r.estimate is not None]
    priced = [r for r in estimated if r.estimate and r.estimate.cost_expected is not None]
    within = [
        r
        for r in priced
        if r.estimate
        and r.estimate.cost_low is not None
        and r.estimate.cost_high is not None
        and r.estimate.cost_low <= r.cost_usd <= r.estimate.cost_high
    ]
    return {
        "runs": len(estimated),
        "input_tokens": {
            "estimated": sum(r.estimate.input_tokens for r in estimated if r.estimate),
            "actual": sum(c.input_tokens for r in estimated for c in r.usage),
        },
        "output_tokens": {
            "estimated": sum(r.estimate.output_tokens for r in estimated if r.estimate),
            "actual": sum(c.output_tokens for r in estimated for c in r.usage),
        },
        "cost_usd": {
            "estimated": round(
                sum(r.estimate.cost_expected or 0.0 for r in priced if r.estimate), 8
            ),
            "actual": round(sum(r.cost_usd for r in priced), 8),
            "within_range_rate": len(within) / len(priced) if priced else None,
        },
    }
