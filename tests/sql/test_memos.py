"""The per-connection memos (views/project_health_weeks.sql, views/capacity_demand_days.sql and the other capacity memo files) return
exactly what their definitions compute, prepare each week once, and never answer an
unprepared week with a silent empty result."""

from __future__ import annotations

import datetime as dt
import threading

import duckdb
import pytest

from epmo import capacity, sql
from epmo.store import Store

WEEKS = [
    pytest.param(["latest"], id="latest week"),
    pytest.param(["latest", "previous"], id="latest and previous"),
    pytest.param(["first", "latest"], id="first and latest"),
    pytest.param(["between"], id="a date between reporting weeks"),
]


def _weeks(con: duckdb.DuckDBPyConnection) -> dict[str, dt.date]:
    rows = sorted(r["as_of_date"] for r in sql.arrow(con, "ledger/reporting_weeks").to_pylist())
    return {
        "first": rows[0],
        "previous": rows[-2],
        "latest": rows[-1],
        "between": rows[-2] + dt.timedelta(days=3),
    }


def _sorted(con: duckdb.DuckDBPyConnection, text: str, weeks: list[dt.date]) -> list[tuple[object, ...]]:
    return sorted(con.execute(text, {"weeks": weeks}).fetchall(), key=repr)


@pytest.mark.parametrize("picks", WEEKS)
def test_the_memo_equals_the_definition(demo_store: Store, picks: list[str]) -> None:
    con = demo_store.connect()
    weeks = [_weeks(con)[p] for p in picks]
    sql.prepare_health(con, weeks)
    memo = _sorted(con, "SELECT * FROM project_health_weeks(CAST($weeks AS DATE[]))", weeks)
    computed = _sorted(con, "SELECT * FROM project_health_compute(CAST($weeks AS DATE[]))", weeks)
    assert memo == computed
    assert len(memo) > 0


def test_a_query_prepares_the_weeks_it_binds(demo_store: Store) -> None:
    con = demo_store.connect()
    weeks = _weeks(con)
    frame = sql.df(
        con,
        "health/headline",
        as_of=weeks["latest"],
        previous=weeks["previous"],
        portfolios=[],
        programmes=[],
    )
    assert len(frame) > 0
    prepared = [r["week_date"] for r in sql.arrow(con, "memo/prepared_weeks", memo="health").to_pylist()]
    assert prepared == [weeks["previous"], weeks["latest"]]


def test_an_unprepared_week_is_an_error_not_an_empty_result(demo_store: Store) -> None:
    con = demo_store.connect()
    week = _weeks(con)["latest"]
    with pytest.raises(duckdb.InvalidInputException, match="was not prepared"):
        con.execute("SELECT count(*) FROM project_health(CAST($w AS DATE))", {"w": week}).fetchall()


def test_each_week_is_computed_once_even_when_sessions_ask_together(demo_store: Store) -> None:
    con = demo_store.connect()
    weeks = _weeks(con)
    ask = [weeks["latest"], weeks["previous"]]
    threads = [threading.Thread(target=sql.prepare_health, args=(con.cursor(), ask)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sql.prepare_health(con, ask)  # and once more, later
    per_week = con.execute(
        "SELECT week_date, count(*) FROM memo_weeks WHERE memo = 'health' GROUP BY ALL"
    ).fetchall()
    assert sorted(per_week) == [(weeks["previous"], 1), (weeks["latest"], 1)]
    rows = con.execute("SELECT count(*) FROM health_memo").fetchall()[0][0]
    expected = con.execute(
        "SELECT count(*) FROM project_health_compute(CAST($weeks AS DATE[]))", {"weeks": ask}
    ).fetchall()[0][0]
    assert rows == expected


def test_a_project_history_prepares_every_week_it_shows(demo_store: Store) -> None:
    con = demo_store.connect()
    weeks = _weeks(con)
    pid = con.execute(  # read straight from the definition: nothing prepared yet
        "SELECT min(project_id) FROM project_health_compute([CAST($w AS DATE)])", {"w": weeks["previous"]}
    ).fetchall()[0][0]
    history = sql.df(con, "project/health_history", project_id=pid, as_of=weeks["previous"])
    shown = sorted(history["week_date"].dt.date.unique())
    prepared = [r["week_date"] for r in sql.arrow(con, "memo/prepared_weeks", memo="health").to_pylist()]
    reporting = sorted(r["as_of_date"] for r in sql.arrow(con, "ledger/reporting_weeks").to_pylist())
    assert prepared == [w for w in reporting if w <= weeks["previous"]][-52:]
    assert set(shown) <= set(prepared) and weeks["latest"] not in shown
    computed = con.execute(
        "SELECT count(*) FROM project_health_compute(history_weeks(CAST($w AS DATE))) WHERE project_id = $p",
        {"w": weeks["previous"], "p": pid},
    ).fetchall()[0][0]
    assert len(history) == computed


@pytest.mark.parametrize("memo", ["demand", "supply"])
@pytest.mark.parametrize("pick", ["latest", "first", "between"])
def test_the_capacity_memos_equal_their_definitions(demo_store: Store, memo: str, pick: str) -> None:
    con = demo_store.connect()
    week = _weeks(con)[pick]
    with pytest.raises(duckdb.InvalidInputException, match="was not prepared"):
        con.execute(f"SELECT count(*) FROM capacity_{memo}_days(CAST($w AS DATE))", {"w": week}).fetchall()
    sql.prepare(con, memo, [week])
    memo_rows = sorted(
        con.execute(f"SELECT * FROM capacity_{memo}_days(CAST($w AS DATE))", {"w": week}).fetchall(), key=repr
    )
    computed = sorted(
        con.execute(f"SELECT * FROM capacity_{memo}_days_compute(CAST($w AS DATE))", {"w": week}).fetchall(),
        key=repr,
    )
    assert memo_rows == computed
    assert len(memo_rows) > 0


def test_a_capacity_query_prepares_its_week_once(demo_store: Store) -> None:
    con = demo_store.connect()
    week = _weeks(con)["latest"]
    params = capacity.query_params(week, grain="month", by="role", demand="all", portfolios=[], programmes=[])
    first = sql.df(con, "capacity/utilisation", **params)
    again = sql.df(con, "capacity/utilisation", **params)
    assert len(first) > 0 and first.equals(again)
    rows = con.execute("SELECT memo, count(*) FROM memo_weeks GROUP BY ALL ORDER BY ALL").fetchall()
    assert rows == [("demand", 1), ("supply", 1)]
