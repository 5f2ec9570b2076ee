"""The data work of each page, as the page does it with its default widget values.

One function per page (Portfolio health: one per tab, as the page runs only its open tab): given a store connection, the as-of
week and the sidebar filters, run the same named queries with the same parameters as the
page and the same domain calls (scoring, the MILP, what-if compare), and return the frames.
The benchmark (epmo.benchmark) times these functions; tests/unit/test_benchmark.py checks
that every query a page file runs is run by its function here, so the two cannot drift.
No streamlit here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from epmo import capacity, health, sql
from epmo.settings import get

Frames = dict[str, Any]


@dataclass(frozen=True)
class Filters:
    as_of: dt.date
    portfolios: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()

    @property
    def scope(self) -> dict[str, list[str]]:
        return {"portfolios": list(self.portfolios), "programmes": list(self.programmes)}


def _q(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
    return sql.df(con, name, **params)


def sidebar(con: duckdb.DuckDBPyConnection, f: Filters) -> Frames:
    """The shared sidebar: reporting weeks and the portfolio/programme filter values."""
    return {
        "weeks": _q(con, "ledger/reporting_weeks"),
        "filters": _q(con, "home/portfolio_filters", as_of=f.as_of),
    }


def home(con: duckdb.DuckDBPyConnection, f: Filters) -> Frames:
    previous = health.previous_week(f.as_of)
    return {
        "headline": _q(con, "health/headline", as_of=f.as_of, previous=previous, **f.scope),
        "by_stage": _q(con, "home/projects_by_stage", as_of=f.as_of, **f.scope),
        "movers": _q(con, "health/biggest_movers", as_of=f.as_of, previous=previous, limit=5, **f.scope),
    }


def health_overview(con: duckdb.DuckDBPyConnection, f: Filters) -> Frames:
    level = "portfolio"
    return {
        "projects": _q(con, "health/project_health", as_of=f.as_of, **f.scope),
        "summary": _q(con, "health/portfolio_summary", as_of=f.as_of, level=level, **f.scope),
        "matrix": _q(con, "health/rag_matrix", as_of=f.as_of, level=level, **f.scope),
    }


def health_projects(con: duckdb.DuckDBPyConnection, f: Filters) -> Frames:
    return {"projects": _q(con, "health/project_health", as_of=f.as_of, **f.scope)}


def health_budget_burn(con: duckdb.DuckDBPyConnection, f: Filters) -> Frames:
    return {"burn": _q(con, "health/budget_burn", as_of=f.as_of, project_id="", **f.scope)}


def health_milestones(con: duckdb.DuckDBPyConnection, f: Filters) -> Frames:
    previous = health.previous_week(f.as_of)
    slips = _q(con, "health/milestone_slippage", as_of=f.as_of, previous=previous, project_id="", **f.scope)
    key = slips[slips["is_key"]]
    open_ms = key[key["actual_date"].isna()]
    worst = open_ms.sort_values("slip_days", ascending=False)["project_id"].drop_duplicates().head(6)
    trend = _q(con, "health/milestone_trend", as_of=f.as_of, project_ids=worst.tolist())
    return {"slippage": slips, "trend": trend}


def health_raid(con: duckdb.DuckDBPyConnection, f: Filters) -> Frames:
    return {
        "items": _q(con, "health/raid_items", as_of=f.as_of, project_id="", **f.scope),
        "grid": _q(con, "health/raid_heat_grid", as_of=f.as_of, **f.scope),
        "dependencies": _q(con, "health/dependencies", as_of=f.as_of, **f.scope),
    }


def changes(con: duckdb.DuckDBPyConnection, f: Filters) -> Frames:
    since = health.previous_week(f.as_of)
    return {"changes": _q(con, "health/changes", as_of=f.as_of, since=since, **f.scope)}


def project(con: duckdb.DuckDBPyConnection, f: Filters, project_id: str | None = None) -> Frames:
    """The Project page of one project (default: the first in the list, as the page opens)."""
    everyone: dict[str, list[str]] = {"portfolios": [], "programmes": []}
    previous = health.previous_week(f.as_of)
    choices = _q(con, "project/projects", as_of=f.as_of, **everyone)
    if choices.empty:
        return {"choices": choices}
    pid = project_id or str(choices["project_id"].iloc[0])
    changed = _q(con, "health/changes", as_of=f.as_of, since=previous, **everyone)
    return {
        "choices": choices,
        "history": _q(con, "project/health_history", project_id=pid, as_of=f.as_of),
        "burn": _q(con, "health/budget_burn", as_of=f.as_of, project_id=pid, **everyone),
        "milestones": _q(
            con,
            "health/milestone_slippage",
            as_of=f.as_of,
            previous=previous,
            project_id=pid,
            **everyone,
        ),
        "trend": _q(con, "health/milestone_trend", as_of=f.as_of, project_ids=[pid]),
        "raid": _q(con, "health/raid_items", as_of=f.as_of, project_id=pid, **everyone),
        "changes": changed[changed["project_id"] == pid],
    }


def _cap(con: duckdb.DuckDBPyConnection, name: str, p: dict[str, Any]) -> pd.DataFrame:
    return capacity.run(con, name, p)


def capacity_heatmap(con: duckdb.DuckDBPyConnection, f: Filters) -> Frames:
    """Capacity heatmap with the page's defaults (rows role, columns month, default horizon)."""
    p = capacity.query_params(
        f.as_of, grain="month", by="role", demand="all", portfolios=f.portfolios, programmes=f.programmes
    )
    return {
        "cells": _cap(con, "capacity/utilisation", p),
        "shortage": _cap(con, "capacity/shortage", p),
        "past": _cap(con, "capacity/past_demand", p),
    }


