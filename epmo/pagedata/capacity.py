"""Capacity pages: the heatmap (with its cell drill-down) and the what-if (its editor's
choices, then the baseline beside the scenario). The capacity slide reads `heatmap`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from epmo import capacity, sql
from epmo.pagedata.base import Con, Filters, PageData, sql_names


@dataclass(frozen=True)
class View:
    """The heatmap's rows, columns, horizon and demand (the page's controls)."""

    grain: str = "month"
    by: str = "role"
    demand: str = "all"
    horizon_months: int | None = None


def params(f: Filters, view: View, scenario: capacity.Scenario = capacity.BASELINE) -> dict[str, Any]:
    return capacity.query_params(
        f.as_of,
        grain=view.grain,
        by=view.by,
        demand=view.demand,
        horizon_months=view.horizon_months,
        portfolios=f.portfolios,
        programmes=f.programmes,
        scenario=scenario,
    )


def _run(con: Con, name: str, p: dict[str, Any]) -> pd.DataFrame:
    return capacity.run(con, name, p)


@dataclass(frozen=True, eq=False)
class HeatmapData(PageData):
    view: View
    cells: pd.DataFrame  # with `row` and `col` labels
    shortage: pd.DataFrame
    past: pd.DataFrame
    sql: dict[str, str] = sql_names(
        cells="capacity/utilisation",
        demand_days="capacity/capacity_demand_days_compute",
        shortage="capacity/shortage",
        past="capacity/past_demand",
        cell="capacity/cell_demand",
    )

    @property
    def short(self) -> pd.DataFrame:
        return self.shortage[self.shortage["shortage_hours"] > 0]

    def hours_short(self) -> float:
        return capacity.hours_short(self.cells)

    def over_allocated(self) -> int:
        return capacity.over_allocated(self.cells)


def heatmap(con: Con, f: Filters, view: View | None = None) -> HeatmapData:
    """Capacity heatmap (default: rows role, columns month, the default horizon)."""
    view = view or View()
    p = params(f, view)
    cells = _run(con, "capacity/utilisation", p)
    if len(cells):
        cells = cells.assign(
            row=capacity.row_label(cells), col=capacity.period_label(cells["period_start"], view.grain)
        )
    return HeatmapData(
        view=view,
        cells=cells,
        shortage=_run(con, "capacity/shortage", p),
        past=_run(con, "capacity/past_demand", p),
    )


def cell(con: Con, f: Filters, view: View, cell_keys: tuple[tuple[str, Any], ...]) -> pd.DataFrame:
    """The demand behind one heatmap cell (period_start and the row keys): the drill-down."""
    return _run(con, "capacity/cell_demand", params(f, view) | dict(cell_keys))


@dataclass(frozen=True, eq=False)
class WhatifChoices(PageData):
    projects: pd.DataFrame  # projects with demand from the as-of week on
    role_teams: pd.DataFrame
    saved: pd.DataFrame  # saved scenarios
    sql: dict[str, str] = sql_names(projects="capacity/projects_with_demand", saved="ledger/documents")

    @property
    def names(self) -> dict[str, str]:
        return dict(zip(self.projects["project_id"], self.projects["project_name"], strict=True))


def whatif_choices(con: Con, f: Filters) -> WhatifChoices:
    """What the what-if editor offers: projects, roles and teams, saved scenarios."""
    p = params(f, View("month", "role_team", "all", 12))
    return WhatifChoices(
        projects=_run(con, "capacity/projects_with_demand", p),
        role_teams=_run(con, "capacity/role_teams", p),
        saved=sql.df(con, "ledger/documents", kind=capacity.SCENARIO_KIND),
    )


@dataclass(frozen=True, eq=False)
class WhatifData(PageData):
    baseline: pd.DataFrame
    scenario: pd.DataFrame
    compare: pd.DataFrame
    sql: dict[str, str] = sql_names(
        cells="capacity/utilisation",
        scenario_demand="capacity/capacity_scenario_demand",
        scenario_supply="capacity/capacity_scenario_supply",
    )

    @property
    def changed(self) -> pd.DataFrame:
        return self.compare[self.compare["band_changed"]]

    def changed_table(self) -> pd.DataFrame:
        table = self.changed.drop(columns=["band_changed", "baseline_band_index", "scenario_band_index"])
        return table.drop(columns=[k for k in capacity.KEYS if table[k].isna().all()])


def whatif(con: Con, f: Filters, view: View | None = None, scenario: str = "") -> WhatifData:
    """The baseline and a scenario (its JSON; blank: none) side by side."""
    view = view or View()
    scn = capacity.Scenario.from_json(scenario) if scenario else capacity.BASELINE
    base = _run(con, "capacity/utilisation", params(f, view))
    after = _run(con, "capacity/utilisation", params(f, view, scn)) if scn.changes else base
    return WhatifData(baseline=base, scenario=after, compare=capacity.compare(base, after))


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


@dataclass(frozen=True, eq=False)
class WhatifDemo(PageData):
    choices: WhatifChoices
    result: WhatifData

    def frames(self) -> dict[str, pd.DataFrame]:
        return self.choices.frames() | self.result.frames()


def whatif_demo(con: Con, f: Filters) -> WhatifDemo:
    """The What-if page with demo_scenario applied over its projects (the benchmark's run)."""
    choices = whatif_choices(con, f)
    scn = demo_scenario(choices.projects["project_id"].tolist(), f.as_of)
    return WhatifDemo(choices, whatif(con, f, View(), scn.to_json()))
