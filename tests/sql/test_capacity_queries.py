"""Capacity queries (queries/capacity/) on small synthetic stores: periods, utilisation, what-if."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from collections.abc import Iterator
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from epmo import capacity
from epmo.capacity import Change, Scenario
from epmo.store import Store, data_schema

AS_OF = dt.date(2026, 11, 20)  # a Friday: the as-of week starts on Monday 16 Nov 2026
D = dt.date
_ids = itertools.count()


def commit(store: Store, as_of: dt.date = AS_OF, **tables: list[dict[str, Any]]) -> None:
    """One accepted upload carrying the given rows (projects, allocations, capacity)."""
    uid = f"u{next(_ids):04d}"
    frames = {}
    for name, rows in tables.items():
        schema = data_schema(name)
        full = [
            {c: r.get(c) for c in schema.names} | {"upload_id": uid, "source_row": i}
            for i, r in enumerate(rows)
        ]
        frames[name] = pa.Table.from_pylist(full, schema=schema)
    ledger = {
        "upload_id": uid,
        "as_of_date": as_of,
        "user_email": "t@example.org",
        "file_name": f"{uid}.csv",
        "sha256": uid,
        "tables": ",".join(sorted(tables)),
        "row_counts": json.dumps({n: len(r) for n, r in tables.items()}),
        "mapping_name": "",
        "note": "test",
    }
    store.commit_frames(frames, [ledger])


def project(pid: str, portfolio: str = "Corporate") -> dict[str, Any]:
    return {
        "project_id": pid,
        "project_name": f"Project {pid}",
        "portfolio": portfolio,
        "project_manager": "pm@example.org",
        "stage": "Execution",
        "start_date": D(2026, 1, 5),
        "baseline_end_date": D(2027, 12, 31),
        "forecast_end_date": D(2027, 12, 31),
        "budget_bac": 1e6,
        "actual_cost": 1e5,
        "rag_overall": "Green",
    }


def alloc(
    pid: str, start: dt.date, hours: float, role: str = "Developer", tentative: bool = False, **kw: Any
) -> dict[str, Any]:
    return {
        "project_id": pid,
        "role": role,
        "team": kw.get("team", "Delivery"),
        "resource_name": kw.get("person"),
        "period_start": start,
        "hours": hours,
        "is_tentative": tentative,
    }


def cap(
    start: dt.date, hours: float, role: str = "Developer", team: str = "Delivery", person: str | None = None
) -> dict[str, Any]:
    return {
        "team": team,
        "role": role,
        "resource_name": person,
        "period_start": start,
        "available_hours": hours,
    }


@pytest.fixture
def con_of(store: Store) -> Iterator[Any]:
    """Commit the given tables, then a connection over the store."""
    opened: list[duckdb.DuckDBPyConnection] = []

    def make(**tables: list[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
        if tables:
            commit(store, **tables)
        con = store.connect()
        opened.append(con)
        return con

    yield make
    for con in opened:
        con.close()


def by_period(frame: Any, value: str = "demand_hours", **match: Any) -> dict[dt.date, float]:
    rows = frame
    for k, v in match.items():
        rows = rows[rows[k] == v]
    return {
        dt.date.fromisoformat(str(p)[:10]): round(float(h), 4)
        for p, h in zip(rows["period_start"], rows[value], strict=True)
    }


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("rows", "grain", "expected"),
    [
        # a week that spans two months is split by working days: Mon 30 Nov + 4 December days
        ([alloc("P1", D(2026, 11, 30), 50)], "month", {D(2026, 11, 1): 10, D(2026, 12, 1): 40}),
        # a month's hours spread over its 23 working days, then land in its weeks
        (
            [alloc("P1", D(2026, 12, 1), 230)],
            "week",
            {
                D(2026, 11, 30): 40,
                D(2026, 12, 7): 50,
                D(2026, 12, 14): 50,
                D(2026, 12, 21): 50,
                D(2026, 12, 28): 40,
            },
        ),
        # the week of 28 Dec 2026 spans the year: 4 days in 2026, Friday 1 Jan in 2027
        ([alloc("P1", D(2026, 12, 28), 40)], "month", {D(2026, 12, 1): 32, D(2027, 1, 1): 8}),
        ([alloc("P1", D(2026, 12, 28), 40)], "quarter", {D(2026, 10, 1): 32, D(2027, 1, 1): 8}),
        # Monday 1 Feb 2027 followed by monthly periods: a month (20 working days)
        (
            [alloc("P1", D(2027, 2, 1), 200), alloc("P1", D(2027, 3, 1), 230)],
            "month",
            {D(2027, 2, 1): 200, D(2027, 3, 1): 230},
        ),
        # Monday 1 Feb 2027 followed by weekly periods: a week
        (
            [alloc("P1", D(2027, 2, 1), 10), alloc("P1", D(2027, 2, 8), 10)],
            "week",
            {D(2027, 2, 1): 10, D(2027, 2, 8): 10},
        ),
        # Monday 1 Feb 2027 as the last of weekly periods: a week
        (
            [alloc("P1", D(2027, 1, 25), 10), alloc("P1", D(2027, 2, 1), 10)],
            "week",
            {D(2027, 1, 25): 10, D(2027, 2, 1): 10},
        ),
        # Monday 1 Feb 2027 as the last of monthly periods: a month
        (
            [alloc("P1", D(2027, 1, 1), 210), alloc("P1", D(2027, 2, 1), 200)],
            "month",
            {D(2027, 1, 1): 210, D(2027, 2, 1): 200},
        ),
        # weekly periods then monthly ones from Monday 1 Feb 2027 (the next says month)
        (
            [
                alloc("P1", D(2027, 1, 25), 10),
                alloc("P1", D(2027, 2, 1), 200),
                alloc("P1", D(2027, 3, 1), 230),
            ],
            "month",
            {D(2027, 1, 1): 10, D(2027, 2, 1): 200, D(2027, 3, 1): 230},
        ),
        # a single Monday the 1st: read as a month
        (
            [alloc("P1", D(2027, 2, 1), 200)],
            "week",
            {D(2027, 2, 1): 50, D(2027, 2, 8): 50, D(2027, 2, 15): 50, D(2027, 2, 22): 50},
        ),
        # weekly and monthly periods of one project together (the demo's shape)
        (
            [alloc("P1", D(2026, 11, 23), 20), alloc("P1", D(2027, 1, 1), 210)],
            "month",
            {D(2026, 11, 1): 20, D(2027, 1, 1): 210},
        ),
    ],
)
def test_demand_is_spread_over_working_days(con_of, rows, grain, expected) -> None:  # type: ignore[no-untyped-def]
    con = con_of(projects=[project("P1")], allocations=rows)
    got = capacity.project_role_demand(con, AS_OF, grain=grain, horizon_months=12)
    assert by_period(got) == pytest.approx(expected)


def test_a_month_on_a_monday_the_1st_is_read_by_its_own_line(con_of) -> None:  # type: ignore[no-untyped-def]
    # Testers plan weekly around 1 Feb 2027 (a Monday); the Developer's single row on that
    # day is a month of its own line: 200 h over February's 20 working days, not one week
    con = con_of(
        projects=[project("P1")],
        allocations=[
            alloc("P1", D(2027, 1, 25), 10, role="Tester"),
            alloc("P1", D(2027, 2, 1), 10, role="Tester"),
            alloc("P1", D(2027, 2, 8), 10, role="Tester"),
            alloc("P1", D(2027, 2, 1), 200),
        ],
    )
    weekly = capacity.project_role_demand(con, AS_OF, grain="week", horizon_months=6)
    developer = by_period(weekly, role="Developer")
    assert developer[D(2027, 2, 1)] == pytest.approx(50) and developer[D(2027, 2, 22)] == pytest.approx(50)
    assert by_period(weekly, role="Tester")[D(2027, 2, 1)] == pytest.approx(10)


def test_supply_is_spread_like_demand(con_of) -> None:  # type: ignore[no-untyped-def]
    con = con_of(capacity=[cap(D(2026, 12, 1), 230), cap(D(2026, 11, 30), 50, role="Tester")])
    weekly = capacity.role_supply(con, AS_OF, grain="week", horizon_months=3)
    assert by_period(weekly, "capacity_hours", role="Developer")[D(2026, 12, 7)] == pytest.approx(50)
    monthly = capacity.role_supply(con, AS_OF, grain="month", horizon_months=3)
    assert by_period(monthly, "capacity_hours", role="Tester") == pytest.approx(
        {D(2026, 11, 1): 10, D(2026, 12, 1): 40}
    )


def test_demand_before_the_as_of_week_is_set_apart(con_of) -> None:  # type: ignore[no-untyped-def]
    # Monday 9 Nov is the week before the as-of week; 16 Nov is the as-of week itself
    con = con_of(
        projects=[project("P1")],
        allocations=[
            alloc("P1", D(2026, 11, 9), 30),
            alloc("P1", D(2026, 11, 16), 20),
            alloc("P1", D(2026, 11, 2), 5, tentative=True),
        ],
        capacity=[cap(D(2026, 11, 1), 100)],
    )
    cells = capacity.utilisation(con, AS_OF, grain="week")
    assert {k: v for k, v in by_period(cells).items() if v} == {D(2026, 11, 16): 20}  # not piled on this week
    past = capacity.past_demand(con, AS_OF)
    assert past[["role", "confirmed_hours", "tentative_hours", "project_count"]].to_dict("records") == [
        {"role": "Developer", "confirmed_hours": 30.0, "tentative_hours": 5.0, "project_count": 1}
    ]
    # the horizon starts on the Monday of the as-of week: November has 11 working days left
    assert by_period(cells, "capacity_hours")[D(2026, 11, 16)] == pytest.approx(100 / 21 * 5, abs=0.05)


# --------------------------------------------------------------------------- utilisation


@pytest.mark.parametrize(
    ("demand", "supply", "pct", "band", "band_index"),
    [
        (0.0, 230.0, 0.0, "Under 70%", 0),
        (160.0, 230.0, 69.6, "Under 70%", 0),
        (161.0, 230.0, 70.0, "70-85%", 1),
        (230.0, 230.0, 100.0, "100-120%", 3),
        (220.0, 230.0, 95.7, "85-100%", 2),
        (276.0, 230.0, 120.0, "120% or more", 4),
        (460.0, 230.0, 200.0, "120% or more", 4),
    ],
)
def test_utilisation_arithmetic_and_bands(con_of, demand, supply, pct, band, band_index) -> None:  # type: ignore[no-untyped-def]
    rows = [alloc("P1", D(2026, 12, 1), demand)] if demand else []
    con = con_of(
        projects=[project("P1")],
        allocations=rows or [alloc("P1", D(2027, 6, 1), 1)],
        capacity=[cap(D(2026, 12, 1), supply)],
    )
    cells = capacity.utilisation(con, AS_OF, grain="month", horizon_months=3)
    dec = cells[cells["period_start"].astype(str).str.startswith("2026-12")].iloc[0]
    assert dec["demand_hours"] == pytest.approx(demand)
    assert dec["capacity_hours"] == pytest.approx(supply)
    assert dec["utilisation_pct"] == pytest.approx(pct)
    assert (dec["band"], dec["band_index"]) == (band, band_index)
    # the Python twin (a selection's capacity use) bands as the query does
    assert capacity.band_index(dec["utilisation_pct"]) == band_index


def test_demand_without_capacity_is_shown_as_such(con_of) -> None:  # type: ignore[no-untyped-def]
    con = con_of(
        projects=[project("P1")],
        allocations=[alloc("P1", D(2026, 12, 1), 115, role="Architect"), alloc("P1", D(2026, 12, 1), 10)],
        capacity=[cap(D(2026, 12, 1), 230)],
    )
    cells = capacity.utilisation(con, AS_OF, grain="month", horizon_months=2)
    arch = cells[cells["role"] == "Architect"].iloc[0]
    assert arch["demand_hours"] == 115 and not arch["has_capacity"]
    assert math.isnan(arch["utilisation_pct"]) and math.isnan(arch["capacity_hours"])  # not inf, not 0
    assert (arch["band"], arch["band_index"]) == ("No capacity", -1)
    short = capacity.shortage(con, AS_OF, grain="month", horizon_months=2)
    row = short[short["role"] == "Architect"].iloc[0]
    # all of it is short: 115 h over December's 23 working days of 7.5 h = 0.67 FTE
    assert (row["shortage_hours"], row["shortage_fte"]) == (115.0, pytest.approx(115 / (7.5 * 23), abs=0.01))
    assert row["top_projects"] == "P1 (115 h)"


def test_a_team_reporting_zero_hours_has_zero_not_none(con_of) -> None:  # type: ignore[no-untyped-def]
    """A row of 0 available hours was dropped: the cell read "no capacity row covers it", the
    optimiser left the month unconstrained, and a Monday the 1st between zero weeks read as
    a month."""
    con = con_of(
        projects=[project("P1")],
        allocations=[alloc("P1", D(2026, 12, 1), 50, role="Tester")],
        capacity=[cap(D(2026, 12, 1), 0, role="Tester")],
    )
    cells = capacity.utilisation(con, AS_OF, grain="month", horizon_months=2)
    tester = cells[cells["role"] == "Tester"].iloc[0]
    assert tester["capacity_hours"] == 0 and not tester["has_capacity"]  # reported: 0, not blank
    assert (tester["band"], tester["band_index"]) == ("No capacity", -1)
    supply = capacity.role_supply(con, AS_OF, grain="month", horizon_months=2)
    assert by_period(supply, "capacity_hours", role="Tester") == {D(2026, 12, 1): 0}
    # zero weeks around a Monday the 1st keep it a week, on both sides
    con = con_of(
        projects=[project("P1")],
        allocations=[
            alloc("P1", D(2027, 2, 1), 40),
            alloc("P1", D(2027, 2, 8), 0),
            alloc("P1", D(2027, 2, 15), 0),
        ],
        capacity=[cap(D(2027, 2, 1), 40), cap(D(2027, 2, 8), 0), cap(D(2027, 2, 15), 0)],
    )
    weekly = capacity.utilisation(con, AS_OF, grain="week", horizon_months=6)
    assert {k: v for k, v in by_period(weekly).items() if v} == {D(2027, 2, 1): 40}
    # ...and a 0 demands nothing: no role-month of demand (the optimiser's "not constrained"
    # note, the what-if pickers) comes from it
    demand = capacity.project_role_demand(con, AS_OF, grain="week", horizon_months=6)
    assert by_period(demand) == {D(2027, 2, 1): 40}
    assert {k: v for k, v in by_period(weekly, "capacity_hours").items() if v} == {D(2027, 2, 1): 40}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("all", 150.0), ("confirmed", 100.0), ("tentative", 50.0)],
)
def test_tentative_toggle(con_of, mode, expected) -> None:  # type: ignore[no-untyped-def]
    con = con_of(
        projects=[project("P1"), project("P2")],
        allocations=[alloc("P1", D(2026, 12, 1), 100), alloc("P2", D(2026, 12, 1), 50, tentative=True)],
        capacity=[cap(D(2026, 12, 1), 300)],
    )
    cells = capacity.utilisation(con, AS_OF, grain="month", horizon_months=2, demand=mode)
    dec = cells[cells["period_start"].astype(str).str.startswith("2026-12")].iloc[0]
    assert (dec["confirmed_hours"], dec["tentative_hours"]) == (100.0, 50.0)  # both always shown apart
    assert dec["demand_hours"] == expected
    assert dec["utilisation_pct"] == pytest.approx(100 * expected / 300, abs=0.05)
    drill = capacity.cell_demand(
        con, AS_OF, D(2026, 12, 1), role="Developer", grain="month", horizon_months=2, demand=mode
    )
    assert drill["demand_hours"].sum() == pytest.approx(expected)


@pytest.mark.parametrize(
    ("by", "keys"),
    [
        ("role", {("Developer", None, None), ("Tester", None, None)}),
        ("team", {(None, "Delivery", None), (None, "Quality", None)}),
        (
            "role_team",
            {("Developer", "Delivery", None), ("Tester", "Quality", None), ("Tester", "Delivery", None)},
        ),
        (
            "person",
            {
                ("Developer", "Delivery", "Ann"),
                ("Developer", "Delivery", "(unnamed)"),
                ("Tester", "Quality", "(unnamed)"),
                ("Tester", "Delivery", "(unnamed)"),
            },
        ),
    ],
)
def test_rows_by_role_team_and_person(con_of, by, keys) -> None:  # type: ignore[no-untyped-def]
    con = con_of(
        projects=[project("P1")],
        allocations=[
            alloc("P1", D(2026, 12, 1), 50, person="Ann"),
            alloc("P1", D(2026, 12, 1), 40, role="Tester", team="Quality"),
            alloc("P1", D(2026, 12, 1), 5, role="Tester"),
        ],
        capacity=[cap(D(2026, 12, 1), 100), cap(D(2026, 12, 1), 60, role="Tester", team="Quality")],
    )
    cells = capacity.utilisation(con, AS_OF, grain="month", by=by, horizon_months=2)
    got = {
        tuple(None if v is None or v != v else v for v in r)
        for r in cells[list(capacity.KEYS)].itertuples(index=False)
    }
    assert got == keys
    assert cells["demand_hours"].sum() == pytest.approx(95)


def test_drill_down_lists_the_projects_of_a_cell(con_of) -> None:  # type: ignore[no-untyped-def]
    con = con_of(
        projects=[project("P1"), project("P2"), project("P3")],
        allocations=[
            alloc("P1", D(2026, 12, 1), 100),
            alloc("P2", D(2026, 12, 7), 30, person="Bo"),
            alloc("P3", D(2027, 1, 1), 80),
            alloc("P3", D(2026, 12, 1), 20, role="Tester"),
        ],
        capacity=[cap(D(2026, 12, 1), 100)],
    )
    drill = capacity.cell_demand(
        con, AS_OF, D(2026, 12, 1), role="Developer", grain="month", horizon_months=3
    )
    assert drill[["project_id", "project_name", "resource_name", "demand_hours"]].to_dict("records") == [
        {
            "project_id": "P1",
            "project_name": "Project P1",
            "resource_name": "(unnamed)",
            "demand_hours": 100.0,
        },
        {"project_id": "P2", "project_name": "Project P2", "resource_name": "Bo", "demand_hours": 30.0},
    ]
    assert drill["share_pct"].round(1).tolist() == [76.9, 23.1]
    short = capacity.shortage(con, AS_OF, grain="month", horizon_months=3)
    dec = short[
        (short["role"] == "Developer") & short["period_start"].astype(str).str.startswith("2026-12")
    ].iloc[0]
    assert dec["shortage_hours"] == 30.0 and dec["top_projects"] == "P1 (100 h), P2 (30 h)"


def test_portfolio_filter_applies_to_demand_not_supply(con_of) -> None:  # type: ignore[no-untyped-def]
    con = con_of(
        projects=[project("P1", "Corporate"), project("P2", "Digital")],
        allocations=[alloc("P1", D(2026, 12, 1), 100), alloc("P2", D(2026, 12, 1), 50)],
        capacity=[cap(D(2026, 12, 1), 300)],
    )
    cells = capacity.utilisation(con, AS_OF, grain="month", horizon_months=2, portfolios=["Digital"])
    dec = cells[cells["period_start"].astype(str).str.startswith("2026-12")].iloc[0]
    assert (dec["demand_hours"], dec["capacity_hours"]) == (50.0, 300.0)


def test_capacity_supersedes_per_team(con_of, store: Store) -> None:  # type: ignore[no-untyped-def]
    commit(
        store,
        D(2026, 11, 6),
        capacity=[cap(D(2026, 12, 1), 100), cap(D(2026, 12, 1), 40, role="Tester", team="Quality")],
    )
    con = con_of(capacity=[cap(D(2026, 12, 1), 150)])  # the Delivery team re-submits; Quality stands
    supply = capacity.role_supply(con, AS_OF, grain="month", horizon_months=2)
    assert by_period(supply, "capacity_hours", role="Developer")[D(2026, 12, 1)] == 150
    assert by_period(supply, "capacity_hours", role="Tester")[D(2026, 12, 1)] == 40


# --------------------------------------------------------------------------- what-if

BASE_ROWS = {
    "projects": [project("P1"), project("P2")],
    "allocations": [
        alloc("P1", D(2026, 11, 23), 40),  # a week in November
        alloc("P1", D(2026, 12, 28), 40),  # the week across the year boundary
        alloc("P2", D(2026, 12, 1), 230),  # a month
    ],
    "capacity": [
        cap(D(2026, 11, 1), 210),
        cap(D(2026, 12, 1), 230),
        cap(D(2027, 1, 1), 210),
        cap(D(2027, 2, 1), 200),
    ],
}


@pytest.mark.parametrize(
    ("changes", "demand", "supply"),
    [
        ([], {D(2026, 11, 1): 40, D(2026, 12, 1): 262, D(2027, 1, 1): 8}, None),
        (
            [Change("exclude", project_id="P2")],
            {D(2026, 11, 1): 40, D(2026, 12, 1): 32, D(2027, 1, 1): 8},
            None,
        ),
        # +1 week: 23 Nov -> 30 Nov (Mon in Nov, Tue-Fri in Dec); 28 Dec -> 4 Jan (all in 2027)
        (
            [Change("shift", project_id="P1", weeks=1)],
            {D(2026, 11, 1): 8, D(2026, 12, 1): 262, D(2027, 1, 1): 40},
            None,
        ),
        # -1 week: 28 Dec -> 21 Dec, all in 2026
        ([Change("shift", project_id="P1", weeks=-1)], {D(2026, 11, 1): 40, D(2026, 12, 1): 270}, None),
        # +6 weeks: 28 Dec 2026 -> 8 Feb 2027; 23 Nov -> 4 Jan
        (
            [Change("shift", project_id="P1", weeks=6)],
            {D(2026, 12, 1): 230, D(2027, 1, 1): 40, D(2027, 2, 1): 40},
            None,
        ),
        # several shifts of a project add up
        (
            [Change("shift", project_id="P1", weeks=4), Change("shift", project_id="P1", weeks=2)],
            {D(2026, 12, 1): 230, D(2027, 1, 1): 40, D(2027, 2, 1): 40},
            None,
        ),
        # a month's demand shifted by 1 week: its 23 days (10 h each) move to 8 Dec - 7 Jan, the
        # last five (25-31 Dec) into January
        (
            [Change("shift", project_id="P2", weeks=1)],
            {D(2026, 11, 1): 40, D(2026, 12, 1): 32 + 180, D(2027, 1, 1): 8 + 50},
            None,
        ),
        (
            [Change("scale", project_id="P2", percent=50)],
            {D(2026, 11, 1): 40, D(2026, 12, 1): 147, D(2027, 1, 1): 8},
            None,
        ),
        (
            [Change("scale", project_id="P2", percent=0)],
            {D(2026, 11, 1): 40, D(2026, 12, 1): 32, D(2027, 1, 1): 8},
            None,
        ),
        # several scales multiply; scale and shift combine
        (
            [
                Change("scale", project_id="P1", percent=50),
                Change("scale", project_id="P1", percent=50),
                Change("shift", project_id="P1", weeks=1),
            ],
            {D(2026, 11, 1): 2, D(2026, 12, 1): 238, D(2027, 1, 1): 10},
            None,
        ),
        # +1 FTE (37.5 h a week = 7.5 h a working day) from January 2027: 21 working days
        (
            [Change("capacity", role="Developer", from_month=D(2027, 1, 1), hours_per_week=37.5)],
            None,
            {D(2026, 11, 1): 110, D(2026, 12, 1): 230, D(2027, 1, 1): 210 + 157.5, D(2027, 2, 1): 200 + 150},
        ),
        # leave: capacity never goes below zero (February has neither capacity nor demand left)
        (
            [Change("capacity", role="Developer", from_month=D(2027, 2, 1), hours_per_week=-500)],
            None,
            {D(2026, 11, 1): 110, D(2026, 12, 1): 230, D(2027, 1, 1): 210},
        ),
        (
            [Change("capacity", role="Developer", from_month=D(2027, 1, 1), hours_per_week=-500)],
            None,
            {D(2026, 11, 1): 110, D(2026, 12, 1): 230, D(2027, 1, 1): 0},
        ),
    ],
)
def test_what_if_transformations(con_of, changes, demand, supply) -> None:  # type: ignore[no-untyped-def]
    con = con_of(**BASE_ROWS)
    sc = Scenario(tuple(changes))
    cells = capacity.utilisation(con, AS_OF, grain="month", horizon_months=4, scenario=sc)
    if demand is not None:
        got = {k: v for k, v in by_period(cells).items() if v}
        assert got == pytest.approx(demand, abs=0.05)
    if supply is not None:
        assert by_period(cells, "capacity_hours") == pytest.approx(supply, abs=0.05)
    # the baseline is untouched: the store is never changed by a what-if
    base = capacity.utilisation(con, AS_OF, grain="month", horizon_months=4)
    assert by_period(base)[D(2026, 12, 1)] == pytest.approx(262)


def test_a_hire_for_a_role_no_team_supplies_goes_to_the_team_that_needs_it(con_of) -> None:  # type: ignore[no-untyped-def]
    """With no team named and no team supplying the role, a hire landed on "(no team)": the
    team views kept the role's demand at "No capacity" and the hours short unchanged."""
    con = con_of(
        projects=[project("P1")],
        allocations=[
            alloc("P1", D(2027, 1, 1), 105, role="Architect", team="Design"),
            alloc("P1", D(2027, 1, 1), 10, role="Architect", team="Build"),
        ],
        capacity=[cap(D(2027, 1, 1), 210)],
    )
    sc = Scenario((Change("capacity", role="Architect", from_month=D(2027, 1, 1), hours_per_week=37.5),))
    after = capacity.utilisation(con, AS_OF, grain="month", by="role_team", horizon_months=3, scenario=sc)
    arch = after[after["role"] == "Architect"].set_index("team")
    assert arch.loc["Design", "capacity_hours"] == 157.5 and arch.loc["Design", "band"] == "Under 70%"
    assert "(no team)" not in arch.index


