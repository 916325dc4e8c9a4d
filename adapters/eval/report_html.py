"""``report.html``: the evaluation report as one self-contained page.

Inline CSS and SVG only; the content security policy forbids loading anything (no CDN,
no font, no script), so the page renders the same offline and nothing in a report (a
model's raw output included, always escaped) can reach the network.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from adapters.eval.report_figures import RATES, count, figures, ms, percent, usd

RAW_SHOWN = 8 * 1024  # characters of a failure's raw output shown (report.json has more)
FAILURES_SHOWN = 100
FAILURES_OPEN = 3  # the first few are shown unfolded
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#1b1f24;
padding:0 16px}h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #d0d7de}
.wide{overflow-x:auto}table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}figure{margin:18px 0}
figcaption{font-weight:600;margin-bottom:4px}svg text{font:12px system-ui,sans-serif;fill:#1b1f24}
.ok{fill:#2da44e}.repaired{fill:#d4a72c}.failed{fill:#cf222e}.bar{fill:#0969da}.p95{fill:#8250df}
.estimate{fill:#afb8c1}.whisker{stroke:#1b1f24;stroke-width:1.5;fill:none}
pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:320px;white-space:pre-wrap}
details{margin:6px 0}summary{cursor:pointer}.clear{font-weight:bold}
"""


def render(report: dict[str, Any]) -> str:
    """The HTML page of a report (as ``application.evaluation.report.build_report`` makes it)."""
    body = [
        "<h1>DGS evaluation report</h1>",
        _status(report),
        "<h2>Summary</h2>",
        _summary_table(report["configs"]),
        "<h2>Figures</h2>",
        *figures(report),
    ]
    if report.get("comparison"):
        body += ["<h2>Comparison</h2>", _comparison(report["comparison"])]
    body += ["<h2>Failures</h2>", _failures(report["failures"])]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>DGS evaluation report</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def _status(report: dict[str, Any]) -> str:
    status = report.get("status", {})
    state = "complete"
    if status.get("stopped_by_budget"):
        state = f"stopped by the budget (--max-cost {status.get('max_cost_usd')}): "
        state += f"{status.get('not_started', 0)} run(s) not started"
    elif status.get("remaining"):
        state = f"incomplete: {status['remaining']} run(s) still to do (run again to resume)"
    return (
        f"<p>Generated {escape(str(report.get('generated_at', '')))} · "
        f"{count(report.get('topics'))} topic(s) &times; "
        f"{count(report.get('runs_per_topic'))} run(s) · "
        f"{escape(state)}</p>"
    )


_HEADERS = (
    "configuration", "runs", *RATES.values(), "failed", "latency p50 / p95",
    "tokens in / out / reasoning", "cost total", "per lesson", "per valid lesson",
    "warnings / lesson", "DLE client-rule violations", "cache hits",
)  # fmt: skip


def _summary_row(c: dict[str, Any]) -> list[str]:
    tokens, cost, warnings = c["tokens"], c["cost_usd"], c["warnings_per_lesson"]
    return [
        c["name"],
        count(c["runs"]),
        *(percent(c[rate]) for rate in RATES),
        count(c["outcomes"]["failed"]),
        f"{ms(c['latency_ms']['p50'])} / {ms(c['latency_ms']['p95'])}",
        " / ".join(count(tokens[key]) for key in ("input", "output", "reasoning")),
        usd(cost["total"]),
        usd(cost["per_lesson"]),
        usd(cost["per_valid_lesson"]),
        "-" if warnings is None else f"{warnings:.2f}",
        count(c["client_rule_violations"]["total"]),
        count(c["cache_hits"]),
    ]


def _summary_table(configs: list[dict[str, Any]]) -> str:
    head = "".join(f"<th>{escape(name)}</th>" for name in _HEADERS)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in _summary_row(c)) + "</tr>"
        for c in configs
    )
    return f'<div class="wide"><table><tr>{head}</tr>{rows}</table></div>'


