"""The Flow page (agile work items): epmo.flow computes it; this names its result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from epmo.pagedata.base import Con, Filters, PageData, sql_names


@dataclass(frozen=True, eq=False)
class FlowData(PageData):
    by: str
    scope: str
    summary: pd.DataFrame
    throughput: pd.DataFrame
    cycle_times: pd.DataFrame
    wip_age: pd.DataFrame
    cumulative_flow: pd.DataFrame
    forecasts: pd.DataFrame
    extra: dict[str, Any]  # one project: forecast, forecast_reason, trend, epics
    sql: dict[str, str] = sql_names(
        summary="flow/summary",
        throughput="flow/throughput",
        cycle_times="flow/cycle_times",
        wip_age="flow/wip_age",
        cumulative_flow="flow/cumulative_flow",
        forecasts="flow/forecasts",
    )

    @property
    def scopes(self) -> list[str]:
        return self.summary["scope"].tolist()

    @property
    def project_forecasts(self) -> pd.DataFrame:
        return self.forecasts[self.forecasts["project_id"] == self.scope]

    @property
    def epics(self) -> pd.DataFrame:
        return pd.DataFrame(self.extra.get("epics", []))


FRAMES = ("summary", "throughput", "cycle_times", "wip_age", "cumulative_flow", "forecasts")


def flow(con: Con, f: Filters, by: str = "all", scope: str = "", by_date: dt.date | None = None) -> FlowData:
    """The Flow page for one level (all, portfolio, team, project) and optionally one scope;
    for a project, how many items it will have done by `by_date`."""
    from epmo.flow import flow_page

    out = flow_page(con, f.as_of, by, scope, f.portfolios, f.programmes, by_date)
    return FlowData(
        by=by,
        scope=scope,
        summary=out["summary"],
        throughput=out["throughput"],
        cycle_times=out["cycle_times"],
        wip_age=out["wip_age"],
        cumulative_flow=out["cumulative_flow"],
        forecasts=out["forecasts"],
        extra={k: v for k, v in out.items() if k not in FRAMES},
    )