def test_capacity_change_for_a_role_without_capacity_and_a_named_team(con_of) -> None:  # type: ignore[no-untyped-def]
    con = con_of(
        projects=[project("P1")],
        allocations=[alloc("P1", D(2027, 1, 1), 105, role="Architect", team="Design")],
        capacity=[cap(D(2027, 1, 1), 210)],
    )
    before = capacity.utilisation(con, AS_OF, grain="month", by="role_team", horizon_months=3)
    assert before[before["role"] == "Architect"]["band"].tolist() == ["No capacity"]
    sc = Scenario(
        (Change("capacity", role="Architect", team="Design", from_month=D(2027, 1, 1), hours_per_week=37.5),)
    )
    after = capacity.utilisation(con, AS_OF, grain="month", by="role_team", horizon_months=3, scenario=sc)
    arch = after[(after["role"] == "Architect") & (after["team"] == "Design")].iloc[0]
    assert (arch["capacity_hours"], arch["utilisation_pct"], arch["band"]) == (
        157.5,
        pytest.approx(66.7),
        "Under 70%",
    )
    changed = capacity.compare(before, after)
    assert changed[changed["band_changed"]][["role", "team", "baseline_band", "scenario_band"]].to_dict(
        "records"
    ) == [
        {"role": "Architect", "team": "Design", "baseline_band": "No capacity", "scenario_band": "Under 70%"}
    ]