def demo_scenario(project_ids: Sequence[str], as_of: dt.date) -> capacity.Scenario:
    """A what-if of every kind: two projects left out, one shifted, one scaled, capacity changed."""
    ids = list(project_ids) + [""] * 5
    changes_ = [
        capacity.Change("exclude", project_id=ids[0]),
        capacity.Change("exclude", project_id=ids[1]),
        capacity.Change("shift", project_id=ids[2], weeks=6),
        capacity.Change("scale", project_id=ids[3], percent=50),
        capacity.Change(
            "capacity", role="Developer", from_month=capacity.month_start(as_of, 2), hours_per_week=75
        ),
    ]
    return capacity.Scenario(tuple(c for c in changes_ if c.kind == "capacity" or c.project_id))


def capacity_whatif(
    con: duckdb.DuckDBPyConnection, f: Filters, scenario: capacity.Scenario | None = None
) -> Frames:
    """The What-if page with a scenario applied (default: demo_scenario over its projects)."""
    base_p = capacity.query_params(
        f.as_of, "month", "role_team", "all", 12, f.portfolios, f.programmes, capacity.BASELINE
    )
    projects = _cap(con, "capacity/projects_with_demand", base_p)
    role_teams = _cap(con, "capacity/role_teams", base_p)
    saved = _q(con, "ledger/documents", kind=capacity.SCENARIO_KIND)
    scn = scenario or demo_scenario(projects["project_id"].tolist(), f.as_of)
    base_p = capacity.query_params(f.as_of, "month", "role", "all", None, f.portfolios, f.programmes)
    scn_p = capacity.query_params(f.as_of, "month", "role", "all", None, f.portfolios, f.programmes, scn)
    base = _cap(con, "capacity/utilisation", base_p)
    after = _cap(con, "capacity/utilisation", scn_p)
    return {
        "projects": projects,
        "role_teams": role_teams,
        "saved": saved,
        "baseline": base,
        "scenario": after,
        "compare": capacity.compare(base, after),
    }


def _model(name: str | None = None) -> Any:
    from epmo.priority import models

    return models.BUILT_INS[name or models.DEFAULT_MODEL]


