"""Slides: one builder per view, reading the page-data layer (epmo.pagedata), so a slide shows
the pages' numbers; the pack (epmo/pack.py) renders the same Slide objects."""

from __future__ import annotations

import contextvars
import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import plotly.graph_objects as go

from epmo import capacity, capacity_charts, charts, labels, measures, settings
from epmo import pagedata as pages
from epmo.pagedata import Filters
from epmo.priority import charts as priority_charts
from epmo.priority import models
from epmo.steering.decks import SlideSpec
from epmo.theme import rag_label


@dataclass
class Metric:
    label: str
    value: str
    note: str = ""


@dataclass
class Chart:
    """A chart: the figure for the screen and its numbers for a native PowerPoint chart.

    kind: "bar" (stacked columns), "hbar" (horizontal bars, stacked when several series),
    "line", "bubble" or "grid" (a coloured table). data: for bar/hbar/line, one row per
    category (index) and one column per series; for bubble: series, label, x, y, size;
    for grid: rows x columns of display text, with `fills` the same shape of colours.
    """

    title: str
    figure: go.Figure
    kind: str
    data: pd.DataFrame
    source: str
    x_title: str = ""
    y_title: str = ""
    fills: pd.DataFrame | None = None
    # presented on a screen of its own, like a grid: its labels and legend need the width (in
    # half a 1280 px screen the ranking's bars had 110 px beside its names and legend)
    wide: bool = False


# A table with a cell this long (a RAG reason, a rationale) is read as sentences: it gets
# the whole width of a screen and of a PowerPoint slide, where half of one cut them off.
WORDY_CELL = 40


@dataclass
class Table:
    title: str
    frame: pd.DataFrame  # display frame: labelled columns, text cells
    source: str
    note: str = ""

    @property
    def wordy(self) -> bool:
        """True when some cell holds sentences (longer than WORDY_CELL characters)."""
        return any(len(str(v)) > WORDY_CELL for col in self.frame.columns for v in self.frame[col].tolist())


@dataclass
class Slide:
    spec: SlideSpec
    title: str
    subtitle: str
    metrics: list[Metric] = field(default_factory=list)
    blocks: list[Chart | Table] = field(default_factory=list)
    empty: str = ""  # why a slide has nothing to show


def _rows() -> int:
    return settings.current().steering.slide_table_rows


