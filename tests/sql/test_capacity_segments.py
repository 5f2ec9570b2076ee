"""Capacity demand summed per segment (views/capacity_demand_days.sql and the other capacity memo files, capacity_scenario_segments) gives
what the demand days give: the segment memo equals its definition, the scenario segments equal the
scenario days summed per segment for any bounds, and the pages' queries read from the segments the
same hours as from the days (to their rounding: the queries round to 0.1 h)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd
import pytest

from epmo import capacity, sql
from epmo import memo as memos
from epmo.capacity import Change, Scenario
from epmo.store import Store

AS_OF = dt.date(2026, 11, 20)  # the small demo's last week (a Friday)
D = dt.date
KEYS = ["project_id", "role", "team", "resource_name", "is_tentative", "segment_start"]


def _rows(con: duckdb.DuckDBPyConnection, text: str, **params: Any) -> pd.DataFrame:
    frame = con.execute(text, params).df()
    return frame.sort_values(list(frame.columns[:-1])).reset_index(drop=True)  # the last: hours


def _same(got: pd.DataFrame, want: pd.DataFrame, exact: list[str], approx: list[str]) -> None:
    assert len(got) == len(want) and len(got) > 0
    pd.testing.assert_frame_equal(got[exact], want[exact], check_dtype=False)
    for col in approx:
        assert got[col].tolist() == pytest.approx(want[col].tolist(), rel=1e-9, abs=1e-9)


@pytest.fixture
def con(demo_store: Store) -> duckdb.DuckDBPyConnection:
    return demo_store.connect()


def _weeks(con: duckdb.DuckDBPyConnection) -> dict[str, dt.date]:
    rows = sorted(r["as_of_date"] for r in sql.arrow(con, "ledger/reporting_weeks").to_pylist())
    return {"first": rows[0], "latest": rows[-1], "between": rows[-2] + dt.timedelta(days=3)}


@pytest.mark.parametrize("pick", ["latest", "first", "between"])
def test_the_segment_memo_equals_the_days_summed_per_segment(
    con: duckdb.DuckDBPyConnection, pick: str
) -> None:
    week = _weeks(con)[pick]
    with pytest.raises(duckdb.InvalidInputException, match="was not prepared"):
        con.execute("SELECT count(*) FROM capacity_demand_segments(CAST($w AS DATE))", {"w": week}).fetchall()
    memos.prepare(con, "demand", [week])
    memo = _rows(con, "SELECT * FROM capacity_demand_segments(CAST($w AS DATE))", w=week)
    want = _rows(
        con,
        """
        SELECT project_id, role, team, resource_name, is_tentative,
               CAST(greatest(date_trunc('week', work_date), date_trunc('month', work_date)) AS DATE) AS seg,
               min(work_date) AS first_date, max(work_date) AS last_date, sum(hours) AS hours
        FROM capacity_demand_days_compute(CAST($w AS DATE))
        GROUP BY ALL
        """,
        w=week,
    ).rename(columns={"seg": "segment_start"})
    _same(memo, want, [*KEYS, "first_date", "last_date"], ["hours"])
    # a segment lies within one week and one month
    assert (
        pd.to_datetime(memo["first_date"]).dt.to_period("W")
        == pd.to_datetime(memo["last_date"]).dt.to_period("W")
    ).all()
    assert (pd.to_datetime(memo["first_date"]).dt.month == pd.to_datetime(memo["last_date"]).dt.month).all()


@pytest.mark.parametrize("pick", ["latest", "first", "between"])
def test_the_month_memo_equals_the_days_summed_per_month_and_side_of_the_monday(
    con: duckdb.DuckDBPyConnection, pick: str
) -> None:
    week = _weeks(con)[pick]
    with pytest.raises(duckdb.InvalidInputException, match="was not prepared"):
        con.execute("SELECT count(*) FROM capacity_demand_months(CAST($w AS DATE))", {"w": week}).fetchall()
    memos.prepare(con, "demand", [week])
    memo = _rows(con, "SELECT * FROM capacity_demand_months(CAST($w AS DATE))", w=week)
    want = _rows(
        con,
        """
        SELECT project_id, role, team, resource_name, is_tentative,
               CAST(date_trunc('month', work_date) AS DATE) AS month_start,
               work_date < date_trunc('week', CAST($w AS DATE)) AS before_monday,
               min(CAST(greatest(date_trunc('week', work_date), date_trunc('month', work_date)) AS DATE)) AS seg,
               min(work_date) AS first_date, max(work_date) AS last_date, sum(hours) AS hours
        FROM capacity_demand_days_compute(CAST($w AS DATE))
        GROUP BY ALL
        """,
        w=week,
    ).rename(columns={"seg": "segment_start"})
    _same(memo, want, list(want.columns[:-1]), ["hours"])
    assert not memo["before_monday"].all()
    if pick == "latest":  # the demo's latest week has demand dated before its Monday
        assert memo["before_monday"].any()


def test_the_project_memo_equals_the_projects_as_of_the_week(con: duckdb.DuckDBPyConnection) -> None:
    weeks = _weeks(con)
    memos.prepare(con, "demand", [weeks["first"], weeks["latest"]])
    for week in (weeks["first"], weeks["latest"]):
        memo = _rows(con, "SELECT * FROM capacity_projects(CAST($w AS DATE))", w=week)
        want = _rows(
            con,
            "SELECT project_id, project_name, portfolio, programme FROM projects_as_of(CAST($w AS DATE))",
            w=week,
        )
        pd.testing.assert_frame_equal(memo, want)
        assert len(memo) > 0


def _scenario(con: duckdb.DuckDBPyConnection, kind: str) -> tuple[Scenario, list[str]]:
    memos.prepare(con, "demand", [AS_OF])
    ids = [
        r[0]
        for r in con.execute(
            "SELECT project_id FROM capacity_demand_days(CAST($a AS DATE)) GROUP BY ALL ORDER BY sum(hours) DESC",
            {"a": AS_OF},
        ).fetchall()
    ]
    if kind == "baseline":
        return capacity.BASELINE, []
    if kind == "portfolio":
        portfolio = con.execute(
            "SELECT portfolio FROM projects_as_of(CAST($a AS DATE)) WHERE project_id = $p",
            {"a": AS_OF, "p": ids[0]},
        ).fetchall()[0][0]
        return capacity.BASELINE, [portfolio]
    if kind == "every change":
        return Scenario(
            (
                Change("exclude", project_id=ids[0]),
                Change("shift", project_id=ids[1], weeks=6),
                Change("scale", project_id=ids[2], percent=50),
                Change("shift", project_id=ids[3], weeks=-3),
                Change("shift", project_id=ids[3], weeks=1),  # several shifts add up
                Change("scale", project_id=ids[3], percent=130),  # shifted and scaled
            )
        ), []
    return Scenario((Change("shift", project_id=ids[4], weeks=0),)), []  # a shift of nothing


SCENARIOS = ["baseline", "portfolio", "every change", "zero shift"]
BOUNDS = [
    pytest.param(D(2026, 11, 16), D(2027, 5, 1), id="as-of Monday to a 1st (the pages)"),
    pytest.param(None, D(2026, 11, 16), id="before the as-of Monday (past demand)"),
    pytest.param(D(2026, 11, 16), None, id="from the as-of Monday on"),
    pytest.param(D(2026, 12, 2), D(2027, 3, 3), id="cutting segments at both ends"),
    pytest.param(D(2026, 12, 30), D(2027, 1, 1), id="within one week"),
    pytest.param(D(2027, 1, 6), D(2027, 1, 8), id="within one segment"),
    pytest.param(None, None, id="unbounded"),
]


PERIODS = ["project_id", "role", "team", "resource_name", "is_tentative", "period_start"]


@pytest.mark.parametrize("grain", ["week", "month", "quarter"])
@pytest.mark.parametrize("kind", SCENARIOS)
@pytest.mark.parametrize(("start", "end"), BOUNDS)
def test_scenario_segments_equal_the_scenario_days_summed(
    con: duckdb.DuckDBPyConnection, kind: str, start: dt.date | None, end: dt.date | None, grain: str
) -> None:
    sc, portfolios = _scenario(con, kind)
    params = {"a": AS_OF, "pf": portfolios, "f": start, "t": end, "g": grain} | sc.params()
    args = "$a, $pf, [], $exclude_projects, $shift_projects, $shift_weeks, $scale_projects, $scale_pcts"
    wanted = {k: params[k] for k in ("a", "pf", "exclude_projects", "shift_projects", "shift_weeks")}
    wanted |= {k: params[k] for k in ("scale_projects", "scale_pcts", "f", "t", "g")}
    rows = con.execute(
        f"SELECT * FROM capacity_scenario_segments({args}, CAST($f AS DATE), CAST($t AS DATE), $g)",  # noqa: S608
        wanted,
    ).df()
    if grain == "week" or (start, end) in ((D(2026, 12, 2), D(2027, 3, 3)), (D(2027, 1, 6), D(2027, 1, 8))):
        # segments: every row lies within one segment (one week and one month)
        starts = pd.to_datetime(rows["segment_start"])
        assert (starts == pd.to_datetime(rows["first_date"].map(_segment))).all()
        assert (starts == pd.to_datetime(rows["last_date"].map(_segment))).all()
    con.register("scenario_rows", rows)
    got = _rows(
        con,
        """
        SELECT project_id, role, team, resource_name, is_tentative, capacity_period(segment_start, $g) AS period_start,
               min(first_date) AS first_date, max(last_date) AS last_date, sum(hours) AS hours
        FROM scenario_rows
        GROUP BY ALL
        """,
        g=grain,
    )
    con.unregister("scenario_rows")
    want = _rows(
        con,
        f"""
        SELECT project_id, role, team, resource_name, is_tentative, capacity_period(work_date, $g) AS period_start,
               min(work_date) AS first_date, max(work_date) AS last_date, sum(hours) AS hours
        FROM capacity_scenario_demand({args})
        WHERE coalesce(work_date >= CAST($f AS DATE), true) AND coalesce(work_date < CAST($t AS DATE), true)
        GROUP BY ALL
        """,  # noqa: S608
        **{k: v for k, v in wanted.items()},
    )
    _same(got, want, [*PERIODS, "first_date", "last_date"], ["hours"])


def _segment(day: object) -> dt.date:
    d = pd.Timestamp(day).date()
    return max(d - dt.timedelta(days=d.weekday()), d.replace(day=1))


# --------------------------------------------------------------------------- the pages' queries

REFERENCE_CELLS = """
SELECT capacity_period(work_date, $grain) AS period_start,
       CASE WHEN $by IN ('role', 'role_team', 'person') THEN role END AS role,
       CASE WHEN $by IN ('team', 'role_team', 'person') THEN coalesce(team, '(no team)') END AS team,
       CASE WHEN $by = 'person' THEN coalesce(resource_name, '(unnamed)') END AS resource_name,
       coalesce(sum(hours) FILTER (WHERE NOT is_tentative), 0) AS confirmed,
       coalesce(sum(hours) FILTER (WHERE is_tentative), 0) AS tentative
