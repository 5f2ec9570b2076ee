"""queries/priority/*: candidates, dependencies, capacity demand and supply, on a tiny store."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from epmo import priority
from epmo.ingest import ACCEPTED, ingest
from epmo.store import Store
from tests.conftest import WEEK

HEADER = (
    "project_id,project_name,portfolio,project_manager,stage,start_date,baseline_end_date,"
    "forecast_end_date,budget_bac,actual_cost,forecast_eac,rag_overall,is_mandatory,"
    "business_value,time_criticality,risk_reduction,job_size"
)
PROJECTS = [
    "P1,One,Corp,pm@x.org,Execution,2026-01-05,2026-12-31,2027-01-29,1000000,400000,1200000,Green,false,8,5,3,8",
    "P2,Two,Corp,pm@x.org,Closed,2025-01-05,2025-12-31,2025-12-31,500000,500000,,Green,false,8,5,3,8",
    "P3,Three,Corp,pm@x.org,Idea,2027-01-05,2027-12-31,2027-12-31,1000000,1100000,,Amber,true,3,3,3,5",
    "P4,Four,Corp,pm@x.org,Cancelled,2026-01-05,2026-12-31,2026-12-31,300000,10000,,Red,false,1,1,1,1",
    "P5,Five,Other,pm@x.org,Planning,2026-03-02,2027-03-31,2027-03-31,200000,0,150000,Green,false,,2,2,2",
]
RAID = """project_id,raid_id,raid_type,title,status,related_project_id
P1,D1,Dependency,Needs the platform,Open,P3
P1,D2,Dependency,Needed the old system,Closed,P2
P1,D3,Dependency,Self reference,Open,P1
P3,R1,Risk,Vendor,Open,
P5,D1,Dependency,Needs P1,Open,P1
"""
ALLOCATIONS = """project_id,role,team,period_start,hours,is_tentative
P1,Developer,Dev,2026-10-26,40,false
P1,Developer,Dev,2026-11-02,10,false
P1,Developer,Dev,2026-11-09,10,false
P1,Developer,Dev,2026-12-01,100,true
P1,Developer,Dev,2027-11-01,70,true
P3,Tester,QA,2026-12-01,25,true
"""
CAPACITY = """team,role,period_start,available_hours
Dev,Developer,2026-10-01,80
Dev,Developer,2026-11-01,100
Dev,Developer,2026-12-01,90
QA,Tester,2026-12-01,30
"""
CAPACITY_B = """team,role,period_start,available_hours
Platform,Developer,2026-11-01,50
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Read-only for the tests: built once."""
    store = Store(str(tmp_path_factory.mktemp("priority") / "store"))
    store.ensure()
    files = {
        "projects.csv": "\n".join([HEADER, *PROJECTS]) + "\n",
        "raid.csv": RAID,
        "allocations.csv": ALLOCATIONS,
        "capacity.csv": CAPACITY,
        "capacity_platform.csv": CAPACITY_B,
    }
    for name, text in files.items():
        out = ingest(store, name, text.encode(), as_of=WEEK)
        assert out.status == ACCEPTED, out.report.to_text()
    return store


def test_candidates_leave_out_finished_and_stopped_projects(tiny: Store) -> None:
    con = tiny.connect()
    cands = priority.candidates(con, WEEK).set_index("project_id")
    assert sorted(cands.index) == ["P1", "P3", "P5"]  # Closed and Cancelled left out
    assert len(priority.candidates(con, WEEK, excluded_stages=[])) == 5
    assert list(priority.candidates(con, WEEK, portfolios=["Other"])["project_id"]) == ["P5"]
    # remaining = max(EAC - AC, 0), EAC = the health EAC (the PM's forecast first), else budget_bac
    assert cands.loc["P1", "remaining_cost"] == 800_000 and cands.loc["P1", "eac_source"] == "pm"
    assert cands.loc["P3", "remaining_cost"] == 0 and cands.loc["P3", "eac_source"] == "budget_bac"
    assert cands.loc["P5", "remaining_cost"] == 150_000
    assert cands["is_mandatory"].to_dict() == {"P1": False, "P3": True, "P5": False}
    assert cands["is_current"].to_dict() == {"P1": True, "P3": False, "P5": True}
    assert pd.isna(cands.loc["P5", "business_value"])


def test_dependencies_are_open_items_a_depends_on_b(tiny: Store) -> None:
    deps = priority.dependencies(tiny.connect(), WEEK)
    assert list(zip(deps["project_id"], deps["depends_on_project_id"], strict=True)) == [
        ("P1", "P3"),
        ("P5", "P1"),
    ]


def test_capacity_inputs_are_the_capacity_modules_months_from_the_as_of_week(tiny: Store) -> None:
    demand, supply = priority.capacity_inputs(tiny.connect(), WEEK)
    got = {
        (r.project_id, r.role, pd.Timestamp(r.period_start).date()): r.demand_hours
        for r in demand.itertuples()
    }
    # the weekly rows of October and early November are before the as-of week (past, not
    # piled on); November 2027 is beyond the 12-month horizon; tentative demand counts
    assert got == pytest.approx(
        {
            ("P1", "Developer", dt.date(2026, 12, 1)): 100.0,
            ("P3", "Tester", dt.date(2026, 12, 1)): 25.0,
        }
    )
    cap = {(r.role, pd.Timestamp(r.period_start).date()): r.capacity_hours for r in supply.itertuples()}
    # November from the as-of Monday (16th): 11 of its 21 working days; two teams
    assert cap == pytest.approx(
        {
            ("Developer", dt.date(2026, 11, 1)): 150.0 * 11 / 21,
            ("Developer", dt.date(2026, 12, 1)): 90.0,
            ("Tester", dt.date(2026, 12, 1)): 30.0,
        }
    )


def test_select_end_to_end(tiny: Store) -> None:
    con = tiny.connect()
    model = priority.resolve_model(tiny, "wsjf")
    # P3 is mandatory; P1 depends on P3; P5 has no score (missing business_value)
    result = priority.select(con, WEEK, model, priority.Scenario(budget=2_000_000, basis="bac"))
    assert result.selection is not None
    assert result.selection.chosen == ["P1", "P3"]
    assert result.selection.required == {"P3": "mandatory"}
    # the current portfolio (work in flight: P1 Execution, P5 Planning): BAC, WSJF (P5 unscored), count
    assert priority.current_point(result) == (1_200_000.0, (8 + 5 + 3) / 8, 2)
    by_id = result.ranked.set_index("project_id")
    assert by_id.loc["P5", "score_note"] == "missing business_value" and not by_id.loc["P5", "is_selected"]
    # capacity: December Developer demand of P1 (100 h) exceeds 90 h, so P1 cannot be chosen
    capped = priority.select(con, WEEK, model, priority.Scenario(budget=2_000_000, with_capacity=True))
    assert capped.selection is not None and capped.selection.chosen == ["P3"]
    use = priority.capacity_use(capped).set_index(["role", "period"])
    assert use.loc[("Tester", "Dec 2026"), "used_hours"] == pytest.approx(25.0)
    # the heatmap counts what the constraint counts: hours of projects that are not candidates
    # stay theirs (a Closed project's planned hours were left out: 90 % beside "no slack left")
    cons = capped.selection.constraints.set_index("constraint")
    for (role, period), row in use.iterrows():
        name = f"Capacity: {role}, {period}"
        if name in cons.index:
            assert row["used_hours"] == pytest.approx(cons.loc[name, "used"] + row["others_hours"])
            assert row["capacity_hours"] == pytest.approx(cons.loc[name, "limit"] + row["others_hours"])
    # the mandatory P3 alone costs 1,000,000 of BAC
    tight = priority.select(con, WEEK, model, priority.Scenario(budget=900_000))
    assert tight.selection is None and "over the budget 900,000 by 100,000" in tight.error
    # on the remaining basis P3 costs nothing (AC above its BAC, no forecast_eac)
    remaining = priority.select(con, WEEK, model, priority.Scenario(budget=900_000, basis="remaining"))
    assert remaining.selection is not None and remaining.selection.chosen == ["P1", "P3"]
    assert remaining.selection.total_cost == 800_000
