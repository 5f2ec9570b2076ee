"""Chart builders: pure functions, data in, plotly Figure out. One theme for all."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd
import plotly.colors
import plotly.graph_objects as go

from epmo import labels
from epmo.safe_text import LINE_BREAK
from epmo.safe_text import plotly as esc
from epmo.settings import health_rules
from epmo.theme import (
    CONCERN_SCALE,
    LINE_COLOURS,
    RAG_COLOURS,
    RAG_LETTERS,
    RAG_ORDER,
    RAG_SYMBOLS,
    STATUS_COLOURS,
    base_layout,
)

WEEK_MS = 7 * 24 * 3600 * 1000
# Series told apart by colour (plotly's qualitative palette, the charts' default), and within
# one colour by line style and marker (the milestones of one project).
SERIES_COLOURS = tuple(plotly.colors.qualitative.Plotly)
MILESTONE_DASHES = ("solid", "dash", "dot", "dashdot", "longdash")
MILESTONE_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x")


# plotly's own ticks a month or more apart (dtick "M1", "M3", ...) read as months
MONTH_TICKS: list[dict[str, Any]] = [{"dtickrange": ["M1", None], "value": "%b %Y"}]


def date_axis(dates: Any, pad_days: int = 7, title: str | None = None) -> dict[str, Any]:
    """An x axis of dates that reads well however few there are: a project's first week
    (one point) gets a fortnight around it with weekly ticks, not plotly's hours of a
    single day; a long history keeps plotly's own ticks. Dates read as 20 Nov 2026; ticks a
    month or more apart, which fall on the first of a month, as Mar 2026 (MONTH_TICKS): "01 Mar
    2026" every quarter turned aslant in a half-width chart at 1024 px."""
    values = pd.to_datetime(pd.Series(list(dates)), errors="coerce").dropna()
    axis: dict[str, Any] = {"title": title, "tickformat": "%d %b %Y", "tickformatstops": MONTH_TICKS}
    if values.empty:
        return axis
    lo, hi = values.min(), values.max()
    if (hi - lo).days < 3 * pad_days:
        pad = pd.Timedelta(days=max(pad_days, (3 * pad_days - (hi - lo).days) // 2 + 1))
        axis["range"] = [lo - pad, hi + pad]
        axis["dtick"] = WEEK_MS if pad_days <= 7 else "M1"
        axis["tickformat"] = "%d %b %Y" if pad_days <= 7 else "%b %Y"
        axis["tickformatstops"] = []  # the ticks set here, in the format set here
    return axis


def hline(fig: go.Figure, y: float, line: dict[str, Any], text: str | None = None) -> None:
    """A line across the plot at `y`, with `text` above its left end: the shape and note
    plotly's add_hline(annotation_position="top left") makes, without its path look-ups
    (40 ms a line: the Project page's budget line cost more than its data)."""
    fig.add_shape(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=y, y1=y, line=line)
    if text is not None:
        fig.add_annotation(
            text=text, xref="x domain", x=0, xanchor="left", yref="y", y=y, yanchor="bottom", showarrow=False
        )


def vline(fig: go.Figure, x: float, line: dict[str, Any]) -> None:
    """A line up the plot at `x` (what add_vline makes)."""
    fig.add_shape(type="line", yref="y domain", y0=0, y1=1, xref="x", x0=x, x1=x, line=line)


def projects_by_stage(frame: pd.DataFrame) -> go.Figure:
    """Stacked horizontal bars: projects per stage (first stage on top), stacked by declared
    overall RAG. Horizontal so every stage name reads in full at any width (upright bars
    rotated, cut and overlapped them: "Clos"/"Clos" for Closing and Closed at 1024 px).

    frame: stage, stage_order, rag_overall, project_count (queries/home/projects_by_stage.sql)
    """
    fig = go.Figure()
    stages = frame.sort_values("stage_order")["stage"].drop_duplicates().tolist()
    for rag in [*RAG_ORDER, None]:
        part = frame[frame["rag_overall"].isna()] if rag is None else frame[frame["rag_overall"] == rag]
        counts = part.groupby("stage")["project_count"].sum().reindex(stages, fill_value=0)
        if rag is None and counts.sum() == 0:
            continue
        fig.add_bar(
            y=stages,
            x=counts.values,
            orientation="h",
            name=rag or "No RAG",
            marker_color=RAG_COLOURS.get(rag or "", "#BDBDBD"),
            text=[str(v) if v else "" for v in counts.values],
            textposition="inside",
            textangle=0,  # upright, never turned to fit a thin bar
            insidetextanchor="middle",
            hovertemplate="%{y}<br>" + (rag or "No RAG") + ": %{x} projects<extra></extra>",
        )
    # each bar's total past its end: a count too small for its segment is hidden (below), and
    # presented at the slide's type size most of Closing's and Initiation's were
    totals = frame.groupby("stage")["project_count"].sum().reindex(stages, fill_value=0)
    fig.add_scatter(
        x=totals.values,
        y=stages,
        mode="text",
        text=[f" {v:,}" for v in totals.values],
        textposition="middle right",
        showlegend=False,
        hoverinfo="skip",
        cliponaxis=False,
    )
    layout = base_layout()
    layout["height"] = max(260, 110 + 34 * len(stages))
    layout["legend"] = {**layout["legend"], "traceorder": "normal"}  # Red first, as the bars stack
    fig.update_layout(
        **layout,
        barmode="stack",
        xaxis={"title": "Projects", "range": [0, float(totals.max() or 1) * 1.12]},  # room for the totals
        yaxis={"title": None, "categoryorder": "array", "categoryarray": stages, "autorange": "reversed"},
        legend_title_text="Declared RAG",
        # a count too small for its bar is left to the hover, not drawn at 6 px
        uniformtext={"minsize": 11, "mode": "hide"},
    )
    return fig


def _rag_key(value: object) -> str:
    return value if isinstance(value, str) and value in RAG_COLOURS else ""


# the RAG matrix's colour: the share of its projects that are Red, from white (none) to the
# theme's red (all). A mix of red and amber read as one colour, (R + A/2) / n, made 54 % Red
# look "all Amber" and half Red, half Green look the same as all Amber.
RED_SHARE_SCALE = [[0.0, "#FFFFFF"], [1.0, RAG_COLOURS["Red"]]]


def rag_matrix(frame: pd.DataFrame) -> go.Figure:
    """Groups (rows) x RAG dimensions (columns); cell colour = the share Red, text = the counts.

    frame: group_name, dimension, dimension_order, rag, project_count (health/rag_matrix.sql)
    """
    if frame.empty:
        return _empty("No RAG statuses for this selection")
    dims = frame.sort_values("dimension_order")["dimension"].drop_duplicates().tolist()
    groups = sorted(frame["group_name"].unique().tolist(), reverse=True)
    counts = frame.pivot_table(
        index=["group_name", "dimension"], columns="rag", values="project_count", aggfunc="sum", fill_value=0
    )
    for rag in RAG_ORDER:
        if rag not in counts.columns:
            counts[rag] = 0
    z, text, counts_rag = [], [], []
    for g in groups:
        zr, tr, hr = [], [], []
        for d in dims:
            row = counts.loc[(g, d)] if (g, d) in counts.index else None
            red, amber, green = (int(row[r]) for r in RAG_ORDER) if row is not None else (0, 0, 0)
            total = red + amber + green
            zr.append(red / total if total else None)
            # one count a line: "R 31 · A 11 · G 17" on one line ran into the next cell
            tr.append(LINE_BREAK.join([f"R {red}", f"A {amber}", f"G {green}"]) if total else "")
            hr.append([red, amber, green])
        z.append(zr)
        text.append(tr)
        counts_rag.append(hr)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=dims,
            y=groups,
            text=text,
            texttemplate="%{text}",  # no textfont size: plotly fits the lines to the cells
            customdata=counts_rag,
            hovertemplate="%{y}<br>%{x}: %{customdata[0]} red, %{customdata[1]} amber, "
            "%{customdata[2]} green (%{z:.0%} red)<extra></extra>",
            colorscale=RED_SHARE_SCALE,
            zmin=0,
            zmax=1,
            xgap=3,
            ygap=3,
            colorbar={
                "title": {"text": "Red", "side": "top"},
                "tickvals": [0, 0.5, 1],
                "ticktext": ["0 %", "50 %", "100 %"],
                "thickness": 14,
            },
        )
    )
    layout = base_layout()
    layout["height"] = max(260, 90 + 64 * len(groups))  # three lines of 13 px a cell
    layout["margin"] = {"l": 10, "r": 10, "t": 40, "b": 10}
    fig.update_layout(
        **layout, xaxis={"side": "top", "tickfont": {"size": 14}}, yaxis={"tickfont": {"size": 14}}
    )
    return fig


