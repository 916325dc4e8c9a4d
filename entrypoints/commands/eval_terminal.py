"""What ``dgs eval`` prints: a progress bar while it runs, then a summary of the report.

On a terminal the bar redraws one line; otherwise (a pipe, a CI log) each finished run
is one plain line, so logs stay readable.
"""

from __future__ import annotations

import time
from typing import Any, TextIO

from adapters.eval.report_figures import ms, percent, usd
from application.evaluation.outcome import RunResult
from application.evaluation.runner import PlannedRun

_WIDTH = 28


class EvalProgress:
    """The runner's ``RunListener``: counts finished runs and shows them."""

    def __init__(self, total: int, out: TextIO, *, bar: bool) -> None:
        self._total = total
        self._out = out
        self._bar = bar
        self._done = 0
        self._valid = 0
        self._cost = 0.0
        self._began = time.monotonic()

    def started(self, planned: PlannedRun) -> None:
        """Nothing to show until a run ends."""

    def finished(self, result: RunResult) -> None:
        """Count the run and show it."""
        self._done += 1
        self._valid += result.valid
        self._cost += result.cost_usd
        if self._bar:
            filled = round(_WIDTH * self._done / max(self._total, 1))
            elapsed = time.monotonic() - self._began
            left = elapsed / self._done * (self._total - self._done)
            self._out.write(
                f"\r[{'#' * filled}{'-' * (_WIDTH - filled)}] {self._done}/{self._total} "
                f"valid {self._valid} failed {self._done - self._valid} "
                f"${self._cost:.4f} left ~{left:.0f}s "
            )
            if self._done == self._total:
                self._out.write("\n")
        else:
            detail = result.code if result.code else result.outcome
            self._out.write(
                f"{self._done}/{self._total} {result.config} {result.topic_id} run {result.run}: "
                f"{detail} {result.latency_ms:.0f} ms ${result.cost_usd:.6f}\n"
            )
        self._out.flush()

    def end(self) -> None:
        """End the bar's line if the evaluation stopped before the last run."""
        if self._bar and 0 < self._done < self._total:
            self._out.write("\n")


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The report in a few lines per configuration, then the comparison."""
    lines: list[str] = []
    for c in report["configs"]:
        bounds = c["rate_intervals_95"]
        cost, compared = c["cost_usd"], c["estimate_vs_actual"]
        failed = ", ".join(f"{code} {n}" for code, n in c["failed_by_code"].items()) or "none"
        steps = "  ".join(
            f"{step} {ms(figures['p50'])}" for step, figures in c["steps_latency_ms"].items()
        )
        within = compared["cost_usd"]["within_range_rate"]
        lines += [
            f"configuration {c['name']}: {c['runs']} run(s)",
            *(
                f"  {label:19} {percent(c[rate])}  95% [{percent(bounds[rate]['low'])}, "
                f"{percent(bounds[rate]['high'])}]"
                for rate, label in (
                    ("valid_first_pass_rate", "valid first pass"),
                    ("valid_after_repair_rate", "valid after repair"),
                    ("repair_rate", "repair rate"),
                )
            ),
            f"  {'failed':19} {failed}",
            f"  {'latency':19} p50 {ms(c['latency_ms']['p50'])}  p95 {ms(c['latency_ms']['p95'])}"
            f"  (p50 per step: {steps})",
            f"  {'tokens':19} in {c['tokens']['input']:,}  out {c['tokens']['output']:,}  "
            f"reasoning {c['tokens']['reasoning']:,}",
            f"  {'cost':19} {usd(cost['total'])} total, {usd(cost['per_lesson'])} per lesson, "
            f"{usd(cost['per_valid_lesson'])} per valid lesson",
            f"  {'estimate':19} {usd(compared['cost_usd']['estimated'])} expected vs "
            f"{usd(compared['cost_usd']['actual'])} actual; output tokens "
            f"{compared['output_tokens']['estimated']:,} expected vs "
            f"{compared['output_tokens']['actual']:,} actual"
            + (f"; {percent(within)} of runs within the range" if within is not None else ""),
            f"  {'lessons':19} warnings {_number(c['warnings_per_lesson'])} per lesson, "
            f"DLE client-rule violations {c['client_rule_violations']['total']}, "
            f"cache hits {c['cache_hits']}",
        ]
    comparison = report.get("comparison")
    if comparison:
        lines.append(f"{comparison['b']} - {comparison['a']} (95% interval):")
        for rate, figures in comparison["rates"].items():
            d = figures["difference"]
            lines.append(
                f"  {rate:24} {d['value'] * 100:+.1f} pts [{d['low'] * 100:+.1f}, "
                f"{d['high'] * 100:+.1f}]{'  clear' if figures['clear'] else ''}"
            )
        change = comparison["cost_per_valid_lesson_usd"]
        if change["difference"] is not None:
            ratio = f" (x{change['ratio']:.2f})" if change["ratio"] is not None else ""
            lines.append(f"  {'cost per valid lesson':24} {change['difference']:+.6f} USD{ratio}")
    return lines


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