def test_capacity_change_defaults_to_the_main_team_of_the_role(con_of) -> None:  # type: ignore[no-untyped-def]
    con = con_of(capacity=[cap(D(2027, 1, 1), 210), cap(D(2027, 1, 1), 21, team="Other")])
    sc = Scenario((Change("capacity", role="Developer", from_month=D(2027, 1, 1), hours_per_week=37.5),))
    cells = capacity.utilisation(con, AS_OF, grain="month", by="role_team", horizon_months=3, scenario=sc)
    jan = {
        r.team: r.capacity_hours
        for r in cells[cells["period_start"].astype(str).str.startswith("2027-01")].itertuples()
    }
    assert jan == {"Delivery": 367.5, "Other": 21.0}


def test_what_if_on_the_demo_is_fast_enough_to_recompute(demo_store: Store) -> None:
    """The small demo: leaving out the biggest project lowers its cells' demand, nothing else."""
    con = demo_store.connect()
    try:
        as_of = D(2026, 11, 20)
        base = capacity.utilisation(con, as_of, grain="month", by="role", horizon_months=24)
        projects = capacity.run(con, "capacity/projects_with_demand", capacity.query_params(as_of))
        top = projects.iloc[0]
        sc = Scenario((Change("exclude", project_id=str(top["project_id"])),))
        scn = capacity.utilisation(con, as_of, grain="month", by="role", horizon_months=24, scenario=sc)
        assert base["demand_hours"].sum() - scn["demand_hours"].sum() == pytest.approx(
            float(top["demand_hours"]), rel=0.01
        )
        assert base["capacity_hours"].sum() == pytest.approx(scn["capacity_hours"].sum())
    finally:
        con.close()