EDGE_PAD = 0.05  # of the CPI/SPI axes' span, beyond the edge where outliers are drawn


def evm_quadrant(frame: pd.DataFrame, colour_by: str = "rag_computed") -> go.Figure:
    """CPI (y) against SPI (x), bubble size BAC, colour and shape by RAG.

    frame: project_id, project_name, spi, cpi, bac, rag_computed, rag_declared
    (health/project_health.sql). Projects without both indices are left out (counted in
    the title).
    """
    data = frame.dropna(subset=["cpi", "spi"])
    left_out = len(frame) - len(data)
    if data.empty:
        return _empty("No project has both CPI and SPI")
    # The axes show the interesting band; projects beyond it sit on its edge (hover has the
    # true values) so one outlier does not squash the rest.
    values = data[["cpi", "spi"]].stack()
    lo = max(0.4, min(0.8, float(values.quantile(0.02)) - 0.05))
    hi = min(1.6, max(1.2, float(values.quantile(0.98)) + 0.05))
    # ... and are marked so: an open marker (the RAG's shape kept), drawn whole over the axis
    # line, a note in the hover and a count in the title
    beyond = ~(data["spi"].between(lo, hi) & data["cpi"].between(lo, hi))
    fig = go.Figure()
    size_ref = 2.0 * float(data["bac"].max() or 1) / (42**2)
    for rag in [*RAG_ORDER, ""]:
        part = data[data[colour_by].map(_rag_key) == rag]
        if part.empty:
            continue
        out = beyond[part.index]
        fig.add_scatter(
            x=part["spi"].clip(lo, hi),
            y=part["cpi"].clip(lo, hi),
            mode="markers",
            name=rag or "Not judged",
            cliponaxis=False,
            marker={
                "size": part["bac"].fillna(0).clip(lower=0),
                "sizemode": "area",
                "sizeref": size_ref,
                "sizemin": 5,
                "color": RAG_COLOURS[rag],
                "symbol": [RAG_SYMBOLS[rag] + ("-open" if o else "") for o in out],
                "line": {"width": [2 if o else 1 for o in out], "color": "white"},
                "opacity": 0.8,
            },
            customdata=part[["project_id", "project_name", "bac", "spi", "cpi"]]
            .assign(note=np.where(out, LINE_BREAK + "beyond the axis: drawn at its edge", ""))
            .to_numpy(),
            hovertemplate="%{customdata[0]} %{customdata[1]}<br>SPI %{customdata[3]:.2f} · "
            "CPI %{customdata[4]:.2f}<br>BAC %{customdata[2]:,.0f}%{customdata[5]}<extra></extra>",
        )
    hline(fig, 1, {"color": "#616161", "width": 1})
    vline(fig, 1, {"color": "#616161", "width": 1})
    for text, x, y in (
        ("behind, under budget", lo, hi),
        ("ahead, under budget", hi, hi),
        ("behind, over budget", lo, lo),
        ("ahead, over budget", hi, lo),
    ):
        fig.add_annotation(
            x=x,
            y=y,
            text=text,
            showarrow=False,
            font={"color": "#757575", "size": 12},
            xanchor="left" if x == lo else "right",
            yanchor="top" if y == hi else "bottom",
        )
    legend = {"RAG": "rag_computed", "Declared": "rag_declared"}
    layout = base_layout()
    if beyond.any():  # room for the title's second line
        layout["margin"] = {**layout["margin"], "t": 52}
    fig.update_layout(
        **layout,
        # a margin past the edge: the markers drawn on it covered the axis' tick labels
        xaxis={"title": "SPI (schedule)", "range": [lo - EDGE_PAD * (hi - lo), hi + EDGE_PAD * (hi - lo)]},
        yaxis={"title": "CPI (cost)", "range": [lo - EDGE_PAD * (hi - lo), hi + EDGE_PAD * (hi - lo)]},
        legend_title_text=("Computed RAG" if colour_by == legend["RAG"] else "Declared RAG"),
        title={
            "text": f"{len(data)} projects"
            + (f"; {left_out} more without CPI or SPI are not plotted" if left_out else "")
            + (
                f"<br>{n} beyond the axes, shown at the edge as open markers"
                if (n := int(beyond.sum()))
                else ""
            ),
            "font": {"size": 13},
        },
    )
    return fig


