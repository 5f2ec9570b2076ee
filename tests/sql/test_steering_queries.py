"""queries/steering/*.sql on small synthetic stores."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from epmo import sql
from epmo.ingest import ACCEPTED, ingest
from epmo.store import Store
from tests.conftest import WEEK, project_row, projects_csv


def _decision(
    store: Store, name: str, day: str, projects: list[str], text: str = "x", status: str = "Open"
) -> None:
    spec = {
        "decision_date": day,
        "decision": text,
        "rationale": "",
        "project_ids": projects,
        "owner": "o@x.org",
        "due_date": None,
        "status": status,
        "based_on": {"as_of": "2026-11-20", "cutoff_at": "2026-11-20T10:00:00+00:00", "snapshot_key": "k"},
    }
    store.save_document("decision", name, json.dumps(spec), "clerk@x.org")


@pytest.fixture
def logged(store: Store) -> Store:
    _decision(store, "D1", "2026-11-10", ["P1", "P2"], "first")
    _decision(store, "D2", "2026-11-20", ["P2"], "second")
    _decision(store, "D3", "2026-11-25", [], "third")
    _decision(store, "D1", "2026-11-10", ["P1"], "first, edited", "Done")  # a new version of D1
    store.save_document("deck", "D9", json.dumps({"slides": ["home"]}), "x")  # another kind: never listed
    return store


@pytest.mark.parametrize(
    ("as_of", "project", "expected"),
    [
        ("2026-11-30", "", ["D3", "D2", "D1"]),
        ("2026-11-20", "", ["D2", "D1"]),
        ("2026-11-09", "", []),
        ("2026-11-30", "P1", ["D1"]),
        ("2026-11-30", "P2", ["D2"]),  # D1 no longer affects P2 in its latest version
        ("2026-11-30", "P9", []),
    ],
)
def test_decisions_by_date_and_project(logged: Store, as_of: str, project: str, expected: list[str]) -> None:
    rows = logged.rows("steering/decisions", as_of=dt.date.fromisoformat(as_of), project_id=project)
    assert [r["decision_id"] for r in rows] == expected


def test_decisions_show_the_latest_version_and_its_basis(logged: Store) -> None:
    rows = logged.rows("steering/decisions", as_of=dt.date(2026, 11, 30), project_id="P1")
    row = rows[0]
    assert (row["decision"], row["status"], row["version"], row["projects_affected"]) == (
        "first, edited",
        "Done",
        2,
        "P1",
    )
    assert row["based_on_as_of_date"] == dt.date(2026, 11, 20)
    assert row["based_on_data_at"] == dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)


def test_ledger_cutoff_is_the_latest_commit_stamp(store: Store) -> None:
    con = store.connect()
    assert sql.arrow(con, "steering/ledger_cutoff").to_pylist() == [{"cutoff_at": None}]
    out = ingest(store, "a.csv", projects_csv(project_row("P1")), as_of=WEEK)
    assert out.status == ACCEPTED
    cutoff = sql.arrow(store.connect(), "steering/ledger_cutoff").to_pylist()[0]["cutoff_at"]
    committed = (
        store.connect()
        .sql("SELECT max(event_at) AS at FROM raw_uploads")
        .to_arrow_table()
        .to_pylist()[0]["at"]
    )
    assert cutoff == committed is not None
    store.save_document("deck", "later", json.dumps({"slides": ["home"]}), "x")
    later = sql.arrow(store.connect(), "steering/ledger_cutoff").to_pylist()[0]["cutoff_at"]
    assert later > cutoff