def display(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Measure labels for headers, measure formats for cells (money as the portfolio shows it,
    epmo/labels.py), RAG as letter and word."""
    out = pd.DataFrame(index=range(len(frame)))
    for col in columns:
        values = frame[col].tolist()
        if col.startswith("rag_") and col not in ("rag_reasons", "rag_move"):
            cells = [rag_label(v) for v in values]
        elif col in measures.MEASURES:
            cells = [measures.fmt(col, v) for v in values]
        elif col in labels.MONEY:  # totals and changes: the portfolio's money format, never -3,800
            cells = [labels.money(v) for v in values]
        elif pd.api.types.is_datetime64_any_dtype(frame[col]):
            cells = ["" if pd.isna(v) else f"{pd.Timestamp(v):%d %b %Y}" for v in values]
        elif pd.api.types.is_float_dtype(frame[col]):
            cells = ["" if pd.isna(v) else f"{v:,.0f}" for v in values]
        elif col in labels.VALUE_LABELS:  # codes of ours (the kind of a change), in words
            cells = [labels.text(col, v) for v in values]
        else:
            cells = ["" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v) for v in values]
        out[labels.label(col)] = cells  # the app's labels: "MoSCoW", not "Moscow"
    return out


def _filters(as_of: dt.date, scope: dict[str, list[str]]) -> Filters:
    return Filters(as_of, tuple(scope.get("portfolios", ())), tuple(scope.get("programmes", ())))


def freshness(con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]]) -> dict[str, int]:
    """How many projects reported for the week, of how many expected (active stages), and in all."""
    return pages.portfolio.freshness(con, _filters(as_of, scope))


def freshness_text(f: dict[str, int]) -> str:
    return f"{f['reported']} of {f['expected']} expected projects reported this week ({f['projects']} in the portfolio)"


def _home(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]], spec: SlideSpec
) -> Slide:
    f = _filters(as_of, scope)
    data = pages.portfolio.home(con, f, with_freshness=True)
    now = data.now
    slide = Slide(
        spec,
        "Portfolio overview",
        f"The week's figures; the biggest movers since the week of {f.previous:%d %b %Y}",
    )
    if data.empty:
        slide.empty = "No projects have been reported on or before this week."
        return slide
    fresh = data.freshness
    slide.metrics = (
        [
            Metric("Projects", f"{int(now['project_count']):,}"),
            Metric("Reported this week", f"{fresh['reported']} of {fresh['expected']}", "expected projects"),
            Metric("Missing reports", f"{int(now['stale_count']):,}", "expected, not reported"),
            Metric("Watermelons", f"{int(now['watermelon_count']):,}", "declared G, computed R"),
            Metric(measures.label("bac"), measures.fmt("bac", now["total_bac"])),
            Metric(measures.label("eac"), measures.fmt("eac", now["total_eac"])),
            Metric(measures.label("portfolio_cpi"), measures.fmt("portfolio_cpi", now["cpi"])),
            Metric(measures.label("portfolio_spi"), measures.fmt("portfolio_spi", now["spi"])),
        ]
        + [
            Metric(
                labels.label(f"computed_{r.lower()}_count"), f"{int(now[f'computed_{r.lower()}_count']):,}"
            )
            for r in ("Red", "Amber", "Green")
        ]
        + [
            Metric(
                "Not judged",
                f"{int(now['not_judged_count']):,}",
                "No computed RAG: inactive stage or no CPI/SPI",
            )
        ]
    )
    slide.blocks.append(
        Chart(
            "Projects by stage and declared RAG",
            charts.projects_by_stage(data.by_stage),
            "bar",
            data.stage_table(),
            data.sql["by_stage"],
            y_title="Projects",
        )
    )
    movers = data.movers
    slide.blocks.append(
        Table(
            "Five biggest movers",
            display(movers, ["project_id", "project_name", "rag_move", "eac_change", "slip_change_days"]),
            data.sql["movers"],
            "" if len(movers) else "Nothing moved since last week.",
        )
    )
    return slide


def _health(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]], spec: SlideSpec
) -> Slide:
    data = pages.portfolio.health_overview(con, _filters(as_of, scope))
    slide = Slide(spec, "Portfolio health", "Computed RAG rules: " + "; ".join(measures.rules_text()))
    if data.projects.empty:
        slide.empty = "No projects have been reported on or before this week."
        return slide
    counts = data.rag_counts()
    slide.metrics = [
        Metric(rag_label(r) + " (computed)", f"{counts[r]:,}") for r in ("Red", "Amber", "Green")
    ]
    slide.metrics.append(Metric("Watermelons", f"{len(data.watermelons):,}", "declared G, computed R"))
    active = data.active
    both = active.dropna(subset=["cpi", "spi"])
    bubbles = pd.DataFrame(
        {
            "series": [rag_label(r) for r in both["rag_computed"]],
            "label": both["project_id"].tolist(),
            "x": both["spi"].astype(float).tolist(),
            "y": both["cpi"].astype(float).tolist(),
            "size": both["bac"].fillna(0).clip(lower=0).astype(float).tolist(),
        }
    )
    slide.blocks.append(
        Chart(
            "Cost and schedule performance (bubble size = BAC)",
            charts.evm_quadrant(active, "rag_computed"),
            "bubble",
            bubbles,
            data.sql["quadrant"],
            x_title="SPI (schedule)",
            y_title="CPI (cost)",
        )
    )
    matrix = data.matrix
    text, fills = _rag_grid(matrix)
    slide.blocks.append(
        Chart(
            "RAG matrix by portfolio",
            charts.rag_matrix(matrix),
            "grid",
            text,
            data.sql["matrix"],
            fills=fills,
        )
    )
    # the biggest budgets first (they were the lowest ids), and how many of how many
    every = data.watermelons
    melons = every.sort_values(["bac", "project_id"], ascending=[False, True], na_position="last").head(
        _rows()
    )
    slide.blocks.append(
        Table(
            "Watermelons: declared Green, computed Red"
            + (
                f" (the {len(melons):,} of {len(every):,} with the largest budgets)"
                if len(melons) < len(every)
                else ""
            ),
            display(melons, ["project_id", "project_name", "rag_declared", "rag_computed", "rag_reasons"]),
            data.sql["projects"],
            "" if len(melons) else "None this week.",
        )
    )
    return slide


def _rag_grid(matrix: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The RAG matrix as text ('R 1 · A 2 · G 3') and fills (the worst RAG present)."""
    from epmo.theme import PRESENT_RAG_COLOURS

    if matrix.empty:
        return pd.DataFrame(), pd.DataFrame()
    dims = matrix.sort_values("dimension_order")["dimension"].drop_duplicates().tolist()
    groups = sorted(matrix["group_name"].unique().tolist())
    text = pd.DataFrame(index=groups, columns=dims, dtype=object)
    fills = pd.DataFrame(index=groups, columns=dims, dtype=object)
    for g in groups:
        for d in dims:
            part = matrix[(matrix["group_name"] == g) & (matrix["dimension"] == d)]
            n = {r: int(part.loc[part["rag"] == r, "project_count"].sum()) for r in ("Red", "Amber", "Green")}
            text.loc[g, d] = f"R {n['Red']} · A {n['Amber']} · G {n['Green']}"
            worst = next((r for r in ("Red", "Amber", "Green") if n[r]), "")
            fills.loc[g, d] = PRESENT_RAG_COLOURS[worst]
    return text, fills


def _changes(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]], spec: SlideSpec
) -> Slide:
    data = pages.portfolio.changes(con, _filters(as_of, scope))
    since, changes, worse = data.since, data.changes, data.worse
    slide = Slide(spec, "What changed", f"From the portfolio as of {since:%d %b %Y} to {as_of:%d %b %Y}")
    if changes.empty:
        slide.empty = "Nothing changed between these snapshots."
        return slide
    slide.metrics = [
        Metric("Changes", f"{len(changes):,}"),
        Metric("RAG got worse", f"{len(worse):,}"),
        Metric("Projects affected", f"{changes['project_id'].nunique():,}"),
    ]
    counts = changes["change_type"].value_counts().sort_values()
    counts_frame = pd.DataFrame(
        {"Changes": counts.values}, index=[labels.text("change_type", c) for c in counts.index]
    )
    slide.blocks.append(
        Chart(
            "Changes by kind",
            charts.change_counts(changes),
            "hbar",
            counts_frame,
            data.sql["changes"],
            x_title="Changes",
        )
    )
    cols = [
        c
        # the field (a milestone's or a risk's name) and the amount with its unit: without them
        # a row read "Milestone 21 Apr 2027 -> 05 May 2027", which milestone and how late unsaid
        for c in (
            "project_id",
            "project_name",
            "change_type",
            "field",
            "before_value",
            "after_value",
            "change_amount",
        )
        if c in changes.columns
    ]
    shown = headline_changes(changes, worse, _rows())
    title = (
        f"The largest changes ({len(shown):,} of {len(changes):,}): RAG worse first, then each kind's largest"
        if len(shown) < len(changes)
        else "Every change"
    )
    slide.blocks.append(Table(title, display(labels.changes_text(shown), cols), data.sql["changes"]))
    return slide


