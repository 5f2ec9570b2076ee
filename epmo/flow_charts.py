"""Flow charts (agile work items): pure functions, data in, plotly Figure out.

Every uploaded string (titles, keys, teams, scope names) is escaped before it reaches a
label or hover text: plotly renders a subset of HTML there.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from epmo.charts import WEEK_MS, date_axis, hline
from epmo.theme import LINE_COLOURS, RAG_COLOURS, base_layout

CATEGORY_COLOURS = {"To Do": "#B0BEC5", "In Progress": "#1565C0", "Done": "#2E7D32"}
PCT_DASH = {50: "dot", 85: "dash", 95: "longdash"}


def esc(value: Any) -> str:
    """Uploaded text made safe for plotly labels and hover text."""
    return html.escape("" if value is None else str(value), quote=False)


def _empty(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=esc(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    layout = base_layout()
    layout["height"] = 200
    fig.update_layout(**layout, xaxis={"visible": False}, yaxis={"visible": False})
    return fig


def throughput(frame: pd.DataFrame) -> go.Figure:
    """Items done per week. frame: scope, week_end, items_done (flow/throughput.sql)."""
    if frame.empty:
        return _empty("No work items for this selection")
    fig = go.Figure()
    for scope, part in frame.groupby("scope", sort=True):
        fig.add_bar(
            x=part["week_end"],
            y=part["items_done"],
            name=esc(scope),
            hovertemplate=esc(scope) + "<br>week to %{x|%d %b %Y}: %{y} done<extra></extra>",
        )
    fig.update_layout(
        **base_layout(),
        barmode="group",
        yaxis_title="Items done",
        xaxis=week_axis(frame["week_end"], "Week ending"),
    )
    return fig


def week_axis(weeks: pd.Series, title: str) -> dict[str, Any]:
    """A date axis for one bar or point a week: ticks on the weeks themselves (plotly's own
    fall on Sundays, between the Friday bars), at most eight of them, as 27 Nov 2026."""
    axis = date_axis(weeks, title=title)
    days = pd.to_datetime(pd.Series(list(weeks)), errors="coerce").dropna()
    if len(days):
        step = max(1, -(-days.nunique() // 8))
        # counted back from the latest week, so the latest week always has its tick
        axis["tick0"] = days.max() - pd.Timedelta(weeks=step * ((days.max() - days.min()).days // (7 * step)))
        axis["dtick"] = WEEK_MS * step
    return axis


def cycle_scatter(frame: pd.DataFrame) -> go.Figure:
    """Cycle time of each item done in the window, with the 50/85/95th percentile lines.
    frame: flow/cycle_times.sql (one scope)."""
    timed = frame[frame["cycle_time_days"].notna()]
    if timed.empty:
        return _empty("No item done in the window has a start date: cycle time cannot be shown")
    fig = go.Figure()
    text = [f"{esc(k)} · {esc(t)}" for k, t in zip(timed["item_key"], timed["title"], strict=True)]
    fig.add_scatter(
        x=timed["done_date"],
        y=timed["cycle_time_days"],
        mode="markers",
        name="Items",
        text=text,
        customdata=timed[["project_id"]].to_numpy(),
        hovertemplate="%{text}<br>done %{x|%d %b %Y}: %{y} days<extra></extra>",
        marker={"color": LINE_COLOURS["planned"], "size": 7, "opacity": 0.7},
    )
    x0, x1 = timed["done_date"].min(), timed["done_date"].max()
    for p in (50, 85, 95):
        value = timed[f"cycle_time_p{p}"].iloc[0]
        if pd.notna(value):
            fig.add_scatter(
                x=[x0, x1],
                y=[value, value],
                mode="lines",
                name=f"P{p}: {int(value)} days",
                line={"dash": PCT_DASH[p], "color": "#455A64"},
                hoverinfo="skip",
            )
    fig.update_layout(
        **base_layout(),
        yaxis_title="Cycle time (days, inclusive)",
        xaxis=date_axis(timed["done_date"], title="Done on"),
    )
    return fig


def wip_age(frame: pd.DataFrame) -> go.Figure:
    """Age of each item in progress by status; older than P85 in amber.
    frame: flow/wip_age.sql (one scope)."""
    aged = frame[frame["age_days"].notna()]
    if aged.empty:
        return _empty("Nothing in progress with a start date")
    older = aged["is_older_than_p85"].fillna(False).astype(bool).to_numpy()
    statuses = [esc(s) for s in aged["status"]]
    text = [f"{esc(k)} · {esc(t)}" for k, t in zip(aged["item_key"], aged["title"], strict=True)]
    fig = go.Figure()
    p85 = aged["cycle_time_p85"].dropna()
    # The P85 line is a legend entry, not a note on the line: a note sits on the points of the
    # status drawn under it. Each group of points names itself in the legend too.
    for is_older, name, symbol in ((False, "within P85", "circle"), (True, "older than P85", "triangle-up")):
        pick = older == is_older
        if not pick.any():
            continue
        fig.add_scatter(
            x=[s for s, k in zip(statuses, pick, strict=True) if k],
            y=aged["age_days"][pick],
            mode="markers",
            text=[t for t, k in zip(text, pick, strict=True) if k],
            customdata=aged[["project_id"]].to_numpy()[pick],
            hovertemplate="%{text}<br>%{x}: %{y} days in progress<extra></extra>",
            marker={
                "color": RAG_COLOURS["Amber"] if is_older else LINE_COLOURS["planned"],
                "size": 9,
                "symbol": symbol,
            },
            name=name if not p85.empty else "in progress",
        )
    if not p85.empty:
        y = float(p85.iloc[0])
        line = {"dash": "dash", "color": "#455A64"}
        hline(fig, y, line)
        # the line's legend entry (a trace with no points: the shape draws it)
        fig.add_scatter(x=[None], y=[None], mode="lines", line=line, name=f"cycle time P85: {int(y)} days")
    fig.update_layout(
        **base_layout(),
        yaxis_title="Age (days, inclusive)",
        # the statuses in the query's order, whichever group of points shows one first
        xaxis={"title": "Status", "categoryorder": "array", "categoryarray": list(dict.fromkeys(statuses))},
    )
    return fig


def cumulative_flow(frame: pd.DataFrame) -> go.Figure:
    """Stacked areas of items per status category by day. frame: flow/cumulative_flow.sql
    (summed over the scopes shown)."""
    if frame.empty:
        return _empty("No work items for this selection")
    total = frame.groupby(["day", "status_category"], as_index=False)["items"].sum()
    fig = go.Figure()
    for cat in ("Done", "In Progress", "To Do"):
        part = total[total["status_category"] == cat].sort_values("day")
        fig.add_scatter(
            x=part["day"],
            y=part["items"],
            name=cat,
            stackgroup="cfd",
            mode="lines",
            line={"color": CATEGORY_COLOURS[cat], "width": 0.5},
            hovertemplate=cat + " %{x|%d %b}: %{y}<extra></extra>",
        )
    fig.update_layout(**base_layout(), yaxis_title="Items", xaxis=date_axis(total["day"]))
    return fig


def forecast_distribution(
    days: np.ndarray | None, report: dt.date, dates: dict[int, dt.date | None]
) -> go.Figure:
    """Histogram of the Monte Carlo finish dates with the percentile dates marked."""
    if days is None or len(days) == 0:
        return _empty("No forecast: nothing was done in the window")
    finish = pd.to_datetime([report + dt.timedelta(days=int(d)) for d in days])
    fig = go.Figure()
    fig.add_histogram(
        x=finish,
        name="Runs",
        marker_color=LINE_COLOURS["forecast"],
        hovertemplate="%{x}: %{y} runs<extra></extra>",
    )
    marked = [(p, d) for p, d in sorted(dates.items()) if d is not None and p in PCT_DASH]
    for i, (p, d) in enumerate(marked):
        # one label a line, each on its own row, so dates a few days apart never overprint
        fig.add_vline(
            x=pd.Timestamp(d).timestamp() * 1000,
            line_dash=PCT_DASH[p],
            annotation_text=f"{p} %: {d:%d %b %Y}",
            annotation_position="top right",
            annotation_yshift=-18 * i,
            annotation_bgcolor="rgba(255,255,255,0.85)",
        )
    fig.update_layout(
        **base_layout(),
        yaxis_title="Runs",
        xaxis=date_axis(finish, title="Remaining items done by"),
        showlegend=False,
    )
    return fig


def forecast_trend(rows: list[dict[str, Any]], baseline_end: Any = None) -> go.Figure:
    """The forecast dates as reported week by week (like the milestone trend)."""
    if not rows:
        return _empty("No work-item backlog reported for this project")
    frame = pd.DataFrame(rows)
    fig = go.Figure()
    for p in (50, 85, 95):
        col = f"p{p}_date"
        if col in frame:
            fig.add_scatter(
                x=frame["report_date"],
                y=frame[col],
                mode="lines+markers",
                name=f"{p} % date",
                line={"dash": PCT_DASH[p]},
                hovertemplate=f"{p} %: " + "reported %{x|%d %b %Y}: done by %{y|%d %b %Y}<extra></extra>",
            )
    if baseline_end is not None and pd.notna(baseline_end):
        fig.add_hline(
            y=pd.Timestamp(baseline_end).timestamp() * 1000,
            line_color=RAG_COLOURS["Red"],
            annotation_text="baseline end",
        )
    fig.update_layout(
        **base_layout(),
        xaxis=week_axis(frame["report_date"], "Backlog reported in the week of"),
        yaxis={"title": "Forecast done by", "tickformat": "%d %b %Y"},
    )
    return fig


def forecast_slip(frame: pd.DataFrame) -> go.Figure:
    """Horizontal bars: days the 85 % forecast date lies beyond (or before) the baseline end,
    coloured by computed RAG. frame: flow/forecasts.sql."""
    shown = frame.dropna(subset=["flow_slip_days"])
    if shown.empty:
        return _empty("No agile project has a forecast this week")
    shown = shown.sort_values("flow_slip_days")
    labels = [f"{esc(p)} · {esc(n)}" for p, n in zip(shown["project_id"], shown["project_name"], strict=True)]
    fig = go.Figure()
    fig.add_bar(
        y=labels,
        x=shown["flow_slip_days"],
        orientation="h",
        marker_color=[
            RAG_COLOURS.get(r if isinstance(r, str) else "", RAG_COLOURS[""]) for r in shown["rag_computed"]
        ],
        customdata=shown[["project_id"]].to_numpy(),
        hovertemplate="%{y}: %{x} days<extra></extra>",
    )
    fig.update_layout(
        **base_layout(), xaxis_title="85 % date - baseline end (days)", yaxis_title=None, showlegend=False
    )
    return fig
