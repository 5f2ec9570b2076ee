"""The as-of row memos (views/projects_as_of_memo.sql and its siblings: projects, milestones and RAID in force each
week, kept per connection) return exactly what projects_as_of / milestones_as_of /
raid_as_of compute, are refused for a week not prepared, and every query rewritten to read
them returns the same rows, row for row, as before: the queries with the memos swapped back
for their definitions, and the three restructured queries as they were (tests/sql/before/)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from epmo import health, sql
from epmo import memo as memos
from epmo.store import Store

BEFORE = Path(__file__).resolve().parent / "before"
TABLES = ("projects", "milestones", "raid")
PICKS = ("latest", "previous", "middle", "first", "between")


@pytest.fixture(scope="module")
def con(_demo_template: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = Store(str(_demo_template)).connect()
    yield c
    c.close()


@pytest.fixture(scope="module")
def weeks(con: duckdb.DuckDBPyConnection) -> dict[str, dt.date]:
    rows = sorted(r["as_of_date"] for r in sql.arrow(con, "ledger/reporting_weeks").to_pylist())
    return {
        "latest": rows[-1],
        "previous": rows[-2],
        "middle": rows[len(rows) // 2],
        "first": rows[0],
        "between": rows[-3] + dt.timedelta(days=3),
    }


def _rows(con: duckdb.DuckDBPyConnection, text: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(con.execute(text, params).fetchall(), key=repr)


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("pick", PICKS)
def test_each_memo_equals_its_definition(
    demo_store: Store, weeks: dict[str, dt.date], table: str, pick: str
) -> None:
    con = demo_store.connect()
    week = weeks[pick]
    memo_text = f"SELECT * FROM {table}_as_of_memo(CAST($w AS DATE))"
    with pytest.raises(duckdb.InvalidInputException, match="was not prepared"):
        con.execute(memo_text, {"w": week}).fetchall()
    memos.prepare(con, table, [week])
    memos.prepare(con, table, [week])  # a second time: nothing is added
    memo = _rows(con, memo_text, {"w": week})
    computed = _rows(con, f"SELECT * FROM {table}_as_of(CAST($w AS DATE))", {"w": week})
    assert memo == computed
    assert len(memo) > 0
    assert con.execute(f"SELECT count(*) FROM {table}_memo").fetchall()[0][0] == len(computed)


def test_a_query_prepares_the_weeks_it_binds_once(demo_store: Store, weeks: dict[str, dt.date]) -> None:
    con = demo_store.connect()
    params = {"as_of": weeks["latest"], "previous": weeks["previous"], "project_id": ""}
    first = sql.df(con, "health/milestone_slippage", portfolios=[], programmes=[], **params)
    again = sql.df(con, "health/milestone_slippage", portfolios=[], programmes=[], **params)
    assert len(first) > 0 and first.equals(again)
    prepared = con.execute(
        "SELECT memo, week_date, count(*) FROM memo_weeks GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert prepared == [
        ("milestones", weeks["previous"], 1),
        ("milestones", weeks["latest"], 1),
        ("projects", weeks["latest"], 1),
    ]


def test_a_history_shown_again_is_not_listed_again(demo_store: Store, weeks: dict[str, dt.date]) -> None:
    con = demo_store.connect()
    pid = con.execute(
        "SELECT min(project_id) FROM project_health_compute([CAST($w AS DATE)])", {"w": weeks["previous"]}
    ).fetchall()[0][0]
    first = sql.df(con, "project/health_history", project_id=pid, as_of=weeks["previous"])
    marks = "SELECT week_date FROM memo_weeks WHERE memo = 'history'"
    assert con.execute(marks).fetchall() == [(weeks["previous"],)]
    again = sql.df(con, "project/health_history", project_id=pid, as_of=weeks["previous"])
    assert len(first) > 1 and first.equals(again)
    assert con.execute(marks).fetchall() == [(weeks["previous"],)]
    later = sql.df(con, "project/health_history", project_id=pid, as_of=weeks["latest"])
    computed = con.execute(
        "SELECT count(*) FROM project_health_compute(history_weeks(CAST($w AS DATE))) WHERE project_id = $p",
        {"w": weeks["latest"], "p": pid},
    ).fetchall()[0][0]
    assert len(later) == computed
    assert sorted(con.execute(marks).fetchall()) == [(weeks["previous"],), (weeks["latest"],)]


def _memo_readers() -> list[str]:
    return [
        name
        for folder in ("health", "project", "priority")
        for name in sql.names(folder)
        if "_as_of_memo(" in sql.query(name).text
    ]


def test_the_rewritten_queries_are_the_ones_checked_here() -> None:
    assert set(_memo_readers()) == {
        "health/budget_burn",
        "health/changes",
        "health/dependencies",
        "health/milestone_slippage",
        "health/raid_heat_grid",
        "health/raid_items",
        "priority/candidates",
        "project/projects",
    }


def _params(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> list[dict[str, Any]]:
    previous = health.previous_week(as_of)
    ids = sql.df(con, "project/projects", as_of=as_of, portfolios=[], programmes=[])["project_id"].tolist()
    portfolio = sql.df(con, "home/portfolio_filters", as_of=as_of)
    scope_values = portfolio.iloc[0].to_dict() if len(portfolio) else {}
    common = {
        "as_of": as_of,
        "previous": previous,
        "since": previous,
        "excluded_stages": ["Closed", "Cancelled"],
        "current_stages": ["Execution", "Delivery"],
        "project_ids": ids[:6],
    }
    scoped = {"portfolios": [str(scope_values.get("portfolio", ""))], "programmes": []}
    everyone = {"portfolios": [], "programmes": []}
    return [
        common | everyone | {"project_id": ""},
        common | everyone | {"project_id": ids[0]},
        common | everyone | {"project_id": ids[-1], "project_ids": [ids[-1]]},
        common | scoped | {"project_id": ""},
    ]


def _same(new: pd.DataFrame, old: pd.DataFrame) -> None:
    assert list(new.columns) == list(old.columns)
    assert len(new) == len(old)
    pd.testing.assert_frame_equal(new.reset_index(drop=True), old.reset_index(drop=True), check_exact=True)


def _old(con: duckdb.DuckDBPyConnection, text: str, bound: dict[str, Any]) -> pd.DataFrame:
    weeks = [bound[k] for k in ("as_of", "previous", "since") if k in bound]
    if "history_weeks(" in text:
        shown = con.execute(sql.query("memo/history_weeks").text, {"as_of": bound["as_of"]}).fetchall()
        weeks += [row[0] for row in shown]
    memos.prepare_health(con, weeks)  # the old texts read the health memo as the new ones do
    return con.sql(text, params=bound).df()


@pytest.mark.parametrize("pick", ("latest", "middle", "between"))
def test_memo_readers_return_what_their_definitions_give(
    con: duckdb.DuckDBPyConnection, weeks: dict[str, dt.date], pick: str
) -> None:
    checked = 0
    for params in _params(con, weeks[pick]):
        for name in _memo_readers():
            q = sql.query(name)
            bound = {k: params[k] for k in q.params}
            new = sql.df(con, name, **bound)
            swapped = q.text
            for table in TABLES:
                swapped = swapped.replace(f"{table}_as_of_memo(", f"{table}_as_of(")
            assert "_as_of_memo(" not in swapped
            _same(new, _old(con, swapped, bound))
            checked += len(new)
    assert checked > 0


@pytest.mark.parametrize("pick", ("latest", "previous", "middle", "first", "between"))
@pytest.mark.parametrize(
    "name",
    (
        "health/milestone_slippage",
        "health/milestone_trend",
        "health/changes",
        "project/health_history",
        "health/submission_status",
    ),
)
def test_restructured_queries_return_the_rows_they_did_before(
    con: duckdb.DuckDBPyConnection, weeks: dict[str, dt.date], pick: str, name: str
) -> None:
    before = (BEFORE / f"{name.split('/')[1]}.sql").read_text(encoding="utf-8")
    rows = 0
    for params in _params(con, weeks[pick]):
        q = sql.query(name)
        bound = {k: params[k] for k in q.params}
        new = sql.df(con, name, **bound)
        _same(new, _old(con, before, bound))
        rows += len(new)
    assert rows > 0


def test_the_key_milestone_memo_is_its_definition_computed_once(
    demo_store: Store, weeks: dict[str, dt.date]
) -> None:
    con = demo_store.connect()
    memo_text = "SELECT * FROM key_milestone_history_memo()"
    with pytest.raises(duckdb.InvalidInputException, match="not prepared"):
        con.execute(memo_text).fetchall()
    pid = con.execute("SELECT min(project_id) FROM key_milestone_history()").fetchall()[0][0]
    trend = sql.df(con, "health/milestone_trend", as_of=weeks["latest"], project_ids=[pid])
    assert len(trend) > 0 and set(trend["project_id"]) == {pid}
    sql.df(con, "health/milestone_trend", as_of=weeks["middle"], project_ids=[pid])
    memos.prepare(con, "key_milestones", [weeks["first"]])  # a memo without weeks: still once
    assert con.execute("SELECT memo, week_date FROM memo_weeks").fetchall() == [("key_milestones", None)]
    memo = _rows(con, memo_text, {})
    assert memo == _rows(con, "SELECT * FROM key_milestone_history()", {})
    assert len(memo) > len(trend)
    # stored by project, so that one project's rows sit together
    stored = [r[1] for r in con.execute("SELECT * FROM key_milestone_memo").fetchall()]
    assert stored == sorted(stored)


def test_the_project_report_hash_memo_is_its_definition_computed_once(
    demo_store: Store, weeks: dict[str, dt.date]
) -> None:
    con = demo_store.connect()
    memo_text = "SELECT * FROM project_report_hashes_memo()"
    with pytest.raises(duckdb.InvalidInputException, match="not prepared"):
        con.execute(memo_text).fetchall()
    for pick in ("latest", "middle"):
        status = sql.df(con, "health/submission_status", as_of=weeks[pick], portfolios=[], programmes=[])
        assert len(status) > 0 and status["unchanged_weeks"].notna().all()
    memos.prepare(con, "project_report_hashes", [weeks["first"]])  # a memo without weeks: once
    assert con.execute("SELECT memo, week_date FROM memo_weeks").fetchall() == [
        ("project_report_hashes", None)
    ]
    memo = _rows(con, memo_text, {})
    assert memo == _rows(con, "SELECT * FROM project_report_hashes()", {})
    # one row per project and reporting week, stored by project
    stored = [(r[0], r[1]) for r in con.execute("SELECT * FROM project_report_hash_memo").fetchall()]
    assert stored == sorted(stored) and len(set(stored)) == len(stored)
