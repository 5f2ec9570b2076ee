"""Prioritisation charts: pure functions, data in, plotly Figure out (epmo.theme layout)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from epmo import settings
from epmo.capacity import band_index, bands, pct_label
from epmo.capacity_charts import band_scale
from epmo.labels import count
from epmo.safe_text import plotly as esc
from epmo.theme import base_layout

PALETTE = ("#1565C0", "#2E7D32", "#F9A825", "#6A1B9A", "#00838F", "#EF6C00", "#AD1457", "#4E342E")


def _layout(height: int) -> dict[str, object]:
    return base_layout() | {"height": height}


def score_breakdown(ranked: pd.DataFrame, top: int = 25) -> go.Figure:
    """Horizontal stacked bars: each of the top projects' score split by criterion.

    ranked: scoring.score output (rank, project_id, project_name, score, *_contribution or
    *_factor columns). Multiplicative models (rice) show the score alone.
    """
    part = ranked[ranked["is_scored"]].head(top).iloc[::-1]
    labels = [
        f"#{r}  {p}  {n}"[:48]
        for r, p, n in zip(part["rank"], part["project_id"], part["project_name"], strict=True)
    ]
    fig = go.Figure()
    parts = [c for c in ranked.columns if c.endswith("_contribution")]
    if parts:
        for i, col in enumerate(parts):
            name = col.removesuffix("_contribution").replace("_", " ")
            fig.add_bar(
                y=labels,
                x=part[col],
                name=name,
                orientation="h",
                marker_color=PALETTE[i % len(PALETTE)],
                hovertemplate="%{y}<br>" + name + ": %{x:.3g}<extra></extra>",
            )
    else:
        fig.add_bar(
            y=labels,
            x=part["score"],
            name="score",
            orientation="h",
            marker_color=PALETTE[0],
            hovertemplate="%{y}<br>score: %{x:,.4~r}<extra></extra>",
        )
    fig.update_layout(
        **_layout(max(320, 26 * len(part) + 120)),
        barmode="relative",
        xaxis_title="Score (sum of criterion contributions)" if parts else "Score",
        yaxis={"automargin": True, "tickfont": {"size": 11}},
        legend_title_text="Criterion",
    )
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return fig


def rank_ranges(sens: pd.DataFrame, top: int = 40) -> go.Figure:
    """Rank range per project under weight perturbations: min-max bar, median, base rank.

    sens: scoring.sensitivity output. Rank 1 at the top.
    """
    part = sens.head(top)
    labels = [f"{p}  {n}"[:40] for p, n in zip(part["project_id"], part["project_name"], strict=True)]
    fig = go.Figure()
    fig.add_bar(
        y=labels,
        x=part["rank_max"] - part["rank_min"] + 0.0001,
        base=part["rank_min"] - 0.0,
        orientation="h",
        name="rank range (min to max)",
        marker_color="rgba(21,101,192,0.35)",
        marker_line_color=PALETTE[0],
        marker_line_width=1,
        customdata=np.column_stack([part["rank_min"], part["rank_max"]]),
        hovertemplate="%{y}<br>rank %{customdata[0]} to %{customdata[1]}<extra></extra>",
    )
    fig.add_scatter(
        y=labels,
        x=part["rank_median"],
        mode="markers",
        name="median rank",
        marker={"symbol": "line-ns-open", "size": 14, "color": PALETTE[0], "line": {"width": 3}},
        hovertemplate="%{y}<br>median rank %{x}<extra></extra>",
    )
    fig.add_scatter(
        y=labels,
        x=part["base_rank"],
        mode="markers",
        name="rank with the model's weights",
        marker={"symbol": "diamond", "size": 9, "color": settings.current().priority.current_colour},
        hovertemplate="%{y}<br>base rank %{x}<extra></extra>",
    )
    fig.update_layout(
        **_layout(max(320, 22 * len(part) + 140)),
        xaxis_title="Rank (1 = first)",
        yaxis={"autorange": "reversed", "automargin": True, "tickfont": {"size": 11}},
    )
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return fig


def frontier_chart(
    front: pd.DataFrame,
    current: tuple[float, float, int] | None = None,
    selected: tuple[float, float, int] | None = None,
) -> go.Figure:
    """Efficient frontier: best total score per budget level, with the current portfolio
    (cost, score, count of work in flight) and the selected portfolio marked."""
    ok = front[front["is_feasible"]]
    fig = go.Figure()
    fig.add_scatter(
        x=ok["budget"],
        y=ok["best_total_score"],
        mode="lines+markers",
        line_shape="hv",
        name="best total score for the budget",
        marker_color=settings.current().priority.selected_colour,
        customdata=[count(int(n), "project") for n in ok["project_count"]],
        hovertemplate="budget %{x:,.0f}<br>best total score %{y:,.4~r}<br>%{customdata}<extra></extra>",
    )
    if current is not None:
        fig.add_scatter(
            x=[current[0]],
            y=[current[1]],
            mode="markers+text",
            name="current portfolio (in flight)",
            text=[f"current: {count(current[2], 'project')}"],
            textposition="bottom right",
            marker={"symbol": "x", "size": 14, "color": settings.current().priority.current_colour},
            hovertemplate="current portfolio<br>cost %{x:,.0f}<br>total score %{y:,.4~r}<extra></extra>",
        )
    if selected is not None:
        fig.add_scatter(
            x=[selected[0]],
            y=[selected[1]],
            mode="markers+text",
            name="selected portfolio",
            text=[f"selected: {count(selected[2], 'project')}"],
            textposition="top left",
            marker={"symbol": "star", "size": 16, "color": "#2E7D32"},
            hovertemplate="selected portfolio<br>cost %{x:,.0f}<br>total score %{y:,.4~r}<extra></extra>",
        )
    fig.update_layout(**_layout(420), xaxis_title="Budget (cost of the selection)", yaxis_title="Total score")
    return fig


def capacity_use(use: pd.DataFrame) -> go.Figure:
    """Heatmap: share of capacity the selection and the projects outside it (whose hours stay
    theirs, as the capacity constraint counts them) use per role and month (100 % = full), in
    the utilisation bands and colours of the Capacity heatmap (settings [capacity]), so that
    the same share has the same colour on both pages; each cell reads its share.

    use: role, period, used_pct (NaN: the role has no capacity that month).
    """
    b = bands()
    pivot = use.pivot_table(
        index="role", columns="period", values="used_pct", aggfunc="first", sort=False, dropna=False
    )
    pct = pivot.to_numpy(dtype="float")
    band = [[band_index(v, b) for v in row] for row in pct]
    names = [b.no_capacity, *b.names]  # by band + 1
    text = [["no cap" if v != v else pct_label(v, b.limits_pct) for v in row] for row in pct]
    hover = [
        [
            b.no_capacity if i < 0 else f"{t} of capacity ({names[i + 1]})"
            for t, i in zip(t_row, b_row, strict=True)
        ]
        for t_row, b_row in zip(text, band, strict=True)
    ]
    scale, n_colours = band_scale(b)
    fig = go.Figure(
        go.Heatmap(
            z=[[i + 1 for i in row] for row in band],  # 0 = no capacity: the heatmap's scale
            x=list(pivot.columns),
            y=[esc(r) for r in pivot.index],
            zmin=0,
            zmax=n_colours,
            colorscale=scale,
            showscale=False,
            xgap=2,
            ygap=2,
            text=text,
            texttemplate="%{text}",
            customdata=hover,
            hovertemplate="%{y} · %{x}: %{customdata}<extra></extra>",
        )
    )
    # the first role at the top, as on the Capacity heatmap
    fig.update_layout(
        **_layout(max(260, 34 * len(pivot) + 120)), yaxis={"automargin": True, "autorange": "reversed"}
    )
    return fig


def rank_changes(compare: pd.DataFrame, name_a: str, name_b: str, top: int = 25) -> go.Figure:
    """Slope chart: each project's rank under model A (left) and model B (right), for the
    projects in the top `top` of either; green lines move up under B, red down, grey level.

    compare: scoring.compare output (project_id, project_name, rank_a, rank_b, rank_change).
    """
    part = compare[(compare["rank_a"] <= top) | (compare["rank_b"] <= top)].dropna(
        subset=["rank_a", "rank_b"]
    )
    fig = go.Figure()
    colours = {
        1: settings.current().theme.green,
        -1: settings.current().theme.red,
        0: settings.current().theme.grey,
    }
    for row in part.itertuples(index=False):
        sign = int(np.sign(row.rank_change))
        fig.add_scatter(
            x=[name_a, name_b],
            y=[row.rank_a, row.rank_b],
            mode="lines+markers",
            line={"color": colours[sign], "width": 1.5},
            marker={"size": 6, "color": colours[sign]},
            showlegend=False,
            hovertemplate=f"{esc(row.project_id)} {esc(row.project_name)}<br>%{{x}}: rank %{{y}}<extra></extra>",
        )
    fig.update_layout(
        **_layout(max(360, 16 * top + 120)),
        yaxis={"autorange": "reversed", "title": "Rank (1 = first)"},
        xaxis={"type": "category"},
    )
    return fig