def _comparison(comparison: dict[str, Any]) -> str:
    a, b = escape(comparison["a"]), escape(comparison["b"])
    rows = []
    for rate, label in RATES.items():
        figures_ = comparison["rates"][rate]
        diff = figures_["difference"]
        css = ' class="clear"' if figures_["clear"] else ""
        rows.append(
            f"<tr><td>{escape(label)}</td>"
            f"<td>{_interval(figures_['a'])}</td><td>{_interval(figures_['b'])}</td>"
            f"<td{css}>{diff['value'] * 100:+.1f} pts [{diff['low'] * 100:+.1f}, "
            f"{diff['high'] * 100:+.1f}]{' clear' if figures_['clear'] else ''}</td></tr>"
        )
    for key, label, fmt in (
        ("cost_per_valid_lesson_usd", "cost per valid lesson", usd),
        ("cost_per_lesson_usd", "cost per lesson", usd),
        ("latency_p50_ms", "latency p50", ms),
        ("latency_p95_ms", "latency p95", ms),
    ):
        change = comparison[key]
        ratio = f" (x{change['ratio']:.2f})" if change.get("ratio") is not None else ""
        difference = "-" if change["difference"] is None else f"{fmt(change['difference'])}{ratio}"
        rows.append(
            f"<tr><td>{escape(label)}</td><td>{escape(fmt(change['a']))}</td>"
            f"<td>{escape(fmt(change['b']))}</td><td>{escape(difference)}</td></tr>"
        )
    return (
        f"<p>From <b>{a}</b> to <b>{b}</b>; 95% intervals in brackets (Wilson for rates, "
        "Newcombe for their difference). A difference marked clear has an interval that "
        "excludes zero.</p>"
        f"<table><tr><th>figure</th><th>{a}</th><th>{b}</th><th>{b} &minus; {a}</th></tr>"
        f"{''.join(rows)}</table>"
    )


def _interval(interval: dict[str, float]) -> str:
    return escape(
        f"{percent(interval['value'])} [{percent(interval['low'])}, {percent(interval['high'])}]"
    )


def _failures(failures: list[dict[str, Any]]) -> str:
    if not failures:
        return "<p>No run failed.</p>"
    items = []
    for index, failure in enumerate(failures[:FAILURES_SHOWN]):
        topic = failure["input"]
        raw = failure.get("raw_output") or ""
        if len(raw) > RAW_SHOWN:
            raw = raw[:RAW_SHOWN] + f"\n[... {len(raw) - RAW_SHOWN} more characters in report.json]"
        parts = [
            f"<summary>{escape(failure['config'])} · {escape(topic['topic'])} "
            f"(run {failure['run']}) · <b>{escape(str(failure['code']))}</b></summary>",
            f"<p>{escape(str(failure.get('message') or ''))}</p>",
            f"<pre>{escape(json.dumps(topic, ensure_ascii=False, indent=1))}</pre>",
        ]
        for title, key in (
            ("errors", "errors"),
            ("errors sent to the repair", "first_pass_errors"),
        ):
            if failure.get(key):
                listed = "".join(
                    f"<li><code>{escape(e.get('path', ''))}</code> {escape(e.get('code', ''))}: "
                    f"{escape(e.get('message', ''))}</li>"
                    for e in failure[key]
                )
                parts.append(f"<p>{title}:</p><ul>{listed}</ul>")
        if raw:
            parts.append(f"<p>raw output:</p><pre>{escape(raw)}</pre>")
        unfolded = " open" if index < FAILURES_OPEN else ""
        items.append(f"<details{unfolded}>{''.join(parts)}</details>")
    more = len(failures) - FAILURES_SHOWN
    tail = f"<p>{more} more in report.json.</p>" if more > 0 else ""
    return f"<p>{len(failures)} failed run(s).</p>{''.join(items)}{tail}"