def budget_burn(frame: pd.DataFrame, as_of: object = None) -> go.Figure:
    """S-curves: cumulative planned, actual and forecast cost by month, with the budget.

    frame: month_date, planned_cumulative, actual_cumulative, forecast_cumulative,
    budget_bac_total (health/budget_burn.sql)
    """
    if frame.empty:
        return _empty("No time-phased financials for this selection")
    fig = go.Figure()
    for col, name, dash in (
        ("planned_cumulative", "Planned", "solid"),
        ("actual_cumulative", "Actual", "solid"),
        ("forecast_cumulative", "Forecast", "dash"),
    ):
        key = name.lower()
        fig.add_scatter(
            x=frame["month_date"],
            y=frame[col],
            name=name,
            mode="lines",
            line={"color": LINE_COLOURS[key], "dash": dash, "width": 3 if key == "actual" else 2},
            hovertemplate="%{x|%b %Y}<br>" + name + " %{y:,.0f}<extra></extra>",
        )
    bac = frame["budget_bac_total"].dropna()
    if len(bac):
        hline(fig, float(bac.iloc[0]), {"color": LINE_COLOURS["budget"], "dash": "dot"}, "Budget (BAC)")
    if as_of is not None:
        vline(fig, pd.Timestamp(as_of).timestamp() * 1000, {"color": "#9E9E9E", "dash": "dot"})
    fig.update_layout(
        **base_layout(),
        yaxis={"title": "Cumulative cost", "rangemode": "tozero"},  # spend starts at nothing
        xaxis=date_axis(frame["month_date"], pad_days=31),
    )
    return fig


