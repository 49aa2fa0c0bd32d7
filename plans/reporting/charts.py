"""Charts drawn on the server as SVG text: horizontal bars, and bars stacked by category, each with its legend.

Hand-written SVG rather than matplotlib: a few rectangles and labels, light (a few kilobytes), sharp at any zoom,
readable by screen readers (role="img" with a <title> and a <desc> that states every value), and no global state
(docs/ARCHITECTURE.md, pitfall 10). The numbers come from the caller (plans/reporting/territory_totals.py) with
their text already formatted in French; a page shows each chart with the table of the same numbers. Every label
is escaped. Colours of categories are the callers' (the statuses': plans.maps.national.STATUS_COLOURS, the
map's).
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Optional

WIDTH = 600
LABEL_WIDTH = 150
VALUE_WIDTH = 120
BAR_AREA = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 16
ROW_HEIGHT = 24
BAR_HEIGHT = 16
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, DejaVu Sans, sans-serif" font-size="12"'
BAR_COLOUR = "#2b7a4b"
SOURCE_COLOUR = "#1f78b4"


@dataclass
class Bar:
    label: str
    value: int
    text: str  # the value as the page writes it ("1 250 000 000 FCFA")


@dataclass
class Segment:
    key: str
    value: int


@dataclass
class StackedBar:
    label: str
    segments: list[Segment]
    text: str  # the bar's total as written


def _open(chart_id: str, title: str, desc: str, height: int) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
            f'style="max-width:{WIDTH}px" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" {FONT}>',
            f'<title id="{chart_id}-t">{escape(title)}</title>', f'<desc id="{chart_id}-d">{escape(desc)}</desc>']


def _label(y: float, text: str) -> str:
    short = text if len(text) <= 22 else text[:21] + "…"
    return (f'<text x="{LABEL_WIDTH - 6}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle">'
            f'<title>{escape(text)}</title>{escape(short)}</text>')


def bar_chart(chart_id: str, title: str, bars: list[Bar], colour: str = BAR_COLOUR) -> str:
    """One horizontal bar per item, its value written after it; the longest bar fills the width."""
    top = 4
    height = top + ROW_HEIGHT * max(len(bars), 1) + 4
    desc = "; ".join(f"{b.label} : {b.text}" for b in bars) or "aucune donnée"
    out = _open(chart_id, title, desc, height)
    largest = max((b.value for b in bars), default=0)
    for i, bar in enumerate(bars):
        y = top + i * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2
        width = BAR_AREA * bar.value / largest if largest > 0 and bar.value > 0 else 0
        out.append(_label(middle, bar.label))
        if width:
            out.append(f'<rect x="{LABEL_WIDTH}" y="{middle - BAR_HEIGHT / 2:.1f}" width="{max(width, 1):.1f}" '
                       f'height="{BAR_HEIGHT}" fill="{colour}"/>')
        out.append(f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{middle:.1f}" dominant-baseline="middle">'
                   f'{escape(bar.text)}</text>')
    out.append("</svg>")
    return "".join(out)


def stacked_chart(chart_id: str, title: str, bars: list[StackedBar], colours: dict[str, str],
                  labels: dict[str, str], legend_title: Optional[str] = None) -> str:
    """One horizontal bar per item, split into its segments (in `colours` order), with a legend on top."""
    keys = list(colours)
    legend_rows = -(-len(keys) // 4)
    top = 8 + legend_rows * 20
    height = top + ROW_HEIGHT * max(len(bars), 1) + 4
    desc = "; ".join(f"{b.label} : " + ", ".join(f"{labels[s.key]} {s.value}" for s in b.segments if s.value)
                     + f" (total {b.text})" for b in bars) or "aucune donnée"
    out = _open(chart_id, title, desc, height)
    if legend_title:
        out.append(f'<text x="0" y="12">{escape(legend_title)}</text>')
    for i, key in enumerate(keys):
        x = (LABEL_WIDTH if legend_title else 0) + (i % 4) * 120
        y = 4 + (i // 4) * 20
        out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colours[key]}" stroke="#555" '
                   f'stroke-width=".5"/><text x="{x + 16}" y="{y + 10}">{escape(labels[key])}</text>')
    largest = max((sum(s.value for s in b.segments) for b in bars), default=0)
    for i, bar in enumerate(bars):
        y = top + i * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2
        out.append(_label(middle, bar.label))
        x = float(LABEL_WIDTH)
        order = {k: n for n, k in enumerate(keys)}
        for segment in sorted(bar.segments, key=lambda s: order.get(s.key, len(keys))):
            if segment.value <= 0 or largest <= 0:
                continue
            width = BAR_AREA * segment.value / largest
            out.append(f'<rect x="{x:.1f}" y="{middle - BAR_HEIGHT / 2:.1f}" width="{width:.1f}" '
                       f'height="{BAR_HEIGHT}" fill="{colours.get(segment.key, "#999")}" stroke="#fff" '
                       f'stroke-width=".5"><title>{escape(labels.get(segment.key, segment.key))} : '
                       f'{segment.value}</title></rect>')
            x += width
        out.append(f'<text x="{x + 6:.1f}" y="{middle:.1f}" dominant-baseline="middle">{escape(bar.text)}</text>')
    out.append("</svg>")
    return "".join(out)
