"""The report's figures: one ``<figure>`` with an inline SVG chart per question a user asks.

How often is a lesson valid (and how sure are we)? Where does the time go? What does it
cost, and was the estimate right? Which widgets do lessons use, and how do they fail?
"""

from __future__ import annotations

from html import escape
from typing import Any

from adapters.eval.svg import Bar, Segment, bars, stacked

RATES = {
    "valid_first_pass_rate": "valid, first pass",
    "valid_after_repair_rate": "valid after repair",
    "repair_rate": "repaired",
}


def percent(value: float | None) -> str:
    """``0.7`` as ``70.0%``."""
    return "-" if value is None else f"{value * 100:.1f}%"


def usd(value: float | None) -> str:
    """A cost in dollars, to the micro-dollar."""
    return "-" if value is None else f"${value:.6f}"


def ms(value: float | None) -> str:
    """A duration in milliseconds."""
    return "-" if value is None else f"{value:,.0f} ms"


def count(value: float | None) -> str:
    """A whole number with thousands separators."""
    return "-" if value is None else f"{value:,.0f}"


def figures(report: dict[str, Any]) -> list[str]:
    """Every figure of the report, in reading order (empty charts are left out)."""
    configs: list[dict[str, Any]] = report["configs"]
    made = [
        _outcomes(configs),
        _rates(configs),
        _latency(configs),
        _cost(configs),
        _estimate(configs),
        _widgets(configs),
        _failures(configs),
    ]
    return [figure for figure in made if figure]


def _figure(caption: str, svg: str) -> str:
    return f"<figure><figcaption>{escape(caption)}</figcaption>{svg}</figure>"


def _outcomes(configs: list[dict[str, Any]]) -> str:
    rows = [
        (
            c["name"],
            [
                Segment("valid, first pass", c["outcomes"]["valid_first_pass"], "ok"),
                Segment("valid after repair", c["outcomes"]["valid_after_repair"], "repaired"),
                Segment("failed", c["outcomes"]["failed"], "failed"),
            ],
        )
        for c in configs
    ]
    return _figure(
        "Outcome of every run, per configuration", stacked("Outcomes per configuration", rows)
    )


def _rates(configs: list[dict[str, Any]]) -> str:
    rows = [
        Bar(
            f"{c['name']} · {label}",
            c[rate],
            c["rate_intervals_95"][rate]["low"],
            c["rate_intervals_95"][rate]["high"],
            "ok" if rate != "repair_rate" else "repaired",
        )
        for rate, label in RATES.items()
        for c in configs
    ]
    return _figure(
        "Rates with their 95% Wilson intervals (whiskers): the wider the whisker, the fewer runs",
        bars("Pass and repair rates", rows, percent, maximum=1.0),
    )


def _latency(configs: list[dict[str, Any]]) -> str:
    rows: list[Bar] = []
    for c in configs:
        steps = {**c["steps_latency_ms"], "end to end": c["latency_ms"]}
        for step, figures_ in steps.items():
            if figures_["p50"] is None:
                continue
            rows.append(Bar(f"{c['name']} · {step} p50", figures_["p50"], css="bar"))
            rows.append(Bar(f"{c['name']} · {step} p95", figures_["p95"], css="p95"))
    if not rows:
        return ""
    return _figure("Latency per step and end to end (p50, p95)", bars("Latency", rows, ms))


def _cost(configs: list[dict[str, Any]]) -> str:
    rows = [
        Bar(f"{c['name']} · {label}", value, css=css)
        for c in configs
        for label, value, css in (
            ("per lesson", c["cost_usd"]["per_lesson"], "bar"),
            ("per valid lesson", c["cost_usd"]["per_valid_lesson"], "p95"),
        )
        if value is not None
    ]
    if not rows:
        return ""
    return _figure(
        "Cost per lesson and per valid lesson (failed runs are paid for too)",
        bars("Cost", rows, usd),
    )


def _estimate(configs: list[dict[str, Any]]) -> str:
    rows: list[Bar] = []
    for c in configs:
        compared = c["estimate_vs_actual"]
        for label, key, fmt_css in (
            ("output tokens", "output_tokens", "bar"),
            ("input tokens", "input_tokens", "p95"),
        ):
            rows.append(
                Bar(f"{c['name']} · {label} estimated", compared[key]["estimated"], css="estimate")
            )
            rows.append(Bar(f"{c['name']} · {label} actual", compared[key]["actual"], css=fmt_css))
    if not any(row.value for row in rows):
        return ""
    return _figure(
        "Estimate made before each run vs what the runs used (totals)",
        bars("Estimate vs actual", rows, count),
    )


def _widgets(configs: list[dict[str, Any]]) -> str:
    rows = [
        Bar(f"{c['name']} · {widget}", n)
        for c in configs
        for widget, n in list(c["widget_mix"].items())[:15]
    ]
    if not rows:
        return ""
    return _figure(
        "Widget mix of the valid lessons (most used first)", bars("Widgets", rows, count)
    )


def _failures(configs: list[dict[str, Any]]) -> str:
    rows = [
        Bar(f"{c['name']} · {code}", n, css="failed")
        for c in configs
        for code, n in c["failed_by_code"].items()
    ]
    if not rows:
        return ""
    return _figure("Failed runs by error code", bars("Failures", rows, count))