def _candidates(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    from epmo import priority

    return priority.candidates(con, f.as_of, f.portfolios, f.programmes)


def ranking(con: duckdb.DuckDBPyConnection, f: Filters) -> Frames:
    from epmo.priority import scoring

    cands = _candidates(con, f)
    _q(con, "ledger/documents", kind="scoring_model")  # the model picker
    return {"candidates": cands, "ranked": scoring.score(cands, _model())}


def sensitivity(con: duckdb.DuckDBPyConnection, f: Filters) -> Frames:
    from epmo.priority import scoring

    cands = _candidates(con, f)
    _q(con, "ledger/documents", kind="scoring_model")
    sens = scoring.sensitivity(
        cands,
        _model(),
        runs=int(get("priority", "sensitivity_runs")),
        pct=float(get("priority", "sensitivity_pct")),
        seed=int(get("priority", "sensitivity_seed")),
    )
    return {"sensitivity": sens}


def _selection(con: duckdb.DuckDBPyConnection, f: Filters, with_capacity: bool) -> Any:
    from epmo import priority

    cands = _candidates(con, f)
    _q(con, "ledger/documents", kind="scoring_model")
    model = _model()
    budget = round(float(cands.loc[cands["is_current"], "budget_bac"].sum()), -3)
    scenario = priority.Scenario(
        model=model.name, model_version=model.version, budget=budget, basis="bac", with_capacity=with_capacity
    )
    with priority.native_output_to_stderr():
        return priority.select(con, f.as_of, model, scenario, f.portfolios, f.programmes, frame=cands)


def optimiser(con: duckdb.DuckDBPyConnection, f: Filters, with_capacity: bool = False) -> Frames:
    """Portfolio selection at the page's default budget (the current portfolio's BAC)."""
    result = _selection(con, f, with_capacity)
    sel = result.selection
    return {"ranked": result.ranked, "chosen": list(sel.chosen) if sel else []}


def frontier(con: duckdb.DuckDBPyConnection, f: Filters, with_capacity: bool = False) -> Frames:
    """Portfolio selection plus its efficient frontier (priority.frontier_steps levels)."""
    from epmo import priority

    result = _selection(con, f, with_capacity)
    with priority.native_output_to_stderr():
        front = priority.efficient_frontier_of(result.problem, int(get("priority", "frontier_steps")))
    return {"ranked": result.ranked, "frontier": front}


PageFunc = Callable[[duckdb.DuckDBPyConnection, Filters], Frames]

# name -> (app page file, function). The benchmark runs every one of these.
PAGES: dict[str, tuple[str, PageFunc]] = {
    "home": ("app_pages/home.py", home),
    "health_overview": ("app_pages/health.py", health_overview),
    "health_projects": ("app_pages/health.py", health_projects),
    "health_budget_burn": ("app_pages/health.py", health_budget_burn),
    "health_milestones": ("app_pages/health.py", health_milestones),
    "health_raid": ("app_pages/health.py", health_raid),
    "changes": ("app_pages/changes.py", changes),
    "project": ("app_pages/project.py", project),
    "capacity_heatmap": ("app_pages/capacity.py", capacity_heatmap),
    "capacity_whatif": ("app_pages/capacity_whatif.py", capacity_whatif),
    "ranking": ("app_pages/priority_ranking.py", ranking),
    "sensitivity": ("app_pages/priority_sensitivity.py", sensitivity),
    "optimiser": ("app_pages/priority_selection.py", optimiser),
    "frontier": ("app_pages/priority_selection.py", frontier),
}


def flow(con: duckdb.DuckDBPyConnection, f: Filters, by: str = "all", scope: str = "") -> Frames:
    """The Flow page (agile work items): see epmo.flow.flow_page."""
    from epmo.flow import flow_page

    return flow_page(con, f.as_of, by, scope, f.portfolios, f.programmes)


PAGES["flow"] = ("app_pages/flow.py", flow)
