"""The pandas reference: page figures computed the way typical Streamlit dashboards do it.

Every table of the store is loaded into a pandas DataFrame once (`load`), then each page
filters, merges and groups those frames in memory. Only the benchmark uses this file (it
is loaded by path, never imported by the app). tests/unit/test_benchmark.py checks that
its figures equal the real pages' figures (epmo.pagedata) on a small store.

Covered pages and figures (a subset of each page, so the ratio flatters pandas):
  home               project, reporting and stale counts, total BAC, declared RAG counts
                     for the week and the week before; projects by stage and declared RAG
  health_overview    RAG matrix of the declared dimensions by portfolio
  health_milestones  open key milestones and their slip in days
  health_raid        open risks on the probability x impact grid, overdue items
  changes            declared RAG and forecast end changes against the week before
  capacity_heatmap   demand and available hours per role and month (spread over working
                     days as epmo/capacity defines it), utilisation
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from epmo import capacity, contract, health, settings
from epmo.store import ALL_TABLES, Store


@dataclass
class Tables:
    frames: dict[str, pd.DataFrame]

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]


def load(uri: str) -> Tables:
    """Every table of the store's current snapshot as a pandas DataFrame (dates as datetime64)."""
    snap = Store(uri).snapshot()
    frames = {}
    for name, schema in ALL_TABLES.items():
        files = snap.files.get(name, ())
        table = pa.concat_tables([pq.read_table(f) for f in files]) if files else schema.empty_table()
        frames[name] = table.to_pandas(date_as_object=False)
    return Tables(frames)


def _ts(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day)


def current(t: Tables, as_of: dt.date) -> pd.DataFrame:
    """Latest accepted, non-retracted submission per table and entity with as-of <= the week."""
    up = t["uploads"]
    retracted = set(up.loc[up["event"] == "retracted", "upload_id"])
    acc = up[(up["event"] == "accepted") & ~up["upload_id"].isin(retracted)]
    acc = acc[acc["as_of_date"] <= _ts(as_of)][["upload_id", "as_of_date", "event_at"]]
    sub = t["submissions"].merge(acc, on="upload_id")
    sub = sub.sort_values(["as_of_date", "event_at", "upload_id"], ascending=False)
    sub = sub.drop_duplicates(["table_name", "entity_key"])
    sub["weeks_stale"] = (_ts(as_of) - sub["as_of_date"]).dt.days // 7
    return sub[["table_name", "entity_key", "upload_id", "as_of_date", "weeks_stale"]]


def as_of(t: Tables, table: str, week: dt.date, cur: pd.DataFrame | None = None) -> pd.DataFrame:
    cur = current(t, week) if cur is None else cur
    key = contract.table(table).entity_key
    mine = cur[cur["table_name"] == table].drop(columns="table_name")
    data = t[table]
    return data.merge(mine, left_on=["upload_id", key], right_on=["upload_id", "entity_key"]).drop(
        columns="entity_key"
    )


RAGS = ("Red", "Amber", "Green")


def _headline(projects: pd.DataFrame) -> dict[str, float]:
    expected = projects["stage"].isin(settings.current().health.active_stages)
    out: dict[str, float] = {
        "project_count": len(projects),
        # expected to report: a project in an active stage (settings health.active_stages)
        "reporting_count": int((expected & (projects["weeks_stale"] == 0)).sum()),
        "stale_count": int((expected & (projects["weeks_stale"] >= 1)).sum()),
        "total_bac": float(projects["budget_bac"].sum()),
    }
    for rag in RAGS:
        out[f"declared_{rag.lower()}_count"] = int((projects["rag_overall"] == rag).sum())
    return out


def home(t: Tables, week: dt.date) -> dict[str, Any]:
    now = as_of(t, "projects", week)
    before = as_of(t, "projects", health.previous_week(week))
    by_stage = (
        now.groupby(["stage", "rag_overall"], dropna=False).size().rename("project_count").reset_index()
    )
    return {"headline": [_headline(now), _headline(before)], "by_stage": by_stage}


def health_overview(t: Tables, week: dt.date) -> dict[str, Any]:
    projects = as_of(t, "projects", week)
    dims = {
        "Overall": "rag_overall",
        "Schedule": "rag_schedule",
        "Cost": "rag_cost",
        "Scope": "rag_scope",
        "Resources": "rag_resources",
    }
    long = projects.melt(
        id_vars=["portfolio"], value_vars=list(dims.values()), var_name="column", value_name="rag"
    )
    long["dimension"] = long["column"].map({v: k for k, v in dims.items()})
    matrix = (
        long.groupby(["portfolio", "dimension", "rag"], dropna=False)
        .size()
        .rename("project_count")
        .reset_index()
    )
    return {"matrix": matrix}


def health_milestones(t: Tables, week: dt.date) -> dict[str, Any]:
    ms = as_of(t, "milestones", week)
    open_key = ms[ms["is_key"].fillna(False).astype(bool) & ms["actual_date"].isna()].copy()
    open_key["slip_days"] = (open_key["forecast_date"] - open_key["baseline_date"]).dt.days
    return {"open_key": open_key.sort_values("slip_days", ascending=False)}


