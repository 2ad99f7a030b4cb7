"""Charts drawn on the server as inline SVG: bars (stacked or grouped) with an axis, a legend and
a data table under each, from the same rows the chart's CSV download writes.

Accessible without colour: every series has its own pattern as well as its own colour (solid,
stripes, dots, cross-hatch), each bar has a ``<title>`` with its value, the ``<svg>`` is
``role="img"`` labelled by its title and description, and the table says it all again. Colours
and patterns are presentation attributes, which the Content-Security-Policy's ``style-src 'self'``
allows (no ``style`` attribute or element anywhere).
"""

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# A palette that stays apart for the common kinds of colour blindness (Okabe–Ito), darkest first.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999")
PATTERNS = ("solid", "stripes", "dots", "cross", "solid", "stripes", "dots")

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 72, 12, 12, 44
WIDE_COLUMNS = 7  # a table of more columns overflows half a row at 1366 px (more so in Korean)


@dataclass
class Series:
    label: str
    values: list  # one number (or None) per category
    index: int = 0

    @property
    def colour(self):
        return COLOURS[self.index % len(COLOURS)]

    @property
    def pattern(self):
        return PATTERNS[self.index % len(PATTERNS)]


@dataclass
class Chart:
    """One chart: its rows are what the table under it shows and its CSV holds, cell for cell;
    ``categories`` and ``series`` (drawn from the rows) are what the bars show."""

    name: str
    title: str
    description: str
    columns: list
    rows: list
    categories: list = field(default_factory=list)
    series: list = field(default_factory=list)
    stacked: bool = False
    percent: bool = False  # the bars are percentages (0–100 axis)
    intervals: list = field(default_factory=list)  # per category: (low, high) whiskers or None
    currency: str = ""  # the bars are amounts in this currency
    empty: bool = False
    note: str = ""
    money_columns: tuple = ()  # indexes of the columns that hold amounts in ``currency``
    month_rows: bool = False  # the first column is a month (shown as 2026-11)

    def __post_init__(self):
        for index, series in enumerate(self.series):
            series.index = index
        if not self.empty:
            self.empty = not any(value for series in self.series for value in series.values if value)

    @property
    def svg(self):
        return draw(self)

    @property
    def wide(self):
        """The table has more columns than half a desktop row holds (the renewal rate's nine, an
        offer's eight to eleven): the chart takes the whole row, so its table fits without scrolling."""
        return len(self.columns) > WIDE_COLUMNS

    @property
    def display_rows(self):
        """The rows as the table under the chart shows them: the same numbers, formatted."""
        return [[self.display(index, cell) for index, cell in enumerate(row)] for row in self.rows]

    def display(self, index, cell):
        from renewals.money import format_money

        if cell is None:
            return "—"
        if isinstance(cell, date):
            return f"{cell:%Y-%m}" if self.month_rows else cell.isoformat()
        if index in self.money_columns:
            return format_money(cell, self.currency)
        if isinstance(cell, int | Decimal | float) and not isinstance(cell, bool):
            return f"{cell:,}"
        return str(cell)


MAX_LABELS = 13  # the 13 weeks of the outlook all keep theirs


def nice_ceiling(value):
    """The axis top: four equal steps of 1, 2, 2.5 or 5 times a power of ten, whole numbers from 1
    up (a count never gets a tick at 2.5), reaching at least ``value`` (4 for nothing)."""
    raw = max(value, 1) / 4
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * power
        if step >= raw and step >= 1 and step == int(step):
            return int(step * 4)
    return int(10 * power * 4)


def tick_label(value, chart):
    if chart.percent:
        return f"{value:g} %"
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 10_000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def category_label(category, chart):
    """A month as ``YYYY-MM`` on a chart by month, any other day (a week's Monday) as ``MM-DD``,
    even when it is the first of a month."""
    if isinstance(category, date):
        return f"{category:%Y-%m}" if chart.month_rows else f"{category:%m-%d}"
    return str(category)


def draw(chart):
    """The geometry the template turns into SVG: bars, whiskers, ticks and category labels."""
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(chart.categories), 1)
    if chart.percent:
        top = 100
    else:
        totals = [
            sum(float(series.values[i] or 0) for series in chart.series)
            if chart.stacked
            else max((float(series.values[i] or 0) for series in chart.series), default=0)
            for i in range(len(chart.categories))
        ]
        top = nice_ceiling(max(totals, default=0))
    scale = plot_height / top
    slot = plot_width / count
    bars, whiskers, labels = [], [], []
    # At most MAX_LABELS labels under the axis (24 months' labels overlapped); every bar keeps its
    # <title> and the table under the chart names every category.
    label_every = math.ceil(count / MAX_LABELS)
    groups = 1 if chart.stacked else max(len(chart.series), 1)
    bar_width = slot * 0.7 / groups
    for i, category in enumerate(chart.categories):
        left = LEFT + slot * i + slot * 0.15
        base = TOP + plot_height
        for position, series in enumerate(chart.series):
            value = series.values[i]
            height = float(value or 0) * scale
            x = left if chart.stacked else left + bar_width * position
            y = base - height
            bars.append(
                {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "width": round(bar_width, 1),
                    "height": round(height, 1),
                    "series": series,
                    "value": value,
                    "category": category,
                    "text": format_value(value, chart),
                }
            )
            if chart.stacked:
                base = y
        if chart.intervals and chart.intervals[i] is not None:
            low, high = chart.intervals[i]
            whiskers.append(
                {
                    "x": round(left + bar_width * groups / 2, 1),
                    "y1": round(TOP + plot_height - float(low) * scale, 1),
                    "y2": round(TOP + plot_height - float(high) * scale, 1),
                }
            )
        if i % label_every == 0:
            labels.append({"x": round(LEFT + slot * (i + 0.5), 1), "text": category_label(category, chart)})
    ticks = [
        {"y": round(TOP + plot_height - top * step / 4 * scale, 1), "text": tick_label(top * step / 4, chart)}
        for step in range(5)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": TOP + plot_height,
        "label_y": TOP + plot_height + 18,
        "bars": bars,
        "whiskers": whiskers,
        "ticks": ticks,
        "labels": labels,
        "small_labels": count > 8,
    }


def format_value(value, chart):
    if value is None:
        return "—"
    if chart.percent:
        return f"{value} %"
    if chart.currency:
        from renewals.money import format_money

        return format_money(value, chart.currency)
    if isinstance(value, Decimal | float):
        return f"{value:,}"
    return f"{value:,}"