# the order in which the kinds of change take their turns on the What changed slide, after the
# RAGs that got worse: what a steering committee acts on first
CHANGE_TURNS = (
    "stopped_reporting",
    "stage",
    "forecast_end",
    "milestone",
    "milestone_removed",
    "milestone_added",
    "milestone_achieved",
    "budget",
    "eac",
    "risk_opened",
    "new_project",
    "left_portfolio",
    "rag_declared",
    "rag_computed",
    "risk_closed",
)


def headline_changes(changes: pd.DataFrame, worse: pd.DataFrame, n: int) -> pd.DataFrame:
    """At most n changes for a slide, none of a kind hidden behind another's: the RAGs that
    got worse first (by how many steps, at most half the rows while other kinds wait), then
    the other changes a kind at a time in CHANGE_TURNS order, each kind's largest (by
    |change_amount|) first, round by round until the rows are used."""
    rest = changes.drop(index=worse.index)
    take_worse = min(len(worse), n if rest.empty else max(n // 2, n - len(rest)))
    picked = [worse.sort_values("change_amount", ascending=False, kind="stable").head(take_worse)]
    queues = []
    order = {k: i for i, k in enumerate(CHANGE_TURNS)}
    for _kind, part in sorted(rest.groupby("change_type"), key=lambda kv: order.get(str(kv[0]), len(order))):
        size = part["change_amount"].abs().fillna(0)
        queues.append(part.loc[size.sort_values(ascending=False, kind="stable").index])
    left, depth = n - take_worse, 0
    rounds: list[pd.DataFrame] = []
    while left > 0 and any(depth < len(q) for q in queues):
        row = [q.iloc[[depth]] for q in queues if depth < len(q)][:left]
        rounds += row
        left -= len(row)
        depth += 1
    if not rounds:
        return picked[0]
    others = pd.concat(rounds)
    by_kind = others["change_type"].map(lambda k: order.get(str(k), len(order)))
    size = others["change_amount"].abs().fillna(0)
    others = others.assign(_kind=by_kind, _size=size).sort_values(["_kind", "_size"], ascending=[True, False])
    return pd.concat([picked[0], others.drop(columns=["_kind", "_size"])])


def _capacity(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]], spec: SlideSpec
) -> Slide:
    grain = spec.options.get("grain", "month")
    by = spec.options.get("by", "role")
    heat = pages.capacity.heatmap(con, _filters(as_of, scope), pages.capacity.View(grain, by))
    cells = heat.cells
    b = capacity.bands()
    slide = Slide(
        spec,
        "Capacity",
        f"Utilisation (demand / available hours) by {by.replace('_', ' and ')} and {grain}; bands: "
        + ", ".join(b.names)
        + f", {b.no_capacity}",
    )
    if cells.empty:
        slide.empty = "No demand or capacity in this horizon as of this week."
        return slide
    slide.metrics = [
        Metric("Hours short", f"{heat.hours_short():,.0f}"),
        Metric("Cells at or over 100 %", f"{heat.over_allocated():,}"),
    ]
    text, fills = capacity_grid(cells, grain, b)
    slide.blocks.append(
        Chart(
            "Utilisation",
            capacity_charts.heatmap(cells, grain, labelled=True),
            "grid",
            text,
            heat.sql["cells"],
            fills=fills,
        )
    )
    return slide