def milestone_trend(frame: pd.DataFrame) -> go.Figure:
    """Milestone trend analysis: forecast date (y) as reported each week (x); flat is on
    track, rising is slipping. The diagonal is "due now".

    frame: report_date, project_id, milestone_id, milestone_name, baseline_date, forecast_date
    (health/milestone_trend.sql)
    """
    if frame.empty:
        return _empty("No key milestones reported for this selection")
    fig = go.Figure()
    # A colour per project and a line style and marker per milestone of it: 18 milestones on
    # plotly's 10 colours drew unrelated lines alike; now a project's lines share a colour.
    projects: dict[str, int] = {}
    seen: dict[str, int] = {}
    for (pid, _mid), part in frame.groupby(["project_id", "milestone_id"], sort=True):
        name = f"{pid} · {part['milestone_name'].iloc[-1]}"
        colour = SERIES_COLOURS[projects.setdefault(str(pid), len(projects)) % len(SERIES_COLOURS)]
        k = seen[str(pid)] = seen.get(str(pid), -1) + 1
        fig.add_scatter(
            x=part["report_date"],
            y=part["forecast_date"],
            mode="lines+markers",
            name=name,  # escaped with every label when shown (safe_text.figure)
            legendgroup=str(pid),
            line={"color": colour, "dash": MILESTONE_DASHES[k % len(MILESTONE_DASHES)]},
            marker={"size": 6, "color": colour, "symbol": MILESTONE_SYMBOLS[k % len(MILESTONE_SYMBOLS)]},
            hovertemplate=esc(name) + "<br>reported %{x|%d %b %Y}: due %{y|%d %b %Y}<extra></extra>",
        )
    # over the weeks reported only: drawn out to the latest forecast, it stretched the x axis
    # a year past the last report and squeezed the lines into its first half
    lo, hi = frame["report_date"].min(), frame["report_date"].max()
    fig.add_scatter(
        x=[lo, hi],
        y=[lo, hi],
        mode="lines",
        name="Due now",
        line={"color": "#BDBDBD", "dash": "dot"},
        hoverinfo="skip",
    )
    layout = base_layout()
    layout["legend"] = {"orientation": "v", "x": 1.02, "y": 1}
    layout["margin"] = {"l": 40, "r": 10, "t": 30, "b": 40}
    fig.update_layout(
        **layout,
        xaxis=date_axis(frame["report_date"], title="Reported in the week of"),
        yaxis_title="Forecast date",
    )
    return fig


