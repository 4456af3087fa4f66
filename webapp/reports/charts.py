"""Server-rendered SVG bar charts: vertical (by month, by stage) or horizontal (funnels,
reasons), grouped or stacked, with optional markers (a target per bar).

``BarChart.layout(rtl)`` computes every shape's coordinates in Python; the template
``reports/_chart.html`` only draws them. Right-to-left layouts mirror the x axis (the first
category on the right, the value axis on the right). Colours come from the Okabe-Ito
palette, which stays distinguishable with the common colour-vision deficiencies, and every
bar carries its value in a tooltip and in the table beside the chart.
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_compact_decimal, format_decimal
from flask_babel import gettext as _

from ..i18n.formats import local_digits
from ..locale import current_locale

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
MARKER_COLOUR = "#000000"
# The locale's own decimal and grouping marks (Persian ٫ and ٬); digits by local_digits.
NATIVE = "default"
WIDTH = 760
VERTICAL_HEIGHT = 300
BAR_ROW = 30  # height of one category in a horizontal chart


@dataclass
class Series:
    name: str
    values: list  # one number (or None) per label


@dataclass
class BarChart:
    title: str
    labels: list[str]
    series: list[Series]
    kind: str = "money"  # how values read: money, count, days, percent
    stacked: bool = False
    horizontal: bool = False
    marker_name: str | None = None
    markers: list | None = None  # one number (or None) per label, drawn as a tick line
    description: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(value for series in self.series for value in series.values if value)

    def layout(self, rtl: bool = False) -> "Layout":
        return _horizontal(self, rtl) if self.horizontal else _vertical(self, rtl)


@dataclass
class Shape:
    x: float
    y: float
    width: float
    height: float
    colour: str
    tip: str


@dataclass
class Text:
    x: float
    y: float
    text: str
    anchor: str  # start, middle, end (the SVG is laid out left to right: see layout())


@dataclass
class Layout:
    width: float
    height: float
    bars: list[Shape] = field(default_factory=list)
    markers: list[Shape] = field(default_factory=list)
    grid: list[tuple[float, float, float, float]] = field(default_factory=list)
    axis: tuple[float, float, float, float] = (0, 0, 0, 0)
    texts: list[Text] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (colour, name)


def number(value) -> float:
    return float(value) if isinstance(value, Decimal | int | float) else 0.0


def format_value(value, kind: str) -> str:
    """A value as a tick or a tooltip shows it in the user's locale: 12.5K, 3, 4.2 d, 45%
    (``12,5K``, ``4,2 g`` in Italian, Persian digits in Persian)."""
    value = number(value)
    locale = current_locale()
    local = {"locale": locale, "numbering_system": NATIVE}
    if kind == "percent":
        text = _("%(number)s%%", number=format_decimal(round(value), **local))
    elif kind == "days":
        text = _("%(number)s d", number=format_decimal(value, "#,##0.0", **local))
    elif kind == "count":
        text = format_decimal(round(value), **local)
    else:
        text = _compact(value, locale)
    return local_digits(text)


@lru_cache(maxsize=4096)
def _compact(value: float, locale: str) -> str:
    """Babel's short form (~130 µs a call; a forecast draws hundreds of ticks and tooltips
    whose values repeat from one request to the next): remembered."""
    return format_compact_decimal(value, locale=locale, fraction_digits=1, numbering_system=NATIVE)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten) covering ``low``..``high``."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _extent(chart: BarChart) -> tuple[float, float]:
    """The lowest and highest value a bar (or a stack, or a marker) reaches, with 0."""
    low = high = 0.0
    for index in range(len(chart.labels)):
        values = [number(s.values[index]) for s in chart.series]
        if chart.stacked:
            high = max(high, sum(v for v in values if v > 0))
            low = min(low, sum(v for v in values if v < 0))
        else:
            high, low = max([high, *values]), min([low, *values])
        if chart.markers and chart.markers[index] is not None:
            high = max(high, number(chart.markers[index]))
    return low, high


def _segments(chart: BarChart, index: int):
    """(series number, start, end) of each bar of one category: stacked bars start where
    the previous one of the same sign ended; grouped bars start at zero."""
    above = below = 0.0
    for number_, series in enumerate(chart.series):
        value = number(series.values[index])
        if not value:
            continue
        if not chart.stacked:
            yield number_, 0.0, value
        elif value > 0:
            yield number_, above, above + value
            above += value
        else:
            yield number_, below, below + value
            below += value


def _tip(chart: BarChart, label: str, series: Series, value) -> str:
    name = f" · {series.name}" if len(chart.series) > 1 else ""
    return f"{label}{name}: {format_value(value, chart.kind)}"


def _legend(chart: BarChart) -> list[tuple[str, str]]:
    legend = [(PALETTE[i % len(PALETTE)], s.name) for i, s in enumerate(chart.series)]
    if chart.markers and chart.marker_name:
        legend.append((MARKER_COLOUR, chart.marker_name))
    return legend


def _vertical(chart: BarChart, rtl: bool) -> Layout:
    left, right, top, bottom = 64, 16, 12, 56
    layout = Layout(WIDTH, VERTICAL_HEIGHT, legend=_legend(chart))
    plot_w, plot_h = WIDTH - left - right, VERTICAL_HEIGHT - top - bottom
    ticks = nice_ticks(*_extent(chart))
    low, high = ticks[0], ticks[-1]

    def y(value: float) -> float:
        return top + plot_h * (high - value) / (high - low)

    def mirror(x: float, width: float = 0) -> float:
        return WIDTH - x - width if rtl else x

    for tick in ticks:
        layout.grid.append((mirror(left), y(tick), mirror(left + plot_w), y(tick)))
        tick_x = mirror(left - 6)
        layout.texts.append(
            Text(tick_x, y(tick) + 4, format_value(tick, chart.kind), "start" if rtl else "end")
        )
    layout.axis = (mirror(left), y(0), mirror(left + plot_w), y(0))
    count = max(1, len(chart.labels))
    group = plot_w / count
    bars_per_group = 1 if chart.stacked else max(1, len(chart.series))
    bar_w = group * (0.6 if chart.stacked else 0.8) / bars_per_group
    for index, label in enumerate(chart.labels):
        group_x = left + group * index + (group - bar_w * bars_per_group) / 2
        for series_no, start, end in _segments(chart, index):
            x = group_x + (0 if chart.stacked else bar_w * series_no)
            series = chart.series[series_no]
            layout.bars.append(
                Shape(
                    mirror(x, bar_w),
                    min(y(start), y(end)),
                    bar_w,
                    abs(y(start) - y(end)),
                    PALETTE[series_no % len(PALETTE)],
                    _tip(chart, label, series, series.values[index]),
                )
            )
        if chart.markers and chart.markers[index] is not None:
            width = group * 0.8
            x = left + group * index + group * 0.1
            layout.markers.append(
                Shape(
                    mirror(x, width),
                    y(number(chart.markers[index])) - 1.5,
                    width,
                    3,
                    MARKER_COLOUR,
                    f"{label} · {chart.marker_name}: "
                    f"{format_value(chart.markers[index], chart.kind)}",
                )
            )
        layout.texts.append(
            Text(
                mirror(left + group * (index + 0.5)),
                top + plot_h + 18,
                _short(label, max(4, int(group / 7))),
                "middle",
            )
        )
    return layout


def _horizontal(chart: BarChart, rtl: bool) -> Layout:
    label_w, right, top, bottom = 180, 24, 8, 28
    rows = max(1, len(chart.labels))
    height = top + bottom + BAR_ROW * rows
    layout = Layout(WIDTH, height, legend=_legend(chart))
    plot_w = WIDTH - label_w - right
    ticks = nice_ticks(*_extent(chart), count=4)
    low, high = ticks[0], ticks[-1]

    def x(value: float) -> float:
        position = label_w + plot_w * (value - low) / (high - low)
        return WIDTH - position if rtl else position

    for tick in ticks:
        layout.grid.append((x(tick), top, x(tick), top + BAR_ROW * rows))
        layout.texts.append(
            Text(x(tick), top + BAR_ROW * rows + 16, format_value(tick, chart.kind), "middle")
        )
    layout.axis = (x(0), top, x(0), top + BAR_ROW * rows)
    bars_per_row = 1 if chart.stacked else max(1, len(chart.series))
    bar_h = BAR_ROW * 0.7 / bars_per_row
    for index, label in enumerate(chart.labels):
        row_y = top + BAR_ROW * index + BAR_ROW * 0.15
        for series_no, start, end in _segments(chart, index):
            series = chart.series[series_no]
            left_x, right_x = sorted((x(start), x(end)))
            layout.bars.append(
                Shape(
                    left_x,
                    row_y + (0 if chart.stacked else bar_h * series_no),
                    right_x - left_x,
                    bar_h,
                    PALETTE[series_no % len(PALETTE)],
                    _tip(chart, label, series, series.values[index]),
                )
            )
        if chart.markers and chart.markers[index] is not None:
            layout.markers.append(
                Shape(
                    x(number(chart.markers[index])) - 1.5,
                    row_y - 2,
                    3,
                    BAR_ROW * 0.7 + 4,
                    MARKER_COLOUR,
                    f"{label} · {chart.marker_name}: "
                    f"{format_value(chart.markers[index], chart.kind)}",
                )
            )
        text_x = WIDTH - label_w + 8 if rtl else label_w - 8
        layout.texts.append(
            Text(text_x, row_y + BAR_ROW * 0.45, _short(label), "start" if rtl else "end")
        )
    return layout


def _short(label: str, limit: int = 26) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