def capacity_grid(cells: pd.DataFrame, grain: str, b: capacity.Bands) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pack's capacity grid: each cell's utilisation and band as text, and its band's
    colour; every period from the first to the last is a column, those no row has blank
    (as on the Capacity page's heatmap), so a gap in the plan is not two months side by side."""
    frame = cells.copy()
    periods = capacity.period_label(
        capacity.every_period(frame["period_start"], grain), grain
    ).drop_duplicates()
    rows = sorted(frame["row"].drop_duplicates().tolist())
    frame["text"] = [
        f"{capacity.pct_label(u, b.limits_pct)} · {band}" if u == u and u is not None else b.no_capacity
        for u, band in zip(frame["utilisation_pct"].astype("float"), frame["band"], strict=True)
    ]
    colours = [b.no_capacity_colour, *b.colours]
    frame["fill"] = [colours[int(i) + 1] for i in frame["band_index"]]
    text = (
        frame.pivot_table(index="row", columns="col", values="text", aggfunc="first")
        .reindex(index=rows, columns=periods.tolist())
        .fillna("")
    )
    fills = (
        frame.pivot_table(index="row", columns="col", values="fill", aggfunc="first")
        .reindex(index=rows, columns=periods.tolist())
        .fillna("#FFFFFF")
    )
    return text, fills


def _ranking(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]], spec: SlideSpec
) -> Slide:

    name = spec.options.get("model", models.DEFAULT_MODEL)
    if pages.priority.model_version(con, name) is None:
        slide = Slide(spec, "Project ranking", f"No scoring model named {name!r}")
        slide.empty = f"No scoring model named {name!r} was saved before this snapshot."
        return slide
    data = pages.priority.ranking(con, _filters(as_of, scope), model=name)
    model = data.model
    slide = Slide(spec, "Project ranking", f"Ranked by {model.label}")
    if data.candidates.empty:
        slide.empty = "No candidate projects as of this week."
        return slide
    ranked = data.ranked
    top = ranked[ranked["is_scored"]].head(_rows())
    parts = [c for c in ranked.columns if c.endswith("_contribution")]
    bars = [f"#{r} {p}" for r, p in zip(top["rank"], top["project_id"], strict=True)]
    if parts:  # one series per criterion, named as the app names it (Strategic alignment)
        parts_frame = pd.DataFrame(
            {labels.label(c.removesuffix("_contribution")): top[c].astype(float).tolist() for c in parts},
            index=bars,
        )
    else:
        parts_frame = pd.DataFrame({labels.label("score"): top["score"].astype(float).tolist()}, index=bars)
    slide.metrics = [
        Metric("Candidates", f"{len(ranked):,}"),
        Metric("Scored", f"{int(ranked['is_scored'].sum()):,}"),
    ]
    slide.blocks.append(
        Chart(
            f"Top {len(top)} by score",
            priority_charts.score_breakdown(ranked, top=_rows()),
            "hbar",
            parts_frame.iloc[::-1],
            data.sql["ranked"],
            x_title="Score",
            wide=True,
        )
    )
    table = top.assign(score_text=[f"{s:.3g}" for s in top["score"]])
    shown = display(table, ["rank", "project_id", "project_name", "stage", "moscow"])
    shown["Score"] = table["score_text"].tolist()
    slide.blocks.append(Table("Ranking", shown, data.sql["ranked"]))
    return slide


