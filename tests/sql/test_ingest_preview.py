"""The change preview of a valid upload: rows per table and project against the previous
report (only the tables the upload carries), and the project fields it changes."""

from __future__ import annotations

import datetime as dt

from epmo.ingest import ACCEPTED, VALID, check_upload, commit, ingest
from epmo.store import Store
from tests.conftest import project, upload_tables, zip_of

W1 = dt.date(2026, 11, 13)
W2 = dt.date(2026, 11, 20)


def alloc(pid: str, week: str, hours: float = 10) -> dict[str, object]:
    return {"project_id": pid, "role": "Developer", "period_start": week, "hours": hours}


def test_row_changes_count_previous_rows_of_the_uploaded_tables_only(store: Store) -> None:
    upload_tables(
        store,
        W1,
        projects=[project("P1"), project("P2")],
        allocations=[alloc("P1", "2026-11-16"), alloc("P1", "2026-11-23"), alloc("P2", "2026-11-16")],
    )
    data = zip_of(allocations=[alloc("P1", w) for w in ("2026-11-23", "2026-11-30", "2026-12-07")])
    outcome = check_upload(store, "week2.zip", data, as_of=W2)
    assert outcome.status == VALID
    rows = outcome.preview["row_changes"].to_dict("records")  # type: ignore[union-attr]
    assert [(r["table_name"], r["project_id"], r["rows_before"], r["rows_after"]) for r in rows] == [
        ("allocations", "P1", 2, 3)
    ]
    assert len(outcome.preview["project_changes"]) == 0  # type: ignore[arg-type]


def test_project_changes_list_changed_fields_and_new_projects(store: Store) -> None:
    upload_tables(store, W1, projects=[project("P1")])
    data = zip_of(
        projects=[
            project("P1", stage="Closing", forecast_end_date="2027-03-01", budget_bac="1250000"),
            project("P9"),
        ]
    )
    outcome = check_upload(store, "week2.zip", data, as_of=W2)
    assert outcome.status == VALID
    frame = outcome.preview["project_changes"]
    changes = frame.astype(object).where(frame.notna(), None).to_dict("records")  # type: ignore[union-attr]
    assert [
        (c["project_id"], c["change"], c["field"], c["before_value"], c["after_value"]) for c in changes
    ] == [
        # dates and money as every page writes them, not the text compared (2027-03-01, 1250000.0)
        ("P1", "changed", "budget_bac", "1.00M", "1.25M"),
        ("P1", "changed", "forecast_end_date", "31 Dec 2026", "01 Mar 2027"),
        ("P1", "changed", "stage", "Execution", "Closing"),
        ("P9", "new project", "project_name", None, "Project P9"),
    ]
    rows = outcome.preview["row_changes"].to_dict("records")  # type: ignore[union-attr]
    assert [(r["project_id"], r["rows_before"], r["rows_after"]) for r in rows] == [
        ("P1", 1, 1),
        ("P9", 0, 1),
    ]


def test_the_preview_is_computed_for_those_who_see_it_before_a_commit(store: Store) -> None:
    """A dry run (the Upload page) carries the preview; an upload validated and committed in
    one go (the CLI, ingest) computes none, and a commit that checks again on a moved store
    keeps the preview the caller's outcome had."""
    upload_tables(store, W1, projects=[project("P1")])
    data = zip_of(projects=[project("P1", stage="Closing")])
    shown = ingest(store, "week2.zip", data, as_of=W2, dry_run=True)
    assert shown.status == VALID and set(shown.preview) == {"project_changes", "row_changes"}
    upload_tables(store, W1, projects=[project("P2")])  # the store moves on: commit checks again
    committed = commit(store, shown, "week2.zip", data)
    assert committed.status == ACCEPTED and set(committed.preview) == {"project_changes", "row_changes"}
    again = ingest(store, "week2b.zip", zip_of(projects=[project("P3")]), as_of=W2)
    assert again.status == ACCEPTED and again.preview == {}


def test_a_second_upload_of_the_week_is_compared_with_the_first(store: Store) -> None:
    """A pm who corrects one value and uploads the week again saw every field that had
    changed since last week, not the one they changed."""
    upload_tables(store, W1, projects=[project("P1")])
    upload_tables(store, W2, projects=[project("P1", stage="Closing", budget_bac="1250000")])
    again = zip_of(projects=[project("P1", stage="Closing", budget_bac="1300000")])
    outcome = check_upload(store, "again.zip", again, as_of=W2)
    frame = outcome.preview["project_changes"]
    assert [(c["field"], c["before_value"], c["after_value"]) for c in frame.to_dict("records")] == [  # type: ignore[union-attr]
        ("budget_bac", "1.25M", "1.30M")
    ]
