"""The explorer's queries (queries/explorer/): the as-of views for the chosen week, the
schema help and the table macros, over the small demo store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from epmo import sandbox, sql
from epmo.store import Store
from tests.conftest import DEMO_END

EARLIER = DEMO_END - dt.timedelta(weeks=6)


@pytest.fixture(scope="module")
def demo(_demo_template: Path) -> Store:
    return Store(str(_demo_template))


def _run(store: Store, text: str, as_of: dt.date = DEMO_END) -> sandbox.Result:
    return sandbox.run(store.snapshot(), text, as_of)


TABLES = ["projects", "milestones", "raid", "allocations", "capacity", "financials"]


@pytest.mark.parametrize("as_of", [DEMO_END, EARLIER])
def test_as_of_views_match_the_store_for_the_chosen_week(demo: Store, as_of: dt.date) -> None:
    limits = sandbox.Limits.from_settings()
    con = sandbox.connect(demo.snapshot(), as_of, limits)
    store_con = demo.connect()
    try:
        for table in TABLES:
            got = sandbox.execute(con, f"SELECT * FROM {table}", as_of, None, limits).frame
            expected = sql.df(store_con, f"export/{table}", as_of=as_of)
            assert len(got) == len(expected) > 0, table
            assert (pd.to_datetime(got["as_of_date"]) <= pd.Timestamp(as_of)).all(), table
            assert got["weeks_stale"].min() >= 0, table
    finally:
        con.close()
        store_con.close()


def test_schema_lists_the_views_with_their_columns(demo: Store) -> None:
    cols = sandbox.schema(demo.snapshot(), DEMO_END)
    week = set(cols[cols["object_group"] == "as of the week"]["table_name"])
    assert week == {
        "projects",
        "milestones",
        "raid",
        "allocations",
        "capacity",
        "financials",
        "project_health",
        "uploads",
    }
    history = set(cols[cols["object_group"] == "full history"]["table_name"])
    assert {"raw_projects", "raw_uploads", "accepted_uploads"} <= history
    projects = cols[cols["table_name"] == "projects"]
    assert {"project_id", "as_of_date", "weeks_stale"} <= set(projects["column_name"])
    macros = sandbox.table_macros(demo.snapshot(), DEMO_END)
    assert "projects_as_of(as_of)" in macros["usage"].tolist()