def _project(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]], spec: SlideSpec
) -> Slide:
    f = _filters(as_of, scope)
    pid = spec.options.get("project_id", "") or pages.portfolio.biggest_mover(con, f)  # built-in deck
    data = pages.portfolio.project(con, f, pid, until=_DECIDED_BY.get()) if pid else None
    if data is None or data.project_id != pid or data.history.empty:
        slide = Slide(spec, "Project", "")
        slide.empty = (
            f"Project {pid!r} is not in the portfolio as of {as_of:%d %b %Y}."
            if pid
            else "No project moved this week."
        )
        return slide
    history, now = data.history, data.now
    slide = Slide(
        spec,
        f"{pid} · {now['project_name']}",
        # the RAG first: cut to two lines when presented, the rest is in the title's help
        f"Computed RAG {rag_label(now['rag_computed'])}, declared {rag_label(now['rag_declared'])}"
        f" · {now['portfolio']} · {now['stage']} · PM {now['project_manager']}"
        + (f" — {now['rag_reasons']}" if now["rag_reasons"] else ""),
    )
    slide.metrics = [
        Metric(measures.label(n), measures.fmt(n, now[n]))
        for n in ("bac", "eac", "ac", "cpi", "spi", "forecast_slip_days")
    ]
    idx = history[["as_of_date", "cpi", "spi"]].copy()
    index_frame = pd.DataFrame(
        {"CPI": idx["cpi"].astype(float).tolist(), "SPI": idx["spi"].astype(float).tolist()},
        index=[f"{pd.Timestamp(d):%d %b %y}" for d in idx["as_of_date"]],
    )
    slide.blocks.append(
        Chart(
            "CPI and SPI by week",
            charts.index_history(history),
            "line",
            index_frame,
            data.sql["history"],
            y_title="Index",
        )
    )
    open_ms = data.open_milestones.head(_rows())
    cols = [
        c
        for c in ("milestone_name", "baseline_date", "forecast_date", "slip_days", "slip_change_days")
        if c in open_ms.columns
    ]
    slide.blocks.append(
        Table(
            "Open milestones",
            display(open_ms, cols),
            data.sql["milestones"],
            "" if len(open_ms) else "No open milestones.",
        )
    )
    dec = data.decisions
    if len(dec):
        slide.blocks.append(
            Table(
                "Decisions",
                display(dec.head(_rows()), ["decision_date", "decision", "owner", "due_date", "status"]),
                data.sql["decisions"],
            )
        )
    return slide


def _decisions(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]], spec: SlideSpec
) -> Slide:
    data = pages.steering.decisions(con, _filters(as_of, scope), until=_DECIDED_BY.get())
    dec = data.log
    slide = Slide(spec, "Decisions", "The steering committee's decisions, newest first")
    if dec.empty:
        slide.empty = f"No decisions recorded up to {data.until:%d %b %Y}."
        return slide
    n = data.counts()
    slide.metrics = [Metric("Decisions", f"{n['decisions']:,}"), Metric("Open", f"{n['open']:,}")]
    slide.blocks.append(
        Table(
            "Decision log",
            display(
                dec.head(_rows()),
                ["decision_date", "decision", "projects_affected", "owner", "due_date", "status"],
            ),
            data.sql["log"],
        )
    )
    return slide


