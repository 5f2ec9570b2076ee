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
    fig.update_layout(**base_layout(), barmode="group", yaxis_title="Items done", xaxis_title="Week ending")
    return fig


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
    fig.update_layout(**base_layout(), yaxis_title="Cycle time (days, inclusive)", xaxis_title="Done on")
    return fig


def wip_age(frame: pd.DataFrame) -> go.Figure:
    """Age of each item in progress by status; older than P85 in amber.
    frame: flow/wip_age.sql (one scope)."""
    aged = frame[frame["age_days"].notna()]
    if aged.empty:
        return _empty("Nothing in progress with a start date")
    colours = [
        RAG_COLOURS["Amber"] if bool(o) else LINE_COLOURS["planned"]
        for o in aged["is_older_than_p85"].fillna(False)
    ]
    fig = go.Figure()
    fig.add_scatter(
        x=[esc(s) for s in aged["status"]],
        y=aged["age_days"],
        mode="markers",
        text=[f"{esc(k)} · {esc(t)}" for k, t in zip(aged["item_key"], aged["title"], strict=True)],
        customdata=aged[["project_id"]].to_numpy(),
        hovertemplate="%{text}<br>%{x}: %{y} days in progress<extra></extra>",
        marker={
            "color": colours,
            "size": 9,
            "symbol": ["triangle-up" if c != LINE_COLOURS["planned"] else "circle" for c in colours],
        },
        name="In progress",
    )
    p85 = aged["cycle_time_p85"].dropna()
    if not p85.empty:
        fig.add_hline(
            y=float(p85.iloc[0]), line_dash="dash", annotation_text=f"cycle time P85: {int(p85.iloc[0])} days"
        )
    fig.update_layout(
        **base_layout(), yaxis_title="Age (days, inclusive)", xaxis_title="Status", showlegend=False
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
    fig.update_layout(**base_layout(), yaxis_title="Items", xaxis_title=None)
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
        **base_layout(), yaxis_title="Runs", xaxis_title="Remaining items done by", showlegend=False
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
        **base_layout(), xaxis_title="Backlog reported in the week of", yaxis_title="Forecast done by"
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
