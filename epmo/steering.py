"""Steering committee: frozen snapshots, decks of slides, and the decision log.

A deck is an ordered list of views (home, health, what changed, capacity, ranking, chosen
projects, decisions) saved by name (documents kind "deck"). Each slide is built by one
function here from a DuckDB connection and the as-of week, with the same named queries and
chart builders as the pages, so a slide shows the pages' numbers; the steering pack
(epmo/pack.py) renders the same Slide objects to PowerPoint and HTML.

Frozen snapshot: when a deck starts, the store is pinned by its *ledger cutoff* (the latest
commit stamp in the store). A frozen connection reads the live Parquet files but only the
ledger events and documents committed at or before the cutoff. Data tables are append-only
and every view joins through the ledger, so uploads (and retractions) arriving during the
meeting are invisible, and compaction or vacuum, which rewrite files but never rows, cannot
break a frozen deck (a pinned Parquet file list could vanish after
`[store] vacuum_retention_hours`).

Decisions are documents of kind "decision", one name per decision; an edit saves a new
version, so nothing is ever lost. Each records the snapshot it was based on.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go

from epmo import capacity, capacity_charts, charts, health, measures, sql
from epmo.priority import charts as priority_charts
from epmo.priority import models, scoring
from epmo.settings import get
from epmo.store import Store, now_utc
from epmo.theme import RAG_LETTERS, rag_label

DECK_KIND = "deck"
DECISION_KIND = "decision"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class SteeringError(ValueError):
    """Input a user can fix (a bad deck, decision or snapshot): the message says how."""


# --------------------------------------------------------------------------- frozen snapshot


@dataclass(frozen=True)
class Freeze:
    """A pinned view of the store for a meeting: the as-of week and the ledger cutoff."""

    as_of: dt.date
    cutoff_at: dt.datetime  # ledger events and documents stamped at or before this are in
    frozen_at: dt.datetime  # wall clock when the deck started
    snapshot_key: str  # the store's snapshot key at that moment (versions of every table)

    @property
    def key(self) -> str:
        return f"{self.as_of.isoformat()}|{self.cutoff_at.isoformat()}"

    def caption(self) -> str:
        week = self.as_of.isocalendar()
        return (
            f"As of week {week.week} ({self.as_of:%d %b %Y}) · data frozen at "
            f"{self.frozen_at.astimezone(dt.UTC):%d %b %Y %H:%M} UTC"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "cutoff_at": self.cutoff_at.isoformat(),
            "frozen_at": self.frozen_at.isoformat(),
            "snapshot_key": self.snapshot_key,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Freeze:
        return cls(
            dt.date.fromisoformat(data["as_of"]),
            dt.datetime.fromisoformat(data["cutoff_at"]),
            dt.datetime.fromisoformat(data["frozen_at"]),
            str(data.get("snapshot_key", "")),
        )


def freeze(store: Store, as_of: dt.date, cutoff_at: dt.datetime | None = None) -> Freeze:
    """Pin the store now (or at an earlier cutoff, to rebuild what a meeting saw)."""
    snap = store.snapshot()
    if cutoff_at is None:
        con = store.connect(snap)
        try:
            found = sql.arrow(con, "steering/ledger_cutoff").to_pylist()[0]["cutoff_at"]
        finally:
            con.close()
        cutoff_at = found or EPOCH
    elif cutoff_at.tzinfo is None:
        cutoff_at = cutoff_at.replace(tzinfo=dt.UTC)
    return Freeze(as_of, cutoff_at, now_utc(), snap.key)


def connect_frozen(store: Store, frozen: Freeze) -> duckdb.DuckDBPyConnection:
    """A store connection that sees only what was committed at or before the cutoff.

    The live snapshot's files are read (so compaction and vacuum cannot break it); the
    ledger and the documents are cut at the cutoff before any view is derived from them
    (store.register_snapshot), and every view joins through the ledger.
    """
    return store.connect(store.snapshot(), cutoff_at=frozen.cutoff_at)


# --------------------------------------------------------------------------- decks

VIEWS: dict[str, str] = {
    "home": "Portfolio overview",
    "health": "Portfolio health",
    "changes": "What changed",
    "capacity": "Capacity",
    "ranking": "Project ranking",
    "project": "Project",
    "decisions": "Decisions",
    "flow": "Agile flow",
}
VIEW_OPTIONS: dict[str, tuple[str, ...]] = {
    "capacity": ("grain", "by"),
    "ranking": ("model",),
    "project": ("project_id",),
}


@dataclass(frozen=True)
class SlideSpec:
    view: str
    options: dict[str, str] = field(default_factory=dict)

    def label(self) -> str:
        extra = ", ".join(f"{v}" for v in self.options.values() if v)
        return VIEWS[self.view] + (f" · {extra}" if extra else "")

    def to_dict(self) -> dict[str, Any]:
        return {"view": self.view} | {k: v for k, v in self.options.items() if v}


@dataclass(frozen=True)
class Deck:
    name: str
    slides: tuple[SlideSpec, ...]
    portfolios: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    version: int = 0  # 0: the built-in deck

    def to_json(self) -> str:
        return json.dumps(
            {
                "slides": [s.to_dict() for s in self.slides],
                "portfolios": list(self.portfolios),
                "programmes": list(self.programmes),
            },
            sort_keys=True,
        )

    @property
    def scope(self) -> dict[str, list[str]]:
        return {"portfolios": list(self.portfolios), "programmes": list(self.programmes)}


def parse_slide(item: Any, n: int) -> SlideSpec:
    if isinstance(item, str):
        item = {"view": item}
    if not isinstance(item, dict) or "view" not in item:
        raise SteeringError(f'slide {n}: give a view, e.g. {{"view": "health"}}')
    view = str(item["view"]).strip()
    if view not in VIEWS:
        raise SteeringError(f"slide {n}: unknown view {view!r}; choose one of: {', '.join(VIEWS)}")
    allowed = VIEW_OPTIONS.get(view, ())
    extra = sorted(set(item) - {"view", *allowed})
    if extra:
        raise SteeringError(
            f"slide {n} ({view}): unknown option(s) {', '.join(extra)}"
            + (f"; it takes: {', '.join(allowed)}" if allowed else "; it takes none")
        )
    options = {k: str(item[k]).strip() for k in allowed if item.get(k) not in (None, "")}
    if view == "capacity":
        if options.get("grain", "month") not in capacity.GRAINS:
            raise SteeringError(f"slide {n}: grain must be one of {', '.join(capacity.GRAINS)}")
        if options.get("by", "role") not in capacity.BYS:
            raise SteeringError(f"slide {n}: by must be one of {', '.join(capacity.BYS)}")
    return SlideSpec(view, options)


def parse_deck(name: str, spec: Any, version: int = 0) -> Deck:
    """A deck from its spec (a dict or JSON text); SteeringError says what is wrong."""
    name = str(name).strip()
    if not name:
        raise SteeringError("a deck needs a name")
    if isinstance(spec, str):
        try:
            spec = json.loads(spec)
        except json.JSONDecodeError as exc:
            raise SteeringError(f"deck {name!r}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if isinstance(spec, list):
        spec = {"slides": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("slides"), list):
        raise SteeringError(f"deck {name!r}: give a list of slides")
    slides = tuple(parse_slide(item, i) for i, item in enumerate(spec["slides"], 1))
    if not slides:
        raise SteeringError(f"deck {name!r} has no slides")
    limit = int(get("steering", "max_slides"))
    if len(slides) > limit:
        raise SteeringError(f"deck {name!r} has {len(slides)} slides; at most {limit}")
    scope = {}
    for key in ("portfolios", "programmes"):
        value = spec.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SteeringError(f"deck {name!r}: {key} must be a list of names")
        scope[key] = tuple(v for v in value if v.strip())
    return Deck(name, slides, scope["portfolios"], scope["programmes"], version)


def default_deck() -> Deck:
    """The built-in deck: works on any store (its project slide is the week's biggest mover)."""
    return parse_deck(
        str(get("steering", "default_deck")),
        {
            "slides": [
                "home",
                "health",
                "changes",
                {"view": "capacity", "grain": "month", "by": "role"},
                {"view": "ranking", "model": models.DEFAULT_MODEL},
                "project",
                "decisions",
                "flow",
            ]
        },
    )


def deck_names(store: Store) -> list[str]:
    return [default_deck().name, *[r["name"] for r in store.documents(DECK_KIND)]]


def load_deck(store: Store, name: str) -> Deck:
    if name == default_deck().name:
        return default_deck()
    doc = store.document(DECK_KIND, name)
    if doc is None:
        raise SteeringError(f"no deck named {name!r}; decks: {', '.join(deck_names(store))}")
    return parse_deck(name, doc["spec"], int(doc["version"]))


def save_deck(store: Store, deck: Deck, user_email: str) -> None:
    if deck.name == default_deck().name:
        raise SteeringError(f"{deck.name!r} is the built-in deck; save yours under another name")
    parse_deck(deck.name, deck.to_json())  # only valid decks are stored
    store.save_document(DECK_KIND, deck.name, deck.to_json(), user_email)


# --------------------------------------------------------------------------- slides


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


@dataclass
class Table:
    title: str
    frame: pd.DataFrame  # display frame: labelled columns, text cells
    source: str
    note: str = ""


@dataclass
class Slide:
    spec: SlideSpec
    title: str
    subtitle: str
    metrics: list[Metric] = field(default_factory=list)
    blocks: list[Chart | Table] = field(default_factory=list)
    empty: str = ""  # why a slide has nothing to show


def _rows() -> int:
    return int(get("steering", "slide_table_rows"))


def display(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Measure labels for headers, measure formats for cells, RAG as letter and word."""
    out = pd.DataFrame(index=range(len(frame)))
    for col in columns:
        values = frame[col].tolist()
        if col.startswith("rag_") and col not in ("rag_reasons", "rag_move"):
            cells = [rag_label(v) for v in values]
        elif col in measures.MEASURES:
            cells = [measures.fmt(col, v) for v in values]
        elif pd.api.types.is_datetime64_any_dtype(frame[col]):
            cells = ["" if pd.isna(v) else f"{pd.Timestamp(v):%d %b %Y}" for v in values]
        elif pd.api.types.is_float_dtype(frame[col]):
            cells = ["" if pd.isna(v) else f"{v:,.0f}" for v in values]
        else:
            cells = ["" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v) for v in values]
        out[measures.label(col)] = cells
    return out


def freshness(con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]]) -> dict[str, int]:
    """How many projects reported for the week, of how many expected (active stages), and in all."""
    status = sql.df(con, "health/submission_status", as_of=as_of, **scope)
    expected = status["is_active"].fillna(False).astype(bool)  # macros/epmo_expected_to_report
    reported = int((expected & status["submitted_for_week"].fillna(False).astype(bool)).sum())
    return {"reported": reported, "expected": int(expected.sum()), "projects": len(status)}


def freshness_text(f: dict[str, int]) -> str:
    return f"{f['reported']} of {f['expected']} expected projects reported this week ({f['projects']} in the portfolio)"


def _home(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]], spec: SlideSpec
) -> Slide:
    previous = health.previous_week(as_of)
    head = sql.df(con, "health/headline", as_of=as_of, previous=previous, **scope)
    now = head.iloc[0]
    slide = Slide(spec, "Portfolio overview", f"Changes against the week of {previous:%d %b %Y}")
    if int(now["project_count"]) == 0:
        slide.empty = "No projects have been reported on or before this week."
        return slide
    fresh = freshness(con, as_of, scope)
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
            Metric(f"{RAG_LETTERS[r]} {r} (computed)", f"{int(now[f'computed_{r.lower()}_count']):,}")
            for r in ("Red", "Amber", "Green")
        ]
        + [
            Metric(
                "Not judged (computed)", f"{int(now['not_judged_count']):,}", "inactive stage or no CPI/SPI"
            )
        ]
    )
    by_stage = sql.df(con, "home/projects_by_stage", as_of=as_of, **scope)
    wide = by_stage.assign(rag=by_stage["rag_overall"].fillna("No RAG")).pivot_table(
        index="stage", columns="rag", values="project_count", aggfunc="sum", fill_value=0
    )
    stages = by_stage.sort_values("stage_order")["stage"].drop_duplicates().tolist()
    order = [r for r in ("Red", "Amber", "Green", "No RAG") if r in wide.columns]
    wide = wide.reindex(index=stages, columns=order, fill_value=0).astype(int)
    slide.blocks.append(
        Chart(
            "Projects by stage and declared RAG",
            charts.projects_by_stage(by_stage),
            "bar",
            wide,
            "home/projects_by_stage",
            y_title="Projects",
        )
    )
    movers = sql.df(con, "health/biggest_movers", as_of=as_of, previous=previous, limit=5, **scope)
    slide.blocks.append(
        Table(
            "Five biggest movers",
            display(movers, ["project_id", "project_name", "rag_move", "eac_change", "slip_change_days"]),
            "health/biggest_movers",
            "" if len(movers) else "Nothing moved since last week.",
        )
    )
    return slide


def _health(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]], spec: SlideSpec
) -> Slide:
    projects = sql.df(con, "health/project_health", as_of=as_of, **scope)
    slide = Slide(spec, "Portfolio health", "Computed RAG rules: " + "; ".join(measures.rules_text()))
    if projects.empty:
        slide.empty = "No projects have been reported on or before this week."
        return slide
    counts = projects["rag_computed"].fillna("").value_counts()
    slide.metrics = [
        Metric(rag_label(r) + " (computed)", f"{int(counts.get(r, 0)):,}") for r in ("Red", "Amber", "Green")
    ]
    slide.metrics.append(
        Metric("Watermelons", f"{int(projects['is_watermelon'].sum()):,}", "declared G, computed R")
    )
    active = projects[projects["is_active"]]
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
            "health/project_health",
            x_title="SPI (schedule)",
            y_title="CPI (cost)",
        )
    )
    matrix = sql.df(con, "health/rag_matrix", as_of=as_of, level="portfolio", **scope)
    text, fills = _rag_grid(matrix)
    slide.blocks.append(
        Chart(
            "RAG matrix by portfolio",
            charts.rag_matrix(matrix),
            "grid",
            text,
            "health/rag_matrix",
            fills=fills,
        )
    )
    melons = projects[projects["is_watermelon"]].head(_rows())
    slide.blocks.append(
        Table(
            "Watermelons: declared Green, computed Red",
            display(melons, ["project_id", "project_name", "rag_declared", "rag_computed", "rag_reasons"]),
            "health/project_health",
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
    since = health.previous_week(as_of)
    changes = sql.df(con, "health/changes", as_of=as_of, since=since, **scope)
    slide = Slide(spec, "What changed", f"From the portfolio as of {since:%d %b %Y} to {as_of:%d %b %Y}")
    if changes.empty:
        slide.empty = "Nothing changed between these snapshots."
        return slide
    worse = changes[
        changes["change_type"].isin(["rag_computed", "rag_declared"]) & (changes["change_amount"] > 0)
    ]
    slide.metrics = [
        Metric("Changes", f"{len(changes):,}"),
        Metric("RAG got worse", f"{len(worse):,}"),
        Metric("Projects affected", f"{changes['project_id'].nunique():,}"),
    ]
    counts = changes["change_type"].value_counts().sort_values()
    data = pd.DataFrame({"Changes": counts.values}, index=[c.replace("_", " ") for c in counts.index])
    slide.blocks.append(
        Chart(
            "Changes by kind",
            charts.change_counts(changes),
            "hbar",
            data,
            "health/changes",
            x_title="Changes",
        )
    )
    cols = [
        c
        for c in ("project_id", "project_name", "change_type", "before_value", "after_value")
        if c in changes.columns
    ]
    shown = worse if len(worse) else changes
    slide.blocks.append(
        Table(
            "RAG got worse" if len(worse) else "Changes",
            display(shown.head(_rows()), cols),
            "health/changes",
        )
    )
    return slide


def _capacity(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]], spec: SlideSpec
) -> Slide:
    grain = spec.options.get("grain", "month")
    by = spec.options.get("by", "role")
    cells = capacity.utilisation(con, as_of, grain=grain, by=by, **scope)
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
        Metric("Hours short", f"{capacity.hours_short(cells):,.0f}"),
        Metric("Cells at or over 100 %", f"{capacity.over_allocated(cells):,}"),
    ]
    frame = cells.copy()
    frame["row"] = capacity.row_label(frame)
    frame["col"] = capacity.period_label(frame["period_start"], grain)
    periods = frame.sort_values("period_start")["col"].drop_duplicates().tolist()
    rows = sorted(frame["row"].drop_duplicates().tolist())
    frame["text"] = [
        f"{u:.0f}% · {band}" if u == u and u is not None else b.no_capacity
        for u, band in zip(frame["utilisation_pct"].astype("float"), frame["band"], strict=True)
    ]
    colours = [b.no_capacity_colour, *b.colours]
    frame["fill"] = [colours[int(i) + 1] for i in frame["band_index"]]
    text = (
        frame.pivot_table(index="row", columns="col", values="text", aggfunc="first")
        .reindex(index=rows, columns=periods)
        .fillna("")
    )
    fills = (
        frame.pivot_table(index="row", columns="col", values="fill", aggfunc="first")
        .reindex(index=rows, columns=periods)
        .fillna("#FFFFFF")
    )
    slide.blocks.append(
        Chart(
            "Utilisation",
            capacity_charts.heatmap(cells, grain, labelled=True),
            "grid",
            text,
            "capacity/utilisation",
            fills=fills,
        )
    )
    return slide


def _ranking(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]], spec: SlideSpec
) -> Slide:
    from epmo import priority

    name = spec.options.get("model", models.DEFAULT_MODEL)
    if name in models.BUILT_INS:
        model = models.BUILT_INS[name]
    else:
        rows = sql.arrow(con, "ledger/document_versions", kind=models.KIND, name=name).to_pylist()
        if not rows:
            slide = Slide(spec, "Project ranking", f"No scoring model named {name!r}")
            slide.empty = f"No scoring model named {name!r} was saved before this snapshot."
            return slide
        model = models.from_document(rows[0])
    cands = priority.candidates(con, as_of, scope["portfolios"], scope["programmes"])
    slide = Slide(spec, "Project ranking", f"Ranked by {model.label}")
    if cands.empty:
        slide.empty = "No candidate projects as of this week."
        return slide
    ranked = scoring.score(cands, model)
    top = ranked[ranked["is_scored"]].head(_rows())
    parts = [c for c in ranked.columns if c.endswith("_contribution")]
    labels = [f"#{r} {p}" for r, p in zip(top["rank"], top["project_id"], strict=True)]
    if parts:
        data = pd.DataFrame(
            {c.removesuffix("_contribution").replace("_", " "): top[c].astype(float).tolist() for c in parts},
            index=labels,
        )
    else:
        data = pd.DataFrame({"score": top["score"].astype(float).tolist()}, index=labels)
    slide.metrics = [
        Metric("Candidates", f"{len(ranked):,}"),
        Metric("Scored", f"{int(ranked['is_scored'].sum()):,}"),
    ]
    slide.blocks.append(
        Chart(
            f"Top {len(top)} by score",
            priority_charts.score_breakdown(ranked, top=_rows()),
            "hbar",
            data.iloc[::-1],
            "priority/candidates",
            x_title="Score",
        )
    )
    table = top.assign(score_text=[f"{s:.3g}" for s in top["score"]])
    shown = display(table, ["rank", "project_id", "project_name", "stage", "moscow"])
    shown["Score"] = table["score_text"].tolist()
    slide.blocks.append(Table("Ranking", shown, "priority/candidates"))
    return slide


def _project(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]], spec: SlideSpec
) -> Slide:
    pid = spec.options.get("project_id", "")
    if not pid:  # the built-in deck: the week's biggest mover
        movers = sql.df(
            con, "health/biggest_movers", as_of=as_of, previous=health.previous_week(as_of), limit=1, **scope
        )
        pid = str(movers["project_id"].iloc[0]) if len(movers) else ""
    history = sql.df(con, "project/health_history", project_id=pid, as_of=as_of) if pid else pd.DataFrame()
    if history.empty:
        slide = Slide(spec, "Project", "")
        slide.empty = (
            f"Project {pid!r} is not in the portfolio as of {as_of:%d %b %Y}."
            if pid
            else "No project moved this week."
        )
        return slide
    now = history.iloc[-1]
    slide = Slide(
        spec,
        f"{pid} · {now['project_name']}",
        f"{now['portfolio']} · {now['stage']} · PM {now['project_manager']} · computed RAG {rag_label(now['rag_computed'])}, declared {rag_label(now['rag_declared'])}"
        + (f" — {now['rag_reasons']}" if now["rag_reasons"] else ""),
    )
    slide.metrics = [
        Metric(measures.label(n), measures.fmt(n, now[n]))
        for n in ("bac", "eac", "ac", "cpi", "spi", "forecast_slip_days")
    ]
    idx = history[["as_of_date", "cpi", "spi"]].copy()
    data = pd.DataFrame(
        {"CPI": idx["cpi"].astype(float).tolist(), "SPI": idx["spi"].astype(float).tolist()},
        index=[f"{pd.Timestamp(d):%d %b %y}" for d in idx["as_of_date"]],
    )
    slide.blocks.append(
        Chart(
            "CPI and SPI by week",
            charts.index_history(history),
            "line",
            data,
            "project/health_history",
            y_title="Index",
        )
    )
    ms = sql.df(
        con,
        "health/milestone_slippage",
        as_of=as_of,
        previous=health.previous_week(as_of),
        project_id=pid,
        portfolios=[],
        programmes=[],
    )
    open_ms = ms[ms["actual_date"].isna()].head(_rows())
    cols = [
        c
        for c in ("milestone_name", "baseline_date", "forecast_date", "slip_days", "slip_change_days")
        if c in open_ms.columns
    ]
    slide.blocks.append(
        Table(
            "Open milestones",
            display(open_ms, cols),
            "health/milestone_slippage",
            "" if len(open_ms) else "No open milestones.",
        )
    )
    dec = decisions(con, decided_by(as_of), pid)
    if len(dec):
        slide.blocks.append(
            Table(
                "Decisions",
                display(dec.head(_rows()), ["decision_date", "decision", "owner", "due_date", "status"]),
                "steering/decisions",
            )
        )
    return slide


def _decisions(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]], spec: SlideSpec
) -> Slide:
    dec = decisions(con, decided_by(as_of))
    slide = Slide(spec, "Decisions", "The steering committee's decisions, newest first")
    if dec.empty:
        slide.empty = "No decisions recorded yet."
        return slide
    open_ = dec[dec["status"].isin(list(get("steering", "open_statuses")))]
    slide.metrics = [Metric("Decisions", f"{len(dec):,}"), Metric("Open", f"{len(open_):,}")]
    slide.blocks.append(
        Table(
            "Decision log",
            display(
                dec.head(_rows()),
                ["decision_date", "decision", "projects_affected", "owner", "due_date", "status"],
            ),
            "steering/decisions",
        )
    )
    return slide


def decided_by(as_of: dt.date) -> dt.date:
    """Decisions shown with a week's data: those taken up to today (the meeting looks at
    last week's data), or up to the as-of week when it is later."""
    return max(as_of, now_utc().date())


def _flow(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: dict[str, list[str]], spec: SlideSpec
) -> Slide:
    """Agile projects beside the rest: their work-item forecasts against the baseline end
    (the computed RAG they feed) and the portfolio's flow (epmo.flow, docs/flow.md)."""
    from epmo import flow, flow_charts

    fs = flow.flow_settings()
    forecasts = sql.df(con, "flow/forecasts", as_of=as_of, **scope)
    slide = Slide(
        spec,
        "Agile flow",
        f"Monte Carlo from each team's daily throughput over the last {fs.window_days} days; "
        f"computed RAG from the {fs.rag_percentile} % date against the baseline end",
    )
    if forecasts.empty:
        slide.empty = "No agile project reported work items on or before this week."
        return slide
    whole = sql.df(con, "flow/summary", as_of=as_of, by="all", scope="", window_days=fs.window_days, **scope)
    row = whole.iloc[0] if len(whole) else None
    slide.metrics = [
        Metric("Agile projects with a forecast", f"{int(forecasts['p85_date'].notna().sum()):,}"),
        *[
            Metric(f"{RAG_LETTERS[r]} {r} (computed)", f"{int((forecasts['rag_computed'] == r).sum()):,}")
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
    top = (
        forecasts.dropna(subset=["flow_slip_days"])
        .sort_values("flow_slip_days", ascending=False)
        .head(_rows())
    )
    data = pd.DataFrame(
        {"Slip (days)": top["flow_slip_days"].astype(int).tolist()},
        index=[f"{p} {n}" for p, n in zip(top["project_id"], top["project_name"], strict=True)],
    ).iloc[::-1]
    slide.blocks.append(
        Chart(
            f"{fs.rag_percentile} % forecast date against baseline end",
            flow_charts.forecast_slip(top),
            "hbar",
            data,
            "flow/forecasts",
            x_title="Days beyond baseline end",
        )
    )
    slide.blocks.append(
        Table(
            "Agile projects furthest behind",
            display(
                top,
                [
                    "project_id",
                    "project_name",
                    "remaining_items",
                    "p85_date",
                    "baseline_end_date",
                    "rag_computed",
                ],
            ),
            "flow/forecasts",
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


def build_slide(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, spec: SlideSpec, scope: dict[str, list[str]] | None = None
) -> Slide:
    """One slide's metrics, charts and tables (the same queries and charts as its page)."""
    return BUILDERS[spec.view](con, as_of, scope or {"portfolios": [], "programmes": []}, spec)


# --------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Decision:
    decision_date: dt.date
    decision: str
    rationale: str
    project_ids: tuple[str, ...]
    owner: str
    due_date: dt.date | None
    status: str = "Open"
    based_on: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data["decision_date"] = self.decision_date.isoformat()
        data["due_date"] = self.due_date.isoformat() if self.due_date else None
        data["project_ids"] = list(self.project_ids)
        return json.dumps(data, sort_keys=True)


def _date(value: Any, what: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise SteeringError(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None


def validate_decision(con: duckdb.DuckDBPyConnection, data: dict[str, Any], frozen: Freeze) -> Decision:
    """A decision from form or JSON input; SteeringError lists everything wrong at once."""
    problems: list[str] = []
    text = str(data.get("decision") or "").strip()
    if not text:
        problems.append("the decision is empty: say what was decided")
    owner = str(data.get("owner") or "").strip()
    if not owner:
        problems.append("give the decision an owner")
    try:
        day = _date(data.get("decision_date"), "decision date") or frozen.frozen_at.date()
    except SteeringError as exc:
        problems.append(str(exc))
        day = frozen.frozen_at.date()
    try:
        due = _date(data.get("due_date"), "due date")
    except SteeringError as exc:
        problems.append(str(exc))
        due = None
    if due is not None and due < day:
        problems.append(f"the due date {due:%d %b %Y} is before the decision date {day:%d %b %Y}")
    status = str(data.get("status") or "Open")
    allowed = [str(s) for s in get("steering", "decision_statuses")]
    if status not in allowed:
        problems.append(f"status must be one of {', '.join(allowed)}, not {status!r}")
    raw = data.get("project_ids") or []
    ids = [p.strip() for p in (raw.split(",") if isinstance(raw, str) else raw) if str(p).strip()]
    if ids:
        known = set(
            sql.df(con, "project/projects", as_of=frozen.as_of, portfolios=[], programmes=[])["project_id"]
        )
        unknown = [p for p in ids if p not in known]
        if unknown:
            problems.append(f"unknown project id(s) as of {frozen.as_of:%d %b %Y}: {', '.join(unknown)}")
    if problems:
        raise SteeringError("Nothing saved: " + "; ".join(problems) + ".")
    return Decision(
        day,
        text,
        str(data.get("rationale") or "").strip(),
        tuple(dict.fromkeys(ids)),
        owner,
        due,
        status,
        {
            "as_of": frozen.as_of.isoformat(),
            "cutoff_at": frozen.cutoff_at.isoformat(),
            "snapshot_key": frozen.snapshot_key,
        },
    )


def save_decision(store: Store, decision: Decision, user_email: str, decision_id: str | None = None) -> str:
    """Save a new decision (a new id) or a new version of an existing one; returns its id.
    A new version keeps the snapshot the first version was based on."""
    if decision_id is None:
        decision_id = f"D-{decision.decision_date:%Y%m%d}-{uuid.uuid4().hex[:6]}"
    else:
        previous = store.document(DECISION_KIND, decision_id)
        if previous is None:
            raise SteeringError(f"no decision {decision_id!r} to edit")
        # an edit (a status, a due date...) keeps the snapshot the decision was based on
        basis = json.loads(previous["spec"]).get("based_on") or decision.based_on
        decision = replace(decision, based_on=basis)
    store.save_document(
        DECISION_KIND, decision_id, decision.to_json(), user_email, as_of=decision.decision_date
    )
    return decision_id


def decisions(con: duckdb.DuckDBPyConnection, as_of: dt.date, project_id: str = "") -> pd.DataFrame:
    """The decision log (latest version of each decision) decided on or before as_of."""
    return sql.df(con, "steering/decisions", as_of=as_of, project_id=project_id)


def decision_history(store: Store, decision_id: str) -> pd.DataFrame:
    return store.frame("ledger/document_versions", kind=DECISION_KIND, name=decision_id)


def decisions_view(store: Store, as_of: dt.date, project: str | None = None) -> pd.DataFrame:
    """Export view `decisions`: the decision log as of the date (one row per decision)."""
    con = store.connect()
    try:
        return decisions(con, as_of, project or "")
    finally:
        con.close()