def raid_heat_grid(frame: pd.DataFrame) -> go.Figure:
    """Open risks by probability (y) and impact (x); colour by score, text = count.

    frame: probability, impact, risk_score, risk_count (health/raid_heat_grid.sql)
    """
    grid = frame.pivot_table(index="probability", columns="impact", values="risk_count", fill_value=0)
    score = frame.pivot_table(index="probability", columns="impact", values="risk_score", fill_value=0)
    fig = go.Figure(
        go.Heatmap(
            z=score.to_numpy() / 25.0,
            x=[str(c) for c in grid.columns],
            y=[str(i) for i in grid.index],
            text=grid.to_numpy(),
            texttemplate="%{text}",
            customdata=score.to_numpy(),
            hovertemplate="probability %{y} x impact %{x} = %{customdata}<br>%{text} open risks<extra></extra>",
            colorscale=CONCERN_SCALE,
            zmin=0,
            zmax=1,
            showscale=False,
            xgap=3,
            ygap=3,
        )
    )
    layout = base_layout()
    layout["height"] = 340
    fig.update_layout(**layout, xaxis_title="Impact", yaxis_title="Probability")
    return fig


DEPENDENCY_NETWORK_LIMIT = 60  # more projects than this and a network is a tangle


def dependency_matrix(frame: pd.DataFrame) -> go.Figure:
    """Open dependencies by portfolio: rows the portfolio that needs, columns the portfolio
    it depends on; each cell counts them and says how many are late or at risk. Readable
    at any number of projects (the network is not, past a few dozen).

    frame: portfolio, related_portfolio, dependency_status (health/dependencies.sql)
    """
    if frame.empty:
        return _empty("No open cross-project dependencies")
    f = frame.assign(
        needs=frame["portfolio"].fillna("(outside the portfolio)"),
        on=frame["related_portfolio"].fillna("(outside the portfolio)"),
        bad=frame["dependency_status"].isin(["late", "at risk"]),
        late=frame["dependency_status"] == "late",
    )
    g = (
        f.groupby(["needs", "on"])
        .agg(n=("bad", "size"), bad=("bad", "sum"), late=("late", "sum"))
        .reset_index()
    )
    rows = sorted(g["needs"].unique(), reverse=True)
    cols = sorted(g["on"].unique())
    # the column names wrapped at spaces into lines of 14 characters or so: on one line,
    # six portfolios' names were turned aslant at 1024 px
    heads = [LINE_BREAK.join(textwrap.wrap(str(c), 14, break_long_words=False)) or str(c) for c in cols]
    if len(set(heads)) < len(heads):  # two names apart only in their spaces: as they are
        heads = [str(c) for c in cols]
    z: list[list[int | None]] = [[None] * len(cols) for _ in rows]
    text = [[""] * len(cols) for _ in rows]
    for r in g.itertuples():
        i, j = rows.index(r.needs), cols.index(r.on)
        z[i][j] = int(r.bad)
        # one short line each (the longest line sets the size plotly fits the text to:
        # "4 late, 1 at risk" on one line was drawn at 7 px in a 1024 px screen's cells)
        late, at_risk = int(r.late), int(r.bad - r.late)
        text[i][j] = LINE_BREAK.join(
            [f"{int(r.n)} open"]
            + ([f"{late} late"] if late else [])
            + ([f"{at_risk} at risk"] if at_risk else [])
        )
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=heads,
            y=rows,
            text=text,
            texttemplate="%{text}",
            colorscale=[[0, "#F1F8E9"], [0.5, RAG_COLOURS["Amber"]], [1, RAG_COLOURS["Red"]]],
            showscale=False,
            hovertemplate="%{y} needs %{x}<br>%{text}<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    layout = base_layout()
    layout["height"] = max(260, 110 + 64 * len(rows))  # three lines of 13 px a cell
    fig.update_layout(
        **layout,
        xaxis={"title": "depends on (portfolio)", "side": "top", "tickangle": 0},
        yaxis={"title": "needs (portfolio)"},
    )
    return fig


