"""Colours and layout shared by every chart; values come from settings.toml."""

from __future__ import annotations

import functools
from typing import Any

from epmo.settings import current

RAG_ORDER = ("Red", "Amber", "Green")
RAG_COLOURS = {
    "Red": current().theme.red,
    "Amber": current().theme.amber,
    "Green": current().theme.green,
    "": current().theme.grey,
}


@functools.cache
def cheap_template(source: str = "plotly_white", name: str = "epmo_white") -> str:
    """`source` registered again as `name`, copied cheaply into each figure.

    plotly sets a template given by name with `copy.deepcopy(pio.templates[name])`, which
    rebuilds and re-validates the whole template object: 30-60 ms a figure, the largest
    part of most pages' runs under load (docs/benchmarks.md, "Load and capacity model"). The
    copy made here is a plain deep copy of the template's dict, not validated again (it was
    validated once, here): the same figure JSON in a quarter of the time. Falls back to
    `source` itself if plotly's registry is not the dict this relies on."""
    import copy

    import plotly.graph_objects as go
    import plotly.io as pio

    spec = pio.templates[source].to_plotly_json()

    class _Template(go.layout.Template):  # type: ignore[misc]
        def __deepcopy__(self, memo: dict[int, Any]) -> go.layout.Template:
            return go.layout.Template(copy.deepcopy(spec), _validate=False)

    registry = getattr(pio.templates, "_templates", None)
    if not isinstance(registry, dict):
        return source
    registry[name] = _Template(spec)
    return name


def base_layout() -> dict[str, Any]:
    return {
        "template": cheap_template(),
        "margin": {"l": 40, "r": 20, "t": 30, "b": 40},
        "height": 380,
        "font": {"size": 13},
        "legend": {"orientation": "h", "y": -0.15},
    }


# Never colour alone: RAG also has a shape and a letter.
RAG_SYMBOLS = {"Red": "diamond", "Amber": "triangle-up", "Green": "circle", "": "square"}
RAG_LETTERS = {"Red": "R", "Amber": "A", "Green": "G", "": "–"}
# Dependencies and other statuses.
STATUS_COLOURS = {
    "late": RAG_COLOURS["Red"],
    "at risk": RAG_COLOURS["Amber"],
    "on track": RAG_COLOURS["Green"],
}
# Concern scale for grids (0 = all green, 1 = all red), via amber.
CONCERN_SCALE = [[0.0, RAG_COLOURS["Green"]], [0.5, RAG_COLOURS["Amber"]], [1.0, RAG_COLOURS["Red"]]]
LINE_COLOURS = {
    "planned": current().theme.blue,
    "actual": "#37474F",
    "forecast": "#8E24AA",
    "budget": current().theme.grey,
}


# --------------------------------------------------------------------------- presentation
# Presentation mode (a shared screen, a projector, a video call): the Okabe-Ito
# colour-blind-safe palette of settings [steering], large type, and RAG marked by letter,
# marker shape and bar pattern as well as by colour. Defined once here; pages and the
# steering pack read it.
PRESENT_RAG_COLOURS = {
    "Red": current().steering.present_red,
    "Amber": current().steering.present_amber,
    "Green": current().steering.present_green,
    "": current().steering.present_grey,
}
PRESENT_BLUE = current().steering.present_blue
PRESENT_TEXT = current().steering.present_text
PRESENT_FONT_SIZE = current().steering.present_font_size
RAG_PATTERNS = {"Red": "x", "Amber": "/", "Green": "", "": "."}
_TO_PRESENT = {RAG_COLOURS[k].lower(): PRESENT_RAG_COLOURS[k] for k in RAG_COLOURS} | {
    current().theme.blue.lower(): PRESENT_BLUE
}


def rag_label(value: object) -> str:
    """'R Red', 'A Amber', 'G Green', '– not judged': RAG as text, never colour alone."""
    rag = value if isinstance(value, str) and value in RAG_LETTERS else ""
    return f"{RAG_LETTERS[rag]} {rag}" if rag else f"{RAG_LETTERS['']} not judged"


def _present_colour(colour: Any) -> Any:
    if isinstance(colour, str):
        return _TO_PRESENT.get(colour.lower(), colour)
    if isinstance(colour, (list, tuple)):
        return [_present_colour(c) for c in colour]
    return colour


