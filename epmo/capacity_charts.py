"""Capacity heatmap: a pure chart builder (cells in, plotly Figure out)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from epmo.capacity import Bands, bands, every_period, pct_label, period_label, row_label
from epmo.theme import base_layout


def _fmt(value: object, suffix: str = "") -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return "-"
    return f"{float(value):,.0f}{suffix}"  # type: ignore[arg-type]


def band_scale(band_set: Bands | None = None) -> tuple[list[list[object]], int]:
    """The utilisation heatmaps' colours: a discrete colour scale for z = band_index + 1 (0 =
    no capacity, then one step per band of settings [capacity]) and its zmax. Every chart of
    utilisation uses it, so that the same number has the same colour everywhere."""
    b = band_set or bands()
    colours = [b.no_capacity_colour, *b.colours]
    n_colours = len(colours)
    scale: list[list[object]] = []
    for i, colour in enumerate(colours):
        scale += [[i / n_colours, colour], [(i + 1) / n_colours, colour]]
    return scale, n_colours


def heatmap(
    cells: pd.DataFrame,
    grain: str,
    labelled: bool = False,
    changed: pd.DataFrame | None = None,
    title: str | None = None,
    band_set: Bands | None = None,
) -> go.Figure:
    """Utilisation heatmap: one row per heatmap row, one column per period, coloured by band.

    cells: capacity/utilisation rows. A transparent marker sits on every cell so that a
    click selects it (plotly heatmaps do not report point selections); its customdata is
    [period_start ISO, role, team, resource_name]. `changed` (period_start, role, team,
    resource_name) cells are outlined (what-if cells whose band changed).
    """
    b = band_set or bands()
    frame = cells.copy()
    frame["row"] = row_label(frame)
    frame["col"] = period_label(frame["period_start"], grain)
    periods = period_label(every_period(frame["period_start"], grain), grain).drop_duplicates().tolist()
    rows = sorted(frame["row"].drop_duplicates().tolist(), reverse=True)  # first row at the top
    # z: 0 = no capacity, 1.. = band_index + 1; a discrete colour scale with one step per value
    frame["z"] = frame["band_index"].astype(int) + 1
    z = frame.pivot_table(index="row", columns="col", values="z", aggfunc="first").reindex(
        index=rows, columns=periods
    )
    scale, n_colours = band_scale(b)
    frame["text"] = [pct_label(u, b.limits_pct) or "no cap" for u in frame["utilisation_pct"].astype("float")]
    text = frame.pivot_table(index="row", columns="col", values="text", aggfunc="first").reindex(
        index=rows, columns=periods
    )
    fig = go.Figure()
    fig.add_heatmap(
        x=periods,
        y=rows,
        z=z.values,
        zmin=0,
        zmax=n_colours,
        colorscale=scale,
        showscale=False,
        xgap=2,
        ygap=2,
        hoverinfo="skip",
        text=text.fillna("").values if labelled else None,
        texttemplate="%{text}" if labelled else None,
        textfont={"size": 12 if len(periods) <= 12 else (10 if len(periods) <= 20 else 8)},
    )
    hover = (
        "<b>%{y}</b> · %{x}<br>Demand %{customdata[4]} h (tentative %{customdata[5]} h)"
        "<br>Available %{customdata[6]} h<br>Utilisation %{customdata[7]}<br>%{customdata[8]}"
        "<extra>Click for the projects</extra>"
    )
    fig.add_scatter(
        x=frame["col"],
        y=frame["row"],
        mode="markers",
        marker={"size": 28, "symbol": "square", "color": "rgba(0,0,0,0)"},
        customdata=list(
            zip(
                pd.to_datetime(frame["period_start"]).dt.strftime("%Y-%m-%d"),
                frame["role"].astype(object).where(frame["role"].notna(), None),
                frame["team"].astype(object).where(frame["team"].notna(), None),
                frame["resource_name"].astype(object).where(frame["resource_name"].notna(), None),
                [_fmt(v) for v in frame["demand_hours"]],
                [_fmt(v) for v in frame["tentative_hours"]],
                [_fmt(v) for v in frame["capacity_hours"]],
                [_fmt(v, "%") for v in frame["utilisation_pct"]],
                frame["band"],
                strict=True,
            )
        ),
        hovertemplate=hover,
        showlegend=False,
        selected={"marker": {"opacity": 1}},
        unselected={"marker": {"opacity": 1}},
    )
    shapes = []
    if changed is not None and len(changed):
        ch = changed.copy()
        ch["row"] = row_label(ch)
        ch["col"] = period_label(ch["period_start"], grain)
        for r, c in zip(ch["row"], ch["col"], strict=True):
            if r in rows and c in periods:
                x, y = periods.index(c), rows.index(r)
                shapes.append(
                    {
                        "type": "rect",
                        "x0": x - 0.5,
                        "x1": x + 0.5,
                        "y0": y - 0.5,
                        "y1": y + 0.5,
                        "line": {"color": "#000000", "width": 3},
                        "fillcolor": "rgba(0,0,0,0)",
                    }
                )
    layout = base_layout()
    layout["height"] = max(200, 70 + 34 * len(rows))
    layout["margin"] = {"l": 10, "r": 10, "t": 40 if title else 10, "b": 10}
    fig.update_layout(
        **layout,
        shapes=shapes,
        showlegend=False,
        clickmode="event+select",
        # any point of a cell is nearest to its own marker: hover and clicks work cell-wide
        hovermode="closest",
        hoverdistance=-1,
        dragmode=False,
        title={"text": title, "x": 0, "font": {"size": 15}} if title else None,
    )
    fig.update_xaxes(type="category", side="bottom", showgrid=False, tickangle=-45 if grain == "week" else 0)
    fig.update_yaxes(type="category", showgrid=False, automargin=True)
    return fig
