"""The explorer's queries (queries/explorer/): the as-of views for the chosen week, the
schema help and the table macros, over the small demo store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from epmo import sandbox
from epmo.store import Store
from tests.conftest import DEMO_END

EARLIER = DEMO_END - dt.timedelta(weeks=6)


@pytest.fixture(scope="module")
def demo(_demo_template: Path) -> Store:
    return Store(str(_demo_template))


def _run(store: Store, text: str, as_of: dt.date = DEMO_END) -> sandbox.Result:
    return sandbox.run(store.snapshot(), text, as_of)


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("SELECT * FROM projects ORDER BY project_id", "export/projects"),
        ("SELECT * FROM milestones", "export/milestones"),
        ("SELECT * FROM raid", "export/raid"),
        ("SELECT * FROM allocations", "export/allocations"),
        ("SELECT * FROM capacity", "export/capacity"),
        ("SELECT * FROM financials", "export/financials"),
    ],
)
@pytest.mark.parametrize("as_of", [DEMO_END, EARLIER])
def test_as_of_views_match_the_store_for_the_chosen_week(
    demo: Store, text: str, reference: str, as_of: dt.date
) -> None:
    got = _run(demo, text, as_of).frame
    expected = demo.frame(reference, as_of=as_of)
    assert len(got) == len(expected) > 0
    assert (got["as_of_date"] <= as_of).all() if "as_of_date" in got else True


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
