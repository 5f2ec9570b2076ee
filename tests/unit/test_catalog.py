"""The shared catalog (epmo/store.py shared_connection): a store connection is a cursor of one
in-memory database per process, whose main schema holds every macro and view once; the
snapshot's relations (raw_<table>, submission_validity, the memo tables, the scope and the
freeze) are TEMP objects of that cursor, which no other connection sees.

What could go wrong, and is checked here: two connections over different stores seeing each
other's rows or memos; something created later on a connection (the upload's staging, a
memo) landing in the shared schema; a cursor answering differently from a connection of its
own; a memo table copied empty that a connection of its own would have filled.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from epmo import capacity, memo, sql, steering
from epmo import store as store_module
from epmo.ingest import ACCEPTED, VALID, check_upload, ingest
from epmo.store import Store, register_snapshot
from tests.conftest import WEEK, project, project_row, projects_csv, upload_tables


def _shared_schema(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """Every object of the shared database's main schema, with its definition."""
    return con.execute(
        """
        SELECT 'table' AS kind, table_name AS name, sql, estimated_size FROM duckdb_tables()
        WHERE NOT temporary AND database_name = current_database()
        UNION ALL
        SELECT 'view', view_name, sql, NULL FROM duckdb_views()
        WHERE NOT temporary AND NOT internal AND database_name = current_database()
        UNION ALL
        SELECT DISTINCT function_type, function_name, NULL, NULL FROM duckdb_functions()
        WHERE NOT internal AND database_name = current_database()
          AND function_type IN ('macro', 'table_macro')
        ORDER BY ALL
        """
    ).fetchall()


