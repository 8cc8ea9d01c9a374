"""PNG charts from ``ChartSpec``s, drawn with matplotlib's Agg renderer.

pyplot is never imported: it keeps a process-wide registry of open figures (a leak in a
long-running bot unless every figure is closed) and picks a GUI backend from the environment.
A ``Figure`` on its own Agg canvas needs neither and is freed like any other object.

Every text is drawn with the shipped DejaVu Sans file itself (``FontProperties(fname=...)``),
not through a family name: the result cannot depend on the machine's fonts or on rcParams
another library changed, and Vietnamese letters never fall back to a font without them.
"""

from __future__ import annotations

import io
import logging
import textwrap
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator, MultipleLocator

from handlers.ports import ChartSpec
from handlers.types import FileOut

logger = logging.getLogger(__name__)

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "DejaVuSans.ttf"
DPI = 110
WIDTH_INCHES = 10.0
MAX_HEIGHT_INCHES = 18.0
# Labels longer than this are drawn on horizontal bars, where they can be read unrotated.
LONG_LABEL = 12
WRAP_AT = 28
# Characters of a footnote line at 9 points across the figure's width, with a margin.
FOOTNOTE_WRAP_AT = 130
# A value axis labelled "%" always spans 0–100, so a third of the communes looks like a third.
PERCENT = "%"


def chart_font(size: float | None = None) -> FontProperties:
    """Return the charts' font (DejaVu Sans: every Vietnamese letter has a glyph)."""
    return FontProperties(fname=FONT_PATH, size=size)


def _horizontal(spec: ChartSpec) -> bool:
    return spec.kind == "bar" and (
        len(spec.labels) > 6 or any(len(label) > LONG_LABEL for label in spec.labels)
    )


def _height(spec: ChartSpec, horizontal: bool) -> float:
    if not horizontal:
        return 6.0
    rows = len(spec.labels) * (1 if spec.stacked else max(1, len(spec.series)) * 0.45 + 0.3)
    return min(MAX_HEIGHT_INCHES, max(4.5, 0.5 * rows + 2.0))


def _colours(count: int) -> list[tuple[float, float, float, float]]:
    palette = colormaps["tab10" if count <= 10 else "tab20"]
    return [palette(index % palette.N) for index in range(count)]


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _bars(axes: Axes, spec: ChartSpec, font: FontProperties, horizontal: bool) -> None:
    positions = np.arange(len(spec.labels), dtype=float)
    colours = _colours(len(spec.series))
    base = np.zeros(len(spec.labels))
    width = 0.7 if spec.stacked else 0.8 / max(1, len(spec.series))
    small = chart_font(8)
    for index, (series, colour) in enumerate(zip(spec.series, colours, strict=True)):
        values = np.array(series.values, dtype=float)
        if spec.stacked:
            offset, start = positions, base.copy()
            base += values
        else:
            offset = positions - 0.4 + width * (index + 0.5)
            start = np.zeros(len(values))
        draw = axes.barh if horizontal else axes.bar
        bars = draw(offset, values, width, start, label=series.name, color=colour)
        # Zeros are labelled only on single bars, where "0" is news; among stacked or grouped
        # bars they would only clutter the chart.
        texts = [_number(v) if v or len(spec.series) == 1 else "" for v in values]
        axes.bar_label(
            bars,
            labels=texts,
            label_type="center" if spec.stacked else "edge",
            padding=0 if spec.stacked else 2,
            fontproperties=small,
        )
    labels = [textwrap.fill(label, WRAP_AT) for label in spec.labels]
    if horizontal:
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()  # the first label on top, as it is read
        axes.set_xlabel(spec.y_label, fontproperties=font)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(axis="x", alpha=0.3)
    else:
        axes.set_xticks(positions, labels)
        axes.set_ylabel(spec.y_label, fontproperties=font)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)


def _lines(axes: Axes, spec: ChartSpec, font: FontProperties) -> None:
    positions = np.arange(len(spec.labels), dtype=float)
    for series, colour in zip(spec.series, _colours(len(spec.series)), strict=True):
        axes.plot(positions, series.values, marker="o", label=series.name, color=colour)
    axes.set_xticks(positions, list(spec.labels))
    axes.set_ylabel(spec.y_label, fontproperties=font)
    axes.grid(alpha=0.3)


def _apply_font(axes: Axes, font: FontProperties) -> None:
    # New ticks copy the first tick's label properties, so setting them here holds at draw.
    for label in [*axes.get_xticklabels(), *axes.get_yticklabels()]:
        label.set_fontproperties(font)
    for text in (axes.xaxis.get_offset_text(), axes.yaxis.get_offset_text()):
        text.set_fontproperties(font)


def build_figure(spec: ChartSpec) -> Figure:
    """Lay out the chart of ``spec`` on a new figure (not yet drawn)."""
    horizontal = _horizontal(spec)
    figure = Figure(
        figsize=(WIDTH_INCHES, _height(spec, horizontal)), dpi=DPI, layout="constrained"
    )
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    font = chart_font(10)
    if spec.labels and spec.series:
        if spec.kind == "line":
            _lines(axes, spec, font)
        else:
            _bars(axes, spec, font, horizontal)
    axes.set_title(spec.title, fontproperties=chart_font(13), loc="left")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if len(spec.series) > 1:
        # A figure legend "outside" gets its own room in the constrained layout.
        figure.legend(
            prop=chart_font(9),
            loc="outside lower center",
            ncols=min(4, len(spec.series)),
            frameon=False,
        )
    if spec.y_label == PERCENT:
        top = max([100.0, *(v for series in spec.series for v in series.values)])
        axis = axes.xaxis if horizontal else axes.yaxis
        (axes.set_xlim if horizontal else axes.set_ylim)(0, top * 1.08)  # room for the labels
        axis.set_major_locator(MultipleLocator(20))
    if spec.footnote:
        # The figure's own x label: the constrained layout keeps room for it under the axes.
        text = textwrap.fill(spec.footnote, FOOTNOTE_WRAP_AT)
        figure.supxlabel(text, x=0.01, ha="left", fontproperties=chart_font(9))
    _apply_font(axes, chart_font(9))
    return figure


def render_chart(spec: ChartSpec) -> FileOut:
    """Draw ``spec`` as a PNG image."""
    figure = build_figure(spec)
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png")
    finally:
        figure.clear()
    logger.debug("chart %s drawn: %d bytes", spec.file_name, buffer.tell())
    return FileOut(name=spec.file_name, data=buffer.getvalue(), mime_type="image/png")