def test_projects_with_demand_lists_what_a_what_if_can_change(con_of) -> None:  # type: ignore[no-untyped-def]
    con = con_of(
        projects=[project("P1"), project("P2", "Digital"), project("P3")],
        allocations=[
            alloc("P1", D(2026, 12, 1), 100),
            alloc("P2", D(2026, 12, 1), 300),
            alloc("P1", D(2026, 11, 9), 50),
            alloc("P3", D(2026, 11, 2), 10),
        ],  # P3 only has past demand
    )
    got = capacity.run(con, "capacity/projects_with_demand", capacity.query_params(AS_OF))
    assert got[["project_id", "project_name", "demand_hours"]].to_dict("records") == [
        {"project_id": "P2", "project_name": "Project P2", "demand_hours": 300.0},
        {"project_id": "P1", "project_name": "Project P1", "demand_hours": 100.0},
    ]
    digital = capacity.run(
        con, "capacity/projects_with_demand", capacity.query_params(AS_OF, portfolios=["Digital"])
    )
    assert digital["project_id"].tolist() == ["P2"]


@pytest.mark.parametrize(("grain", "by"), [("month", "role"), ("week", "role_team"), ("quarter", "person")])
def test_hours_short_of_the_cells_equals_the_shortage_table(demo_store: Store, grain: str, by: str) -> None:
    con = demo_store.connect()
    try:
        cells = capacity.utilisation(con, AS_OF, grain=grain, by=by)
        short = capacity.shortage(con, AS_OF, grain=grain, by=by)
    finally:
        con.close()
    assert len(cells) == len(short)
    assert capacity.hours_short(cells) == pytest.approx(
        short["shortage_hours"].clip(lower=0).sum(), abs=0.1 * len(short)
    )