def dependency_network(frame: pd.DataFrame) -> go.Figure:
    """The late and at-risk chains only, as a labelled network: projects as nodes (grouped
    by portfolio on a circle), dependencies as arrows coloured by status. Past
    DEPENDENCY_NETWORK_LIMIT projects it would be a tangle: it says so and the matrix
    (dependency_matrix) and the table carry the detail.

    frame: project_id, portfolio, related_project_id, related_portfolio, dependency_status,
    title, need_by_date (health/dependencies.sql)
    """
    frame = frame[frame["dependency_status"].isin(["late", "at risk"])] if not frame.empty else frame
    if frame.empty:
        return _empty("No late or at-risk dependency chains")
    involved = set(frame["project_id"]) | set(frame["related_project_id"])
    if len(involved) > DEPENDENCY_NETWORK_LIMIT:
        return _empty(
            f"{len(involved)} projects are in late or at-risk chains: too many to draw. "
            "See the matrix above and the table below."
        )
    nodes = pd.concat(
        [
            frame[["project_id", "portfolio"]],
            frame[["related_project_id", "related_portfolio"]].set_axis(["project_id", "portfolio"], axis=1),
        ]
    ).drop_duplicates("project_id")
    nodes["portfolio"] = nodes["portfolio"].fillna("(outside the portfolio)")
    nodes = nodes.sort_values(["portfolio", "project_id"]).reset_index(drop=True)
    angle = 2 * np.pi * np.arange(len(nodes)) / max(len(nodes), 1)
    pos = {
        pid: (float(np.cos(a)), float(np.sin(a))) for pid, a in zip(nodes["project_id"], angle, strict=True)
    }
    fig = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        part = frame[frame["dependency_status"] == status]
        if part.empty:
            continue
        xs: list[float | None] = []
        ys: list[float | None] = []
        for a, b in zip(part["project_id"], part["related_project_id"], strict=True):
            xs += [pos[a][0], pos[b][0], None]
            ys += [pos[a][1], pos[b][1], None]
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="lines",
            name=f"{status} ({len(part)})",
            line={
                "color": colour,
                "width": 2.5 if status != "on track" else 1,
                "dash": "solid" if status == "late" else ("dash" if status == "at risk" else "dot"),
            },
            hoverinfo="skip",
        )
        # arrow heads: a marker near the project depended upon
        ax = [
            pos[a][0] * 0.15 + pos[b][0] * 0.85
            for a, b in zip(part["project_id"], part["related_project_id"], strict=True)
        ]
        ay = [
            pos[a][1] * 0.15 + pos[b][1] * 0.85
            for a, b in zip(part["project_id"], part["related_project_id"], strict=True)
        ]
        fig.add_scatter(
            x=ax,
            y=ay,
            mode="markers",
            showlegend=False,
            marker={"color": colour, "size": 9, "symbol": "arrow", "angleref": "previous"},
            text=[
                f"{a} needs {b} by {d}: {t}"
                for a, b, d, t in zip(
                    part["project_id"],
                    part["related_project_id"],
                    part["need_by_date"],
                    part["title"],
                    strict=True,
                )
            ],
            hovertemplate="%{text}<extra>" + status + "</extra>",
        )
    palette = ["#1565C0", "#6A1B9A", "#00838F", "#EF6C00", "#4E342E", "#558B2F", "#AD1457"]
    for i, (portfolio, part) in enumerate(nodes.groupby("portfolio", sort=True)):
        fig.add_scatter(
            x=[pos[p][0] for p in part["project_id"]],
            y=[pos[p][1] for p in part["project_id"]],
            mode="markers+text",
            name=portfolio,
            text=part["project_id"],
            textposition="top center",
            textfont={"size": 10},
            marker={"size": 11, "color": palette[i % len(palette)]},
            customdata=part["project_id"],
            hovertemplate="%{customdata}<extra>" + esc(portfolio) + "</extra>",
        )
    layout = base_layout()
    layout["height"] = 560
    layout["legend"] = {"orientation": "v", "x": 1.02, "y": 1}
    fig.update_layout(
        **layout,
        xaxis={"visible": False, "range": [-1.25, 1.25]},
        yaxis={"visible": False, "range": [-1.2, 1.2], "scaleanchor": "x"},
    )
    return fig


