"""The SQL explorer's chart builder: any result frame, the analyst's x, y, colour and chart
type. A pure function (data in, plotly Figure out) on the shared theme."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from epmo.safe_text import plotly as esc
from epmo.settings import current
from epmo.theme import base_layout

CHART_TYPES = ("bar", "line", "scatter", "area")


class ChartError(ValueError):
    """The chosen columns cannot make this chart; the message says why."""


def result_chart(
    frame: pd.DataFrame, x: str, y: str, colour: str | None = None, chart_type: str = "bar"
) -> go.Figure:
    """One trace per colour group (or one trace), x against y; y must be numeric.

    Bars are grouped side by side; lines and areas are drawn in x order; at most
    [explorer] chart_max_groups colour groups (the rest are named in the title).
    """
    if chart_type not in CHART_TYPES:
        raise ChartError(f"chart type must be one of {', '.join(CHART_TYPES)}, not {chart_type!r}")
    for role, col in (("x", x), ("y", y), ("colour", colour)):
        if col is not None and col not in frame.columns:
            raise ChartError(f"{role}: no column {col!r} in the result")
    if not pd.api.types.is_numeric_dtype(frame[y]) or pd.api.types.is_bool_dtype(frame[y]):
        raise ChartError(f"y: column {y!r} is not numeric; choose a number column (or cast it in the query)")
    data = frame[[c for c in dict.fromkeys([x, y, colour]) if c is not None]].dropna(subset=[y])
    if chart_type in ("line", "area"):
        data = data.sort_values(x, kind="stable")
    max_groups = current().explorer.chart_max_groups
    groups: list[tuple[str, pd.DataFrame]]
    dropped = 0
    if colour is None:
        groups = [(y, data)]
    else:
        keys = data[colour].astype("string").fillna("(blank)")
        order = keys.value_counts(sort=True).index.tolist()
        dropped = max(len(order) - max_groups, 0)
        groups = [(str(k), data[keys == k]) for k in order[:max_groups]]
        groups.sort(key=lambda g: g[0])
    fig = go.Figure()
    for name, part in groups:
        common: dict[str, object] = {"x": part[x], "y": part[y], "name": name}
        if colour is None:
            common["marker_color"] = current().theme.blue
        if chart_type == "bar":
            fig.add_bar(**common)
        elif chart_type == "scatter":
            fig.add_scatter(**common, mode="markers")
        elif chart_type == "line":
            fig.add_scatter(**common, mode="lines+markers")
        else:
            fig.add_scatter(**common, mode="lines", stackgroup="one")
    title = f"{esc(y)} by {esc(x)}" + (f", colour {esc(colour)}" if colour else "")
    if dropped:
        title += f" (the {dropped} smallest {esc(colour)} groups not drawn)"
    layout = base_layout()
    layout["margin"] = {**layout["margin"], "t": 50}
    fig.update_layout(
        **layout,
        title={"text": title, "font": {"size": 14}},
        barmode="group",
        xaxis_title=esc(x),
        yaxis_title=esc(y),
        showlegend=colour is not None,
        legend_title_text=esc(colour or ""),
    )
    return fig
