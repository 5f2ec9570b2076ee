"""The "portfolio as of week W" rule as portable SQL (docs/engines/portfolio_as_of_week.sql),
run on a second engine -- DataFusion, through the Delta library's QueryBuilder -- straight
over the store's Delta tables, must give Home's headline numbers as DuckDB computes them."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable, QueryBuilder

from epmo import sql
from epmo.store import Store
from tests.conftest import DEMO_END

SQL_FILE = Path(__file__).resolve().parents[2] / "docs" / "engines" / "portfolio_as_of_week.sql"
COLUMNS = (
    "project_count",
    "expected_count",
    "reporting_count",
    "stale_count",
    "total_bac",
    "total_ac",
    "cpi",
    "declared_red_count",
    "declared_amber_count",
    "declared_green_count",
)


def datafusion_headline(store: Store, week: dt.date) -> dict[str, object]:
    text = SQL_FILE.read_text(encoding="utf-8")
    assert "DATE '2026-11-20'" in text  # the one line an analyst edits
    text = text.replace("DATE '2026-11-20'", f"DATE '{week.isoformat()}'")
    qb = QueryBuilder()
    for name in ("uploads", "submissions", "projects"):
        qb.register(name, DeltaTable(f"{store.uri}/{name}", storage_options=store.storage_options))
    rows = pa.table(qb.execute(text).read_all()).to_pylist()  # arro3 -> pyarrow (Arrow C stream)
    assert len(rows) == 1
    return rows[0]


def duckdb_headline(store: Store, week: dt.date) -> dict[str, object]:
    con = store.connect()
    try:
        row = sql.arrow(
            con,
            "health/headline",
            as_of=week,
            previous=week - dt.timedelta(days=7),
            portfolios=[],
            programmes=[],
        ).to_pylist()[0]
    finally:
        con.close()
    return row


def same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-6)  # type: ignore[arg-type]


@pytest.mark.parametrize("weeks_back", [0, 1, 6])
def test_datafusion_reproduces_home_headline(demo_store: Store, weeks_back: int) -> None:
    week = DEMO_END - dt.timedelta(weeks=weeks_back)
    expected = duckdb_headline(demo_store, week)
    got = datafusion_headline(demo_store, week)
    assert (
        int(expected["project_count"]) > 0 and int(expected["expected_count"]) > 0
    )  # a week worth comparing
    diffs = {c: (got[c], expected[c]) for c in COLUMNS if not same(got[c], expected[c])}
    assert not diffs, f"DataFusion vs DuckDB at {week}: {diffs}"


def test_datafusion_honours_retraction_and_supersession(demo_store: Store) -> None:
    """Retract the latest projects upload of the week: both engines fall back to the
    project's previous submission (so the numbers move, and move the same way)."""
    before = duckdb_headline(demo_store, DEMO_END)
    upload = demo_store.rows("export/uploads")
    target = next(u for u in upload if u["as_of_date"] == DEMO_END and "projects" in u["tables"])
    demo_store.retract(target["upload_id"], "test@example.org", "second engine test")
    after = duckdb_headline(demo_store, DEMO_END)
    assert (after["total_ac"], after["reporting_count"]) != (before["total_ac"], before["reporting_count"])
    got = datafusion_headline(demo_store, DEMO_END)
    diffs = {c: (got[c], after[c]) for c in COLUMNS if not same(got[c], after[c])}
    assert not diffs, diffs


def test_datafusion_reads_a_no_change_confirmation_as_duckdb_does(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A "no change this week" confirmation has submissions and no rows: the portable SQL
    joined its upload id to the projects table and lost the confirmed projects (34 projects
    against Home's 39), where DuckDB reads the project's last rows for the confirmed week."""
    from epmo import clock
    from epmo.weekly import confirm_unchanged
    from tests.conftest import person, project, upload_tables

    w1, w2, w3 = dt.date(2026, 11, 6), dt.date(2026, 11, 13), dt.date(2026, 11, 20)
    pm = "pm@example.org"
    upload_tables(store, w1, projects=[project("P1", project_manager=pm), project("P2", project_manager=pm)])
    upload_tables(store, w2, projects=[project("P2", project_manager=pm, actual_cost=333000)])
    monkeypatch.setenv(clock.ENV, (w3 + dt.timedelta(days=1)).isoformat())
    confirm_unchanged(store, person(pm, "pm"), pm, ["P1", "P2"], w3)
    for week in (w1, w2, w3):
        expected = duckdb_headline(store, week)
        got = datafusion_headline(store, week)
        diffs = {c: (got[c], expected[c]) for c in COLUMNS if not same(got[c], expected[c])}
        assert not diffs, f"DataFusion vs DuckDB at {week}: {diffs}"
    assert (expected["project_count"], expected["reporting_count"]) == (2, 2)  # both confirmed for w3
    assert expected["total_ac"] == 333000 + project("P1")["actual_cost"]  # P2's w2 rows, P1's w1 rows
