"""Flow charts read as the rest of the app: week ticks on the weeks, dates as 27 Nov 2026,
and the WIP chart's P85 line named in the legend, not written over the points."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from epmo import flow_charts
from epmo.charts import WEEK_MS

FRIDAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(("weeks", "step"), [(1, 1), (3, 1), (8, 1), (9, 2), (12, 2), (26, 4)])
def test_throughput_ticks_fall_on_the_weeks_reported(weeks: int, step: int) -> None:
    ends = [FRIDAY - dt.timedelta(weeks=k) for k in range(weeks)][::-1]
    frame = pd.DataFrame({"scope": "All projects", "week_end": pd.to_datetime(ends), "items_done": 5})
    axis = flow_charts.throughput(frame).layout.xaxis
    assert axis.tickformat == "%d %b %Y"
    assert axis.dtick == WEEK_MS * step
    tick0 = pd.Timestamp(axis.tick0)
    assert tick0 in set(pd.to_datetime(ends)), tick0  # a Friday of the data, not a Sunday between bars
    ticks = pd.date_range(tick0, pd.Timestamp(FRIDAY), freq=f"{7 * step}D")
    assert len(ticks) <= 8 and ticks[-1] == pd.Timestamp(FRIDAY)  # the latest week has its tick


def _wip(statuses: list[str], ages: list[int], older: list[bool], p85: float | None = 13.0) -> pd.DataFrame:
    n = len(statuses)
    return pd.DataFrame(
        {
            "status": statuses,
            "age_days": ages,
            "is_older_than_p85": older,
            "cycle_time_p85": [p85] * n,
            "item_key": [f"K-{i}" for i in range(n)],
            "title": ["<b>hostile</b>"] * n,
            "project_id": ["P1"] * n,
        }
    )


def test_the_wip_chart_names_its_p85_line_in_the_legend_and_keeps_the_status_order() -> None:
    # "Blocked" holds only items older than P85: its points come in the second group
    frame = _wip(
        ["In Review", "Blocked", "In Progress", "In Review"], [20, 30, 3, 5], [True, True, False, False]
    )
    fig = flow_charts.wip_age(frame)
    assert [t.name for t in fig.data] == ["within P85", "older than P85", "cycle time P85: 13 days"]
    assert not fig.layout.annotations  # nothing written over the points
    assert [s.y0 for s in fig.layout.shapes] == [13.0]
    assert list(fig.layout.xaxis.categoryarray) == ["In Review", "Blocked", "In Progress"]
    assert all("<b>" not in t for trace in fig.data[:2] for t in trace.text)  # uploaded text escaped
    assert [list(t.customdata[:, 0]) for t in fig.data[:2]] == [["P1", "P1"], ["P1", "P1"]]


def test_the_wip_chart_without_a_cycle_time_has_no_line() -> None:
    fig = flow_charts.wip_age(_wip(["In Progress"], [4], [False], p85=None))
    assert [t.name for t in fig.data] == ["in progress"] and not fig.layout.shapes