def presentation(fig: Any, height: int | None = None) -> Any:
    """A copy of a plotly figure restyled for presentation: large dark type, the
    colour-blind-safe palette in place of the screen RAG colours, a pattern on RAG bars.
    Data are untouched (pure function: the input figure is not modified)."""
    import plotly.graph_objects as go

    out = go.Figure(fig)
    size = PRESENT_FONT_SIZE
    out.update_layout(
        template="simple_white",
        font={"size": size, "color": PRESENT_TEXT},
        height=height or max(int(out.layout.height or 0), current().steering.present_chart_height),
        legend={"font": {"size": size - 3, "color": PRESENT_TEXT}, "title": {"font": {"size": size - 4}}},
        hoverlabel={"font": {"size": size}},
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
    )
    out.update_xaxes(
        tickfont={"size": size - 2}, title_font={"size": size}, showgrid=True, gridcolor="#DDDDDD"
    )
    out.update_yaxes(
        tickfont={"size": size - 2}, title_font={"size": size}, showgrid=True, gridcolor="#DDDDDD"
    )
    for trace in out.data:
        marker = getattr(trace, "marker", None)
        if marker is not None and marker.color is not None:
            marker.color = _present_colour(marker.color)
        if trace.type == "bar" and trace.name in RAG_PATTERNS:
            trace.marker.pattern = {"shape": RAG_PATTERNS[trace.name], "fgcolor": "#FFFFFF", "solidity": 0.25}
        if trace.type == "heatmap" and trace.colorscale is not None:
            trace.colorscale = [[s, _present_colour(c)] for s, c in trace.colorscale]
        if trace.type == "heatmap":  # cell labels fitted to the cells, up to the slide's type size
            trace.textfont.size = None
        if trace.type == "scatter" and getattr(trace, "line", None) is not None and trace.line.color:
            trace.line.color = _present_colour(trace.line.color)
            trace.line.width = max(trace.line.width or 2, 3)
    if out.layout.legend.orientation == "h":  # at the right: never over axis labels or notes
        out.update_layout(legend={"orientation": "v", "y": 1, "yanchor": "top", "x": 1.02, "xanchor": "left"})
    for ann in out.layout.annotations or ():
        ann.font = {"size": size - 4, "color": "#333333"}
    _fit_bar_labels(out, size - 2)
    _level_date_ticks(out)
    return out


# the tick formats of epmo.charts.date_axis: an x axis of dates
_DATE_TICKS = ("%d %b %Y", "%b %Y")
_LONG_SPAN_DAYS = 120
PRESENT_DATE_TICKS = 4


def _level_date_ticks(fig: Any) -> None:
    """A date x axis whose ticks stay level at the slide's type size: at most
    PRESENT_DATE_TICKS of them, months (Mar 2026) over a long span, days (06 Mar) over a
    short one. At 18 px, "01 Mar 2026" every two months turned the labels aslant and took a
    third of the chart's height (a project's CPI and SPI kept a plot 109 px high)."""
    import pandas as pd

    axis = fig.layout.xaxis
    if axis.tickformat not in _DATE_TICKS:
        return
    values = [v for t in fig.data if getattr(t, "x", None) is not None for v in t.x]
    days = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce").dropna()
    if days.empty:
        return
    axis.tickformatstops = []  # the format set here, whatever plotly's ticks
    if axis.range is not None:  # a short history, padded, a tick a week (date_axis): keep them
        axis.update(tickformat="%d %b", tickangle=0)
        return
    span = (days.max() - days.min()).days
    axis.update(
        tickformat="%b %Y" if span > _LONG_SPAN_DAYS else "%d %b",
        tick0=None,
        dtick=None,
        nticks=PRESENT_DATE_TICKS,
        tickangle=0,
    )


# pixels of a presented chart's height that are not the plot: the margins, the axis title
# and the tick labels below
_PRESENT_CHROME_PX = 120


def _fit_bar_labels(fig: Any, size: int) -> None:
    """A horizontal bar chart's category labels small enough that every bar keeps its label
    (plotly drops the labels that would overlap: a ranking would show every other project)."""
    rows = {
        str(v) for t in fig.data if t.type == "bar" and t.orientation == "h" and t.y is not None for v in t.y
    }
    if not rows:
        return
    plot_px = int(fig.layout.height or 0) - _PRESENT_CHROME_PX
    fit = plot_px // len(rows) - 4  # a label's height is about its font size plus a little space
    fig.update_yaxes(tickfont={"size": max(10, min(size, fit))})