def change_counts(frame: pd.DataFrame) -> go.Figure:
    """How many changes of each kind (health/changes.sql rows)."""
    if frame.empty:
        return _empty("Nothing changed between these snapshots")
    counts = frame["change_type"].value_counts().sort_values()
    fig = go.Figure(
        go.Bar(
            x=counts.values,
            y=[labels.text("change_type", c) for c in counts.index],
            orientation="h",
            marker_color=LINE_COLOURS["planned"],
            text=counts.values,
            textposition="outside",
            cliponaxis=False,  # a count past the axis's end is drawn in the margin, never cut
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    layout = base_layout()
    layout["height"] = max(220, 40 + 30 * len(counts))
    # room for the longest count beside its bar however narrow the chart (a 1024 px screen
    # gives it 200 px: "343" was cut to "34")
    layout["margin"] = {**layout["margin"], "r": 12 + 8 * len(f"{int(counts.max()):,}")}
    fig.update_layout(
        **layout,
        xaxis={"title": "Changes", "range": [0, float(counts.max()) * 1.18], "nticks": 4},
        yaxis_title=None,
    )
    return fig


def index_history(frame: pd.DataFrame) -> go.Figure:
    """A project's CPI and SPI by week, with the amber and red limits.

    frame: week_date, cpi, spi (project/health_history.sql); limits from settings.
    """
    if frame.empty:
        return _empty("No history")
    fig = go.Figure()
    for col, name, colour in (
        ("cpi", "CPI", LINE_COLOURS["actual"]),
        ("spi", "SPI", LINE_COLOURS["planned"]),
    ):
        fig.add_scatter(
            x=frame["week_date"],
            y=frame[col],
            name=name,
            mode="lines+markers",
            marker={"size": 5},
            line={"color": colour},
            hovertemplate="%{x|%d %b %Y}<br>" + name + " %{y:.2f}<extra></extra>",
        )
    rules = health_rules()
    fig.add_hrect(y0=0, y1=rules["cpi_red_below"], fillcolor=RAG_COLOURS["Red"], opacity=0.07, line_width=0)
    fig.add_hrect(
        y0=rules["cpi_red_below"],
        y1=rules["cpi_amber_below"],
        fillcolor=RAG_COLOURS["Amber"],
        opacity=0.09,
        line_width=0,
    )
    values = frame[["cpi", "spi"]].stack()
    lo = min(0.6, float(values.min()) - 0.05) if len(values) else 0.6
    hi = max(1.2, float(values.max()) + 0.05) if len(values) else 1.2
    layout = base_layout()
    layout["height"] = 300
    fig.update_layout(
        **layout, yaxis={"title": "Index", "range": [lo, hi]}, xaxis=date_axis(frame["week_date"])
    )
    return fig


def rag_history(frame: pd.DataFrame) -> go.Figure:
    """Declared and computed RAG by week as two rows of coloured, lettered marks.

    frame: week_date, rag_declared, rag_computed, rag_reasons (project/health_history.sql)
    """
    if frame.empty:
        return _empty("No history")
    fig = go.Figure()
    lettered = len(frame) <= 20
    for col, row in (("rag_declared", "Declared"), ("rag_computed", "Computed")):
        keys = frame[col].map(_rag_key)
        fig.add_scatter(
            x=frame["week_date"],
            y=[row] * len(frame),
            mode="markers+text" if lettered else "markers",
            showlegend=False,
            marker={
                "size": 18 if lettered else 11,
                "symbol": [RAG_SYMBOLS[k] for k in keys],
                "color": [RAG_COLOURS[k] for k in keys],
            },
            text=[RAG_LETTERS[k] for k in keys],
            textfont={"color": "white", "size": 10},
            customdata=frame["rag_reasons"].fillna("") if col == "rag_computed" else frame[col].fillna(""),
            hovertemplate="%{x|%d %b %Y}: %{customdata}<extra>" + row + "</extra>",
        )
    for rag in (*RAG_ORDER, ""):
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=rag or "Not judged",
            marker={"size": 10, "symbol": RAG_SYMBOLS[rag], "color": RAG_COLOURS[rag]},
        )
    layout = base_layout()
    layout["height"] = 200
    layout["margin"] = {"l": 80, "r": 20, "t": 10, "b": 30}
    layout["legend"] = {"orientation": "h", "y": -0.3}
    fig.update_layout(
        **layout,
        yaxis={"categoryorder": "array", "categoryarray": ["Computed", "Declared"]},
        xaxis=date_axis(frame["week_date"]),
    )
    return fig


def submission_mix(frame: pd.DataFrame) -> go.Figure:
    """Projects by submission status (health/submission_status.sql rows), per portfolio."""
    if frame.empty:
        return _empty("No projects")
    order = {
        "on time": RAG_COLOURS["Green"],
        "late": RAG_COLOURS["Amber"],
        "missing": RAG_COLOURS["Red"],
        "not expected": RAG_COLOURS[""],
    }
    counts = frame.groupby(["portfolio", "submission_status"]).size().unstack(fill_value=0)
    fig = go.Figure()
    for status, colour in order.items():
        if status not in counts.columns:
            continue
        fig.add_bar(
            y=counts.index,
            x=counts[status],
            name=status,
            orientation="h",
            marker_color=colour,
            text=[str(v) if v else "" for v in counts[status]],
            textposition="inside",
            hovertemplate="%{y}<br>" + status + ": %{x}<extra></extra>",
        )
    layout = base_layout()
    layout["height"] = max(260, 100 + 40 * len(counts))
    layout["legend"] = {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "traceorder": "normal"}
    layout["margin"] = {"l": 10, "r": 10, "t": 40, "b": 40}
    fig.update_layout(**layout, barmode="stack", xaxis_title="Projects", yaxis_title=None)
    return fig


def _empty(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(
        text=message,
        showarrow=False,
        font={"size": 15, "color": "#757575"},
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
    )
    layout = base_layout()
    layout["height"] = 200
    fig.update_layout(**layout, xaxis={"visible": False}, yaxis={"visible": False})
    return fig