def health_raid(t: Tables, week: dt.date) -> dict[str, Any]:
    cur = current(t, week)
    projects = as_of(t, "projects", week, cur)[["project_id"]]
    raid = as_of(t, "raid", week, cur).merge(projects, on="project_id")
    risks = raid[(raid["raid_type"] == "Risk") & (raid["status"] == "Open")]
    grid = risks.groupby(["probability", "impact"]).size().rename("risk_count").reset_index()
    cells = pd.MultiIndex.from_product([range(1, 6), range(1, 6)], names=["probability", "impact"])
    grid = grid.set_index(["probability", "impact"]).reindex(cells, fill_value=0).reset_index()
    grid["risk_score"] = grid["probability"] * grid["impact"]
    return {"grid": grid}


def changes(t: Tables, week: dt.date) -> dict[str, Any]:
    now = as_of(t, "projects", week)
    before = as_of(t, "projects", health.previous_week(week))
    both = now.merge(before, on="project_id", suffixes=("", "_before"))
    rag = both[both["rag_overall"] != both["rag_overall_before"]]
    moved = both[both["forecast_end_date"] != both["forecast_end_date_before"]]
    return {
        "rag_declared": rag[["project_id", "rag_overall_before", "rag_overall"]],
        "forecast_end": moved.assign(
            change_days=(moved["forecast_end_date"] - moved["forecast_end_date_before"]).dt.days
        )[["project_id", "change_days"]],
    }


def _period_end(frame: pd.DataFrame, line: list[str]) -> pd.Series:
    """capacity_period_end: a 1st-of-month start is a month unless its neighbours say week."""
    frame = frame.sort_values([*line, "period_start"])
    grouped = frame.groupby(line, dropna=False)["period_start"]
    prev_start, next_start = grouped.shift(1), grouped.shift(-1)
    start = frame["period_start"]
    month_later = start + pd.DateOffset(months=1)
    next_says_month = next_start >= month_later
    prev_says_month = prev_start.isna() | (prev_start + pd.Timedelta(days=28) <= start)
    says_month = next_says_month.where(next_start.notna(), prev_says_month)
    is_month = (start.dt.day == 1) & ((start.dt.dayofweek != 0) | says_month)
    end = start + pd.Timedelta(days=7)
    end[is_month] = month_later[is_month]
    return end.reindex(frame.index)


def _spread(frame: pd.DataFrame, line: list[str], hours: str) -> pd.DataFrame:
    """One row per record and working day of its period, hours spread evenly."""
    periods = frame[[*line, "period_start"]].drop_duplicates().copy()
    periods["period_end"] = _period_end(periods, line)
    frame = frame.merge(periods, on=[*line, "period_start"])
    spans = frame[["period_start", "period_end"]].drop_duplicates()
    days = []
    for start, end in spans.itertuples(index=False):
        work = pd.bdate_range(start, end - pd.Timedelta(days=1))
        days.append(
            pd.DataFrame({"period_start": start, "period_end": end, "work_date": work, "n": len(work)})
        )
    calendar = pd.concat(days, ignore_index=True) if days else pd.DataFrame()
    out = frame.merge(calendar, on=["period_start", "period_end"])
    out["hours"] = out[hours] / out["n"]
    return out


def capacity_heatmap(t: Tables, week: dt.date) -> dict[str, Any]:
    cur = current(t, week)
    alloc = as_of(t, "allocations", week, cur)
    alloc = alloc[(alloc["hours"] > 0) & alloc["period_start"].notna()]
    supply = as_of(t, "capacity", week, cur)
    supply = supply[(supply["available_hours"] > 0) & supply["period_start"].notna()]
    demand_days = _spread(
        alloc[["project_id", "role", "team", "resource_name", "period_start", "hours"]].rename(
            columns={"hours": "record_hours"}
        ),
        ["project_id", "role", "team", "resource_name"],
        "record_hours",
    )
    supply_days = _spread(
        supply[["team", "role", "resource_name", "period_start", "available_hours"]],
        ["team", "role", "resource_name"],
        "available_hours",
    )
    first = _ts(week) - pd.Timedelta(days=week.weekday())
    end = _ts(capacity.horizon_end(week))

    def cells(days: pd.DataFrame, name: str) -> pd.Series:
        inside = days[(days["work_date"] >= first) & (days["work_date"] < end)]
        month = inside["work_date"].dt.to_period("M").dt.to_timestamp()
        return inside.groupby([inside["role"], month.rename("period_start")])["hours"].sum().rename(name)

    grid = pd.concat([cells(demand_days, "demand_hours"), cells(supply_days, "capacity_hours")], axis=1)
    grid = grid.reset_index()
    grid["utilisation_pct"] = np.where(
        grid["capacity_hours"] > 0, 100 * grid["demand_hours"].fillna(0) / grid["capacity_hours"], np.nan
    )
    return {"cells": grid}


PAGES: dict[str, Callable[[Tables, dt.date], dict[str, Any]]] = {
    "home": home,
    "health_overview": health_overview,
    "health_milestones": health_milestones,
    "health_raid": health_raid,
    "changes": changes,
    "capacity_heatmap": capacity_heatmap,
}
