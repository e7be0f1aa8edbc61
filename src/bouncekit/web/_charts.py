"""Bar charts as geometry for server-rendered SVG: no script, no chart library, works offline.

The functions compute rectangles and labels; ``templates/_charts.html`` draws them (and escapes
every label, like any other text on the page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

#: More days than this in a range are drawn per month.
MAX_DAYS = 92


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    link: str = ""


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    top: int
    """The value of the highest gridline."""
    gridlines: tuple[tuple[float, int], ...]
    """(y or x position, value) of each gridline."""
    label_every: int = 1
    """Every how many bars a label is written (columns charts)."""


def fill_days(counts: Sequence[tuple[str, int]], start: date, end: date) -> list[tuple[str, int]]:
    """Counts for every day of the range (days without entries are zeros).

    A range longer than :data:`MAX_DAYS` is cut to the days that have entries, so a wide search
    (2000 to 2100) does not draw thirty thousand empty days, and drawn per month if still long.
    """
    if not counts:
        return []
    found = dict(counts)
    first, last = start, end
    if (last - first).days + 1 > MAX_DAYS:  # a wide range: from the first to the last day with entries
        first = max(start, date.fromisoformat(counts[0][0]))
        last = min(end, date.fromisoformat(counts[-1][0]))
    if (last - first).days + 1 <= MAX_DAYS:
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        return [(d.isoformat(), found.get(d.isoformat(), 0)) for d in days]
    months: dict[str, int] = {}
    month = date(first.year, first.month, 1)
    while month <= last:
        months[month.isoformat()[:7]] = 0
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    for day, n in counts:
        if day[:7] in months:
            months[day[:7]] += n
    return list(months.items())


def _nice_top(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is at least ``value``."""
    base = 1
    while True:
        for m in (1, 2, 5):
            if base * m >= value:
                return base * m
        base *= 10


def columns(counts: Sequence[tuple[str, int]], *, width: int = 760, height: int = 220,
            link: str = "") -> Chart:
    """A column chart (one column per day or month), left margin for the scale, bottom for labels."""
    left, bottom, top_pad = 44, 36, 10
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    top = _nice_top(max((n for _, n in counts), default=0) or 1)
    step = plot_w / max(len(counts), 1)
    bars = []
    for i, (label, n) in enumerate(counts):
        h = plot_h * n / top
        bars.append(Bar(label=label, value=n, x=round(left + i * step + (step - min(max(step * 0.76, 1), 48)) / 2, 2),
                        y=round(top_pad + plot_h - h, 2), width=round(min(max(step * 0.76, 1), 48), 2),
                        height=round(h, 2), link=link.format(day=label) if link else ""))
    grid = tuple((round(top_pad + plot_h - plot_h * v / top, 2), v) for v in sorted({0, top // 2, top}))
    label_every = max(1, -(-len(counts) // 12))
    return Chart(width=width, height=height, bars=tuple(bars), top=top, gridlines=grid, label_every=label_every)


def rows(counts: Sequence[tuple[str, int]], *, width: int = 760, row: int = 24, links: Sequence[str] = ()) -> Chart:
    """A horizontal bar chart (one row per group), the labels on the left."""
    left, right = 170, 60
    plot_w = width - left - right
    top = max((n for _, n in counts), default=0) or 1
    bars = tuple(Bar(label=label, value=n, x=left, y=i * row + 4, width=round(max(plot_w * n / top, 1), 2),
                     height=row - 8, link=links[i] if i < len(links) else "")
                 for i, (label, n) in enumerate(counts))
    return Chart(width=width, height=max(len(counts), 1) * row + 8, bars=bars, top=top, gridlines=())
