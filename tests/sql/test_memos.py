"""The per-connection memos (views/project_health_weeks.sql, views/capacity_demand_days.sql and the other capacity memo files) return
exactly what their definitions compute, prepare each week once, and never answer an
unprepared week with a silent empty result."""

from __future__ import annotations

import datetime as dt
import threading

import duckdb
import pytest

from epmo import capacity, memo, sql
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
    memo.prepare_health(con, weeks)
    memoised = _sorted(con, "SELECT * FROM project_health_weeks(CAST($weeks AS DATE[]))", weeks)
    computed = _sorted(con, "SELECT * FROM project_health_compute(CAST($weeks AS DATE[]))", weeks)
    assert memoised == computed
    assert len(memoised) > 0


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
    con = demo_store.connect(threaded=True)  # the app's: the sessions' threads query cursors of it
    weeks = _weeks(con)
    ask = [weeks["latest"], weeks["previous"]]
    threads = [threading.Thread(target=memo.prepare_health, args=(con.cursor(), ask)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    memo.prepare_health(con, ask)  # and once more, later
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


@pytest.mark.parametrize("side", ["demand", "supply"])
@pytest.mark.parametrize("pick", ["latest", "first", "between"])
def test_the_capacity_memos_equal_their_definitions(demo_store: Store, side: str, pick: str) -> None:
    con = demo_store.connect()
    week = _weeks(con)[pick]
    with pytest.raises(duckdb.InvalidInputException, match="was not prepared"):
        con.execute(f"SELECT count(*) FROM capacity_{side}_days(CAST($w AS DATE))", {"w": week}).fetchall()
    memo.prepare(con, side, [week])
    memo_rows = sorted(
        con.execute(f"SELECT * FROM capacity_{side}_days(CAST($w AS DATE))", {"w": week}).fetchall(), key=repr
    )
    computed = sorted(
        con.execute(f"SELECT * FROM capacity_{side}_days_compute(CAST($w AS DATE))", {"w": week}).fetchall(),
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


# ----------------------------------------------------------------- declared needs

DEFINITIONS = ("memo/", "views/")  # where the memos themselves are defined and filled


def _all_queries() -> list[str]:
    return sorted(
        p.relative_to(sql.QUERIES_DIR).with_suffix("").as_posix() for p in sql.QUERIES_DIR.rglob("*.sql")
    )


def undeclared(q: sql.Query) -> list[str]:
    """Memos whose tables or macros a query names without declaring them in `-- needs:`."""
    declared = {n.memo for n in q.needs}
    return [m.name for m in memo.MEMOS if m.name not in declared and any(r in q.text for r in m.readers)]


def test_every_declared_need_is_a_memo() -> None:
    for name in _all_queries():
        for need in sql.query(name).needs:
            assert need.memo in memo.MEMO_BY_NAME, (name, need.memo)
            assert not need.history or need.memo == "health", (name, need)


def test_every_query_reading_a_memo_declares_it() -> None:
    missing = {
        name: undeclared(sql.query(name))
        for name in _all_queries()
        if not name.startswith(DEFINITIONS) and undeclared(sql.query(name))
    }
    assert not missing, f"add `-- needs: ...` to these queries' headers: {missing}"


def test_a_query_naming_a_memo_without_declaring_it_is_caught() -> None:
    text = "-- grain: one row\nSELECT * FROM project_health_weeks([CAST($as_of AS DATE)])"
    q = sql.Query("health/example", text, {}, "")
    assert undeclared(q) == ["health"]
    declared = sql.Query("health/example", "-- needs: health\n" + text, {"needs": "health"}, "")
    assert undeclared(declared) == []


@pytest.mark.parametrize(
    ("header", "needs"),
    [
        ("health", (sql.Need("health"),)),
        ("projects, milestones", (sql.Need("projects"), sql.Need("milestones"))),
        ("health(history)  (every week it shows)", (sql.Need("health", history=True),)),
        ("", ()),
    ],
)
def test_needs_are_read_from_the_header(header: str, needs: tuple[sql.Need, ...]) -> None:
    assert sql.parse_needs(header) == needs


def test_a_bad_declaration_is_refused() -> None:
    with pytest.raises(ValueError, match="bad memo declaration"):
        sql.parse_needs("health history")


def test_the_runner_prepares_only_what_a_query_declares(demo_store: Store) -> None:
    """No text search at run time: a query that does not declare the health memo gets an
    unprepared-week error, not a silently prepared memo."""
    con = demo_store.connect(threaded=True)  # queries on cursors of it, as the app's
    week = _weeks(con)["latest"]
    q = sql.query("health/headline")
    bare = sql.Query(q.name, q.text, {k: v for k, v in q.meta.items() if k != "needs"}, q.description)
    cur = con.cursor()
    memo.prepare_for(cur, bare, {"as_of": week, "previous": week})
    with pytest.raises(duckdb.InvalidInputException, match="was not prepared"):
        cur.execute(q.text, {"as_of": week, "previous": week, "portfolios": [], "programmes": []}).fetchall()
    memo.prepare_for(cur, q, {"as_of": week, "previous": week})
    assert cur.execute(
        q.text, {"as_of": week, "previous": week, "portfolios": [], "programmes": []}
    ).fetchall()