def test_bands_and_fte_hours_come_from_the_settings(con_of, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from epmo import settings

    custom = tmp_path / "settings.toml"
    custom.write_text(
        "[capacity]\nband_limits_pct = [50, 150]\nband_names = ['Low', 'Fine', 'High']\n"
        "band_colours = ['#111111', '#222222', '#333333']\nfte_hours_per_week = 40.0\n"
    )
    monkeypatch.setenv("EPMO_SETTINGS", str(custom))
    settings.settings.cache_clear()
    try:
        con = con_of(
            projects=[project("P1")],
            allocations=[alloc("P1", D(2026, 12, 1), 230)],
            capacity=[cap(D(2026, 12, 1), 115)],
        )
        cells = capacity.utilisation(con, AS_OF, grain="month", horizon_months=2)
        dec = cells[cells["period_start"].astype(str).str.startswith("2026-12")].iloc[0]
        assert (dec["utilisation_pct"], dec["band"], dec["band_index"]) == (200.0, "High", 2)
        short = capacity.shortage(con, AS_OF, grain="month", horizon_months=2)
        row = short[short["period_start"].astype(str).str.startswith("2026-12")].iloc[0]
        assert row["shortage_fte"] == pytest.approx(115 / (8 * 23), abs=0.01)  # 40 h a week = 8 h a day
    finally:
        monkeypatch.delenv("EPMO_SETTINGS")
        settings.settings.cache_clear()


def test_a_cell_s_drill_down_adds_up_to_the_cell(con_of) -> None:  # type: ignore[no-untyped-def]
    """Each drill-down row was rounded to 0.1 h before it was shown: 30 rows of 10.04 h read
    300.0 h for a cell of 301.2 h, and shares summed past 100 %."""
    ids = [f"P{i}" for i in range(30)]
    con = con_of(
        projects=[project(p) for p in ids],
        allocations=[alloc(p, D(2026, 12, 1), 10.04) for p in ids],
        capacity=[cap(D(2026, 12, 1), 300)],
    )
    cells = capacity.utilisation(con, AS_OF, grain="month", horizon_months=2)
    dec = cells[cells["period_start"].astype(str).str.startswith("2026-12")].iloc[0]
    drill = capacity.cell_demand(
        con, AS_OF, D(2026, 12, 1), role="Developer", grain="month", horizon_months=2
    )
    assert drill["demand_hours"].sum() == pytest.approx(dec["demand_hours"], abs=0.05)
    assert drill["share_pct"].sum() == pytest.approx(100)


@pytest.mark.parametrize(
    ("demand", "shown", "band"),
    [
        (359.91, 120.0, "120% or more"),  # 119.97 %: shown as 120.0, banded as shown
        (359.7, 119.9, "100-120%"),
        (299.88, 100.0, "100-120%"),  # 99.96 %: shown 100.0 and counted over-allocated
    ],
)
def test_the_band_is_the_band_of_the_figure_shown(con_of, demand: float, shown: float, band: str) -> None:  # type: ignore[no-untyped-def]
    con = con_of(
        projects=[project("P1")],
        allocations=[alloc("P1", D(2026, 12, 1), demand)],
        capacity=[cap(D(2026, 12, 1), 300)],
    )
    cells = capacity.utilisation(con, AS_OF, grain="month", horizon_months=2)
    dec = cells[cells["period_start"].astype(str).str.startswith("2026-12")].iloc[0]
    assert (dec["utilisation_pct"], dec["band"]) == (shown, band)
    assert capacity.over_allocated(cells[cells["period_start"] == dec["period_start"]]) == int(shown >= 100)