FROM capacity_scenario_demand(
    $as_of, $portfolios, $programmes, $exclude_projects, $shift_projects, $shift_weeks, $scale_projects, $scale_pcts
)
WHERE work_date >= date_trunc('week', CAST($as_of AS DATE)) AND work_date < CAST($horizon_end AS DATE)
GROUP BY ALL
"""


def _reference(con: duckdb.DuckDBPyConnection, text: str, p: dict[str, Any]) -> pd.DataFrame:
    names = [n for n in sql.Query("reference", text, {}, "").params]
    return con.execute(text, {k: p[k] for k in names}).df()


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["period_start"] = pd.to_datetime(out["period_start"])
    for k in ("role", "team", "resource_name"):
        out[k] = out[k].astype(object).where(out[k].notna(), "-")
    return out.set_index(["period_start", "role", "team", "resource_name"]).sort_index()


@pytest.mark.parametrize("kind", ["baseline", "every change", "portfolio"])
@pytest.mark.parametrize(
    ("grain", "by"), [("week", "role"), ("month", "role_team"), ("quarter", "person"), ("month", "team")]
)
def test_utilisation_and_shortage_read_the_hours_of_the_days(
    con: duckdb.DuckDBPyConnection, kind: str, grain: str, by: str
) -> None:
    sc, portfolios = _scenario(con, kind)
    p = capacity.query_params(AS_OF, grain, by, "all", 9, portfolios, (), sc)
    ref = _keyed(_reference(con, REFERENCE_CELLS, p))
    ref = ref[(ref["confirmed"] + ref["tentative"]) > 0]
    cells = _keyed(capacity.utilisation(con, AS_OF, **_options(grain, by, portfolios, sc)))
    short = _keyed(capacity.shortage(con, AS_OF, **_options(grain, by, portfolios, sc)))
    with_demand = cells[cells["demand_hours"] > 0]
    assert list(with_demand.index) == list(ref.index) and len(ref) > 0
    half = 0.05 + 1e-6  # rounded to 0.1 h
    assert with_demand["confirmed_hours"].tolist() == pytest.approx(ref["confirmed"].tolist(), abs=half)
    assert with_demand["tentative_hours"].tolist() == pytest.approx(ref["tentative"].tolist(), abs=half)
    assert with_demand["demand_hours"].tolist() == pytest.approx(
        (ref["confirmed"] + ref["tentative"]).tolist(), abs=half
    )
    short_demand = short.loc[ref.index, "demand_hours"]
    assert short_demand.tolist() == pytest.approx((ref["confirmed"] + ref["tentative"]).tolist(), abs=half)


def _options(grain: str, by: str, portfolios: list[str], sc: Scenario) -> dict[str, Any]:
    return {"grain": grain, "by": by, "horizon_months": 9, "portfolios": portfolios, "scenario": sc}


def test_past_demand_and_projects_with_demand_read_the_hours_and_dates_of_the_days(
    con: duckdb.DuckDBPyConnection,
) -> None:
    memos.prepare(con, "demand", [AS_OF])
    days = (
        "FROM capacity_demand_days(CAST($a AS DATE)) WHERE work_date {} date_trunc('week', CAST($a AS DATE))"
    )
    past_want = con.execute(
        "SELECT role, sum(hours) FILTER (WHERE NOT is_tentative) AS c, count(DISTINCT project_id) AS n, "
        "min(work_date) AS first_date, max(work_date) AS last_date "
        + days.format("<")
        + " GROUP BY role ORDER BY role",
        {"a": AS_OF},
    ).df()
    past = capacity.past_demand(con, AS_OF)
    assert len(past) == len(past_want) > 0
    assert past["role"].tolist() == past_want["role"].tolist()
    assert past["project_count"].tolist() == past_want["n"].tolist()
    assert (past["first_date"] == past_want["first_date"]).all() and (
        past["last_date"] == past_want["last_date"]
    ).all()
    assert past["confirmed_hours"].tolist() == pytest.approx(
        past_want["c"].fillna(0).tolist(), abs=0.05 + 1e-6
    )

    want = con.execute(
        "SELECT project_id, sum(hours) AS h, min(work_date) AS first_date, max(work_date) AS last_date "
        + days.format(">=")
        + " GROUP BY project_id ORDER BY project_id",
        {"a": AS_OF},
    ).df()
    got = capacity.run(con, "capacity/projects_with_demand", capacity.query_params(AS_OF))
    got = got.sort_values("project_id").reset_index(drop=True)
    assert got["project_id"].tolist() == want["project_id"].tolist() and len(got) > 0
    assert (got["first_date"] == want["first_date"]).all() and (got["last_date"] == want["last_date"]).all()
    assert got["demand_hours"].tolist() == pytest.approx(want["h"].tolist(), abs=0.05 + 1e-6)


def test_a_cell_is_made_of_the_hours_of_its_days(con: duckdb.DuckDBPyConnection) -> None:
    sc, _ = _scenario(con, "every change")
    cells = capacity.utilisation(con, AS_OF, grain="month", by="role", scenario=sc)
    busiest = cells.sort_values("demand_hours").iloc[-1]
    period = busiest["period_start"].date()
    drill = capacity.cell_demand(con, AS_OF, period, role=busiest["role"], grain="month", scenario=sc)
    p = capacity.query_params(AS_OF, "month", "person", "all", None, (), (), sc)
    ref = _reference(con, REFERENCE_CELLS, p)
    ref = ref[(pd.to_datetime(ref["period_start"]).dt.date == period) & (ref["role"] == busiest["role"])]
    assert drill["demand_hours"].sum() == pytest.approx(
        (ref["confirmed"] + ref["tentative"]).sum(), abs=0.05 * len(drill)
    )
    assert drill["demand_hours"].sum() == pytest.approx(busiest["demand_hours"], abs=0.05 * len(drill))


@pytest.mark.parametrize("pick", ["latest", "first", "between"])
@pytest.mark.parametrize("horizon_months", [12, 1, None])
@pytest.mark.parametrize("scope", ["everyone", "one portfolio"])
def test_role_teams_are_the_rows_of_utilisation_by_role_team(
    con: duckdb.DuckDBPyConnection, pick: str, horizon_months: int | None, scope: str
) -> None:
    week = _weeks(con)[pick]
    portfolios: list[str] = []
    if scope == "one portfolio":
        portfolios = [sql.df(con, "home/portfolio_filters", as_of=week)["portfolio"].dropna().min()]
    p = capacity.query_params(week, "month", "role_team", "all", horizon_months, portfolios)
    cells = capacity.run(con, "capacity/utilisation", p)
    want = sorted({(r, t) for r, t in zip(cells["role"], cells["team"], strict=True)}, key=repr)
    got = capacity.run(con, "capacity/role_teams", p)
    assert list(got.columns) == ["role", "team"]
    assert sorted(zip(got["role"], got["team"], strict=True), key=repr) == want
    assert len(got) == len(want) > 0