def _same(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> bool:
    """The same rows in any order, floats to 1e-9 (DuckDB sums on several threads in any
    order, so two runs of one query on one connection can differ in the last digit)."""

    def key(row: dict[str, Any]) -> str:
        return repr({k: v for k, v in row.items() if not isinstance(v, float)})

    if len(got) != len(want):
        return False
    for g, w in zip(sorted(got, key=key), sorted(want, key=key), strict=True):
        if g.keys() != w.keys():
            return False
        for k in g:
            if isinstance(w[k], float) and isinstance(g[k], float):
                if g[k] != pytest.approx(w[k], rel=1e-9, abs=1e-9):
                    return False
            elif g[k] != w[k] and not (g[k] != g[k] and w[k] != w[k]):  # NaN equals NaN here
                return False
    return True


def _ids(con: duckdb.DuckDBPyConnection, week: dt.date) -> list[str]:
    rows = con.execute(
        "SELECT project_id FROM projects_as_of(CAST($w AS DATE)) ORDER BY 1", {"w": week}
    ).fetchall()
    return [r[0] for r in rows]


def test_connections_over_two_stores_see_only_their_own_rows_and_memos(tmp_path: Path) -> None:
    a, b = Store(str(tmp_path / "a")), Store(str(tmp_path / "b"))
    upload_tables(a, WEEK, projects=[project("A1"), project("A2")])
    upload_tables(b, WEEK, projects=[project("B1")])
    con_a, con_b = a.connect(), b.connect()
    try:
        assert _ids(con_a, WEEK) == ["A1", "A2"]
        assert _ids(con_b, WEEK) == ["B1"]
        memo.prepare_health(con_a, [WEEK])  # a memo filled on a is not on b
        assert con_a.execute("SELECT count(*) FROM health_memo").fetchone() == (2,)
        assert con_b.execute("SELECT count(*) FROM health_memo").fetchone() == (0,)
        with pytest.raises(duckdb.InvalidInputException, match="was not prepared"):
            con_b.execute("SELECT * FROM project_health(CAST($w AS DATE))", {"w": WEEK}).fetchall()
        assert len(sql.arrow(con_b, "health/project_health", as_of=WEEK, portfolios=[], programmes=[])) == 1
    finally:
        con_a.close()
        con_b.close()


def test_nothing_an_upload_a_page_or_a_pack_does_lands_in_the_shared_schema(demo_store: Store) -> None:
    con = demo_store.connect()
    before = _shared_schema(con)
    assert any(r[1] == "project_health_compute" for r in before)  # the definitions are there
    week = sql.arrow(con, "ledger/reporting_weeks").to_pylist()[0]["as_of_date"]
    # validation stages the upload on a store connection (cells, checked_*, typed_*, row_keys)
    data = projects_csv(project_row("PRJ-0001"), project_row("NEW-1"))
    assert check_upload(demo_store, "p.csv", data, as_of=week).status == VALID
    outcome = ingest(demo_store, "p.csv", data, as_of=week, user_email="pm@example.org")
    assert outcome.status == ACCEPTED, outcome.report.to_text(limit=5)
    for name in ("health/headline", "health/project_health", "health/submission_status"):
        params = {"as_of": week, "previous": week, "portfolios": [], "programmes": []}
        q = sql.query(name)
        sql.arrow(con, name, **{k: v for k, v in params.items() if k in q.params})
    steering.connect_frozen(demo_store, steering.freeze(demo_store, week)).close()
    scoped = Store(demo_store.uri, scope=("Corporate",))
    scoped.connect().close()
    assert _shared_schema(demo_store.connect()) == before


@pytest.mark.parametrize("how", ["live", "frozen", "scoped"])
def test_a_cursor_of_the_catalog_answers_as_a_connection_of_its_own(demo_store: Store, how: str) -> None:
    snap = demo_store.snapshot()
    cutoff = None
    if how == "scoped":
        con = demo_store.connect()
        portfolio = con.execute("SELECT min(portfolio) FROM raw_projects").fetchone()[0]  # type: ignore[index]
        con.close()
        snap = snap.scoped((portfolio,))
    if how == "frozen":
        weeks = sorted(r["as_of_date"] for r in demo_store.rows("ledger/reporting_weeks"))
        cutoff = steering.freeze(demo_store, weeks[-2]).cutoff_at
    shared = store_module.shared_connection(snap, cutoff)
    own = sql.connect()
    register_snapshot(own, snap, cutoff)
    try:
        weeks = [r["as_of_date"] for r in sql.arrow(own, "ledger/reporting_weeks").to_pylist()]
        assert weeks == [r["as_of_date"] for r in sql.arrow(shared, "ledger/reporting_weeks").to_pylist()]
        params = {"as_of": weeks[0], "previous": weeks[1], "portfolios": [], "programmes": []}
        for name in ("health/headline", "health/project_health", "health/submission_status"):
            bound = {k: params[k] for k in sql.query(name).params}
            got = sql.arrow(shared, name, **bound).to_pylist()
            assert got, name
            assert _same(got, sql.arrow(own, name, **bound).to_pylist()), name
        got = capacity.utilisation(shared, weeks[0]).to_dict("records")
        assert got and _same(got, capacity.utilisation(own, weeks[0]).to_dict("records"))
        for relation in ("raw_projects", "raw_uploads", "submission_validity"):
            count = f"SELECT count(*) FROM {relation}"  # noqa: S608 (names of this test)
            assert shared.execute(count).fetchone() == own.execute(count).fetchone(), relation
    finally:
        shared.close()
        own.close()


def test_the_memo_tables_a_cursor_copies_empty_start_empty_on_a_connection_of_its_own(
    demo_store: Store,
) -> None:
    con = demo_store.connect()  # builds the catalog if this process has none yet
    con.close()
    catalog = next(iter(store_module._CATALOGS.values()))
    memo_tables = [table for table, _columns in catalog.memo_tables]
    assert "health_memo" in memo_tables and "submission_validity" not in memo_tables
    own = sql.connect()
    register_snapshot(own, demo_store.snapshot())
    try:
        for table in memo_tables:
            count = f'SELECT count(*) FROM "{table}"'  # noqa: S608 (names from the catalog)
            assert own.execute(count).fetchone() == (0,), table
        assert own.execute("SELECT count(*) FROM submission_validity").fetchone()[0] > 0  # type: ignore[index]
    finally:
        own.close()


def test_a_connection_of_its_own_for_threads_answers_on_cursors(demo_store: Store) -> None:
    con = demo_store.connect(threaded=True)
    cur = con.cursor()  # what the app's sessions do: a cursor per query
    try:
        assert cur.execute("SELECT count(*) FROM raw_projects").fetchone()[0] > 0  # type: ignore[index]
    finally:
        cur.close()
        con.close()
    shared = demo_store.connect()
    try:
        with pytest.raises(duckdb.CatalogException):  # a further cursor would not see the TEMP relations
            shared.cursor().execute("SELECT count(*) FROM raw_projects WHERE upload_id IS NULL").fetchall()
        with sql.cursor(shared) as cur:  # so the runner queries the connection itself
            assert cur is shared
    finally:
        shared.close()


def test_changed_health_settings_get_a_catalog_of_their_own(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from epmo import settings

    custom = tmp_path / "settings.toml"
    custom.write_text("[health]\nslip_red_days = 3\n")
    before = store.connect()
    try:
        assert before.execute("SELECT slip_red_days FROM health_rules").fetchone() != (3,)
    finally:
        before.close()
    monkeypatch.setenv("EPMO_SETTINGS", str(custom))
    settings.settings.cache_clear()
    try:
        con = store.connect()
        assert con.execute("SELECT slip_red_days FROM health_rules").fetchone() == (3,)
        con.close()
    finally:
        monkeypatch.delenv("EPMO_SETTINGS")
        settings.settings.cache_clear()