def _flow(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]], spec: SlideSpec
) -> Slide:
    """Agile projects beside the rest: their work-item forecasts against the baseline end
    (the computed RAG they feed) and the portfolio's flow (epmo.flow, docs/flow.md)."""
    from epmo import flow, flow_charts

    fs = flow.flow_settings()
    data = pages.flow.flow(con, _filters(as_of, scope))
    forecasts = data.forecasts
    slide = Slide(
        spec,
        "Agile flow",
        f"Projects with a backlog that are expected to report: a Monte Carlo forecast from each "
        f"team's daily throughput over the last {fs.window_days} days; their computed RAG weighs "
        f"the {fs.rag_percentile} % date against the baseline end; no forecast date: nothing done in "
        "the window, or more work than the forecast horizon",
    )
    # judged ones only (Closed, Cancelled or On hold projects keep old backlogs)
    forecasts = forecasts[forecasts["is_active"].fillna(False).astype(bool)]
    if forecasts.empty:
        slide.empty = "No project expected to report has reported work items on or before this week."
        return slide
    whole = data.summary
    row = whole.iloc[0] if len(whole) else None
    dateless = forecasts["is_dateless"].fillna(False).astype(bool)  # at the RAG's percentile
    slide.metrics = [
        Metric(
            "With work items",
            f"{len(forecasts):,}",
            "Projects expected to report (any delivery method) that report work items, their backlog "
            "finished or not; the computed RAG counts beside it are of the same projects (the rest are "
            "not judged)",
        ),
        Metric(
            "No forecast date",
            f"{int(dateless.sum()):,}",
            f"Items left but no {fs.rag_percentile} % date: nothing done in the window, or more work "
            "than the forecast horizon (Red once the project is older than the window, when its "
            "baseline end is within the horizon)",
        ),
        *[
            Metric(
                labels.label(f"computed_{r.lower()}_count"),
                f"{int((forecasts['rag_computed'] == r).sum()):,}",
                "Their computed RAG (docs/metrics.md), which the forecast date feeds",
            )
            for r in ("Red", "Amber", "Green")
        ],
    ]
    if row is not None:
        slide.metrics += [
            Metric(
                measures.label("throughput_per_week"),
                measures.fmt("throughput_per_week", row["throughput_per_week"]),
            ),
            Metric(measures.label("wip"), measures.fmt("wip", row["wip"])),
            Metric(measures.label("cycle_time_p85"), measures.fmt("cycle_time_p85", row["cycle_time_p85"])),
        ]
    # furthest behind: the dateless first (flow/forecasts orders them so), then by slip
    behind = forecasts[forecasts["flow_slip_days"].notna() | dateless].head(_rows())
    # the chart: the largest slips of them all (those without a date have none to draw)
    top = (
        forecasts.dropna(subset=["flow_slip_days"])
        .sort_values("flow_slip_days", ascending=False)
        .head(_rows())
    )
    slips = pd.DataFrame(
        {"Slip (days)": top["flow_slip_days"].astype(int).tolist()},
        index=[f"{p} {n}" for p, n in zip(top["project_id"], top["project_name"], strict=True)],
    ).iloc[::-1]
    slide.blocks.append(
        Chart(
            f"{fs.rag_percentile} % forecast date against baseline end",
            flow_charts.forecast_slip(top),
            "hbar",
            slips,
            data.sql["forecasts"],
            x_title="Days beyond baseline end",
        )
    )
    shown = display(
        behind,
        ["project_id", "project_name", "rag_computed", "p85_date", "baseline_end_date", "remaining_items"],
    )
    no_date = behind["is_dateless"].fillna(False).astype(bool).tolist()
    p85 = labels.label("p85_date")
    shown[p85] = ["no date" if n else v for n, v in zip(no_date, shown[p85], strict=True)]
    slide.blocks.append(
        Table(
            "Furthest behind" + (" (no forecast date first)" if any(no_date) else ""),
            shown,
            data.sql["forecasts"],
        )
    )
    return slide


BUILDERS = {
    "home": _home,
    "health": _health,
    "changes": _changes,
    "capacity": _capacity,
    "ranking": _ranking,
    "project": _project,
    "decisions": _decisions,
    "flow": _flow,
}


# the day a slide's decisions run up to: the frozen deck's (build_slide's decided_by)
_DECIDED_BY: contextvars.ContextVar[dt.date | None] = contextvars.ContextVar("decided_by", default=None)


def build_slide(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    spec: SlideSpec,
    scope: dict[str, list[str]] | None = None,
    decided_by: dt.date | None = None,
) -> Slide:
    """One slide's metrics, charts and tables (the same queries and charts as its page).
    `decided_by`: the decisions shown are those taken up to that day (a frozen deck's day, so
    that a pack rebuilt later shows its meeting's decisions); default today."""
    token = _DECIDED_BY.set(decided_by)
    try:
        return BUILDERS[spec.view](con, as_of, scope or {"portfolios": [], "programmes": []}, spec)
    finally:
        _DECIDED_BY.reset(token)


# --------------------------------------------------------------------------- decisions
