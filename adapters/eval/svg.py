"""Two small inline SVG charts for the HTML report: bars (with intervals) and stacked bars.

Plain SVG text, no script and no external resource: the report stays one file that any
browser renders offline. Colours come from CSS classes the report's stylesheet defines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

LABEL_WIDTH = 230
BAR_AREA = 360
ROW = 22
TOP = 8


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: a value, an optional interval drawn as a whisker, a CSS class."""

    label: str
    value: float
    low: float | None = None
    high: float | None = None
    css: str = "bar"


@dataclass(frozen=True, slots=True)
class Segment:
    """One part of a stacked bar."""

    name: str
    value: float
    css: str


def bars(
    title: str, rows: Sequence[Bar], fmt: Callable[[float], str], maximum: float | None = None
) -> str:
    """A horizontal bar chart; the scale runs from 0 to ``maximum`` (default: the largest)."""
    top = maximum or max([r.high or r.value for r in rows] + [0.0]) or 1.0
    height = TOP * 2 + ROW * max(len(rows), 1)
    width = LABEL_WIDTH + BAR_AREA + 110
    parts = [_open(title, width, height)]
    for index, row in enumerate(rows):
        y = TOP + index * ROW
        length = BAR_AREA * max(0.0, row.value) / top
        parts.append(_label(row.label, y))
        parts.append(
            f'<rect class="{escape(row.css)}" x="{LABEL_WIDTH}" y="{y + 3}" '
            f'width="{length:.1f}" height="{ROW - 8}"><title>{escape(row.label)}: '
            f"{escape(fmt(row.value))}</title></rect>"
        )
        end = length
        if row.low is not None and row.high is not None:
            x1 = LABEL_WIDTH + BAR_AREA * row.low / top
            x2 = LABEL_WIDTH + BAR_AREA * row.high / top
            mid = y + ROW / 2 - 1
            parts.append(
                f'<path class="whisker" d="M{x1:.1f} {mid - 5:.1f}v10M{x1:.1f} {mid:.1f}'
                f'H{x2:.1f}M{x2:.1f} {mid - 5:.1f}v10"/>'
            )
            end = max(end, x2 - LABEL_WIDTH)
        parts.append(
            f'<text class="value" x="{LABEL_WIDTH + end + 6:.1f}" y="{y + ROW - 8}">'
            f"{escape(fmt(row.value))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked(title: str, rows: Sequence[tuple[str, Sequence[Segment]]]) -> str:
    """Horizontal bars of parts summing to each row's whole, with a legend below."""
    legend = list(dict.fromkeys((s.name, s.css) for _, segments in rows for s in segments))
    height = TOP * 2 + ROW * max(len(rows), 1) + ROW
    width = LABEL_WIDTH + BAR_AREA + 110
    parts = [_open(title, width, height)]
    for index, (label, segments) in enumerate(rows):
        y = TOP + index * ROW
        whole = sum(s.value for s in segments) or 1.0
        parts.append(_label(label, y))
        x = float(LABEL_WIDTH)
        for segment in segments:
            length = BAR_AREA * segment.value / whole
            if length > 0:
                parts.append(
                    f'<rect class="{escape(segment.css)}" x="{x:.1f}" y="{y + 3}" '
                    f'width="{length:.1f}" height="{ROW - 8}"><title>{escape(segment.name)}: '
                    f"{segment.value:g}</title></rect>"
                )
            x += length
    y = TOP + len(rows) * ROW + 4
    x = float(LABEL_WIDTH)
    for name, css in legend:
        parts.append(
            f'<rect class="{escape(css)}" x="{x:.1f}" y="{y}" width="10" height="10"/>'
            f'<text x="{x + 14:.1f}" y="{y + 9}">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def _open(title: str, width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{escape(title)}</title>"
    )


def _label(text: str, y: int) -> str:
    shown = text if len(text) <= 34 else text[:33] + "…"
    return (
        f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y + ROW - 8}" '
        f'text-anchor="end">{escape(shown)}</text>'
    )
