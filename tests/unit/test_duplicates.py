"""Sending a file again: a repeat of what is in force is stored once (DUPLICATE); the same
bytes that would change what is in force are stored.

A file was a duplicate whenever a live upload had the same sha256 for the same week. So
re-sending Monday's file after Tuesday's correction was swallowed (Tuesday's rows stayed in
force), and a Jira export sent for the wrong project could not be sent again for the right
one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from epmo import sql
from epmo.importers import WorkItemImport
from epmo.ingest import ACCEPTED, DUPLICATE, ingest
from epmo.mapping import Mapping
from epmo.store import Store
from epmo.workflow import Workflow
from tests.conftest import WEEK, project_row, projects_csv

FIX = Path(__file__).resolve().parents[1] / "fixtures"
NEXT = WEEK + dt.timedelta(weeks=1)
GREEN = projects_csv(project_row("P1", rag_overall="Green"))
RED = projects_csv(project_row("P1", rag_overall="Red"))
OTHER = projects_csv(project_row("P2", rag_overall="Amber"))
BOTH = projects_csv(project_row("P1", rag_overall="Green"), project_row("P2", rag_overall="Green"))


def _rag(store: Store, as_of: dt.date, pid: str = "P1") -> str:
    con = store.connect()
    try:
        rows = sql.arrow(con, "export/projects", as_of=as_of).to_pylist()
    finally:
        con.close()
    return next(str(r["rag_overall"]) for r in rows if r["project_id"] == pid)


# (what was sent before: (file, week, retracted?)), then GREEN again for WEEK: status, P1's RAG
CASES = [
    ("nothing since", [(GREEN, WEEK, False)], DUPLICATE, "Green"),
    ("replaced the same week", [(GREEN, WEEK, False), (RED, WEEK, False)], ACCEPTED, "Green"),
    ("another project the same week", [(GREEN, WEEK, False), (OTHER, WEEK, False)], DUPLICATE, "Green"),
    ("replaced the week after", [(GREEN, WEEK, False), (RED, NEXT, False)], DUPLICATE, "Green"),
    ("the replacement retracted", [(GREEN, WEEK, False), (RED, WEEK, True)], DUPLICATE, "Green"),
    ("the file itself retracted", [(GREEN, WEEK, True)], ACCEPTED, "Green"),
    (
        "partly replaced",
        [(BOTH, WEEK, False), (projects_csv(project_row("P2")), WEEK, False)],
        ACCEPTED,
        "Green",
    ),
]


@pytest.mark.parametrize(("before", "status", "rag"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_sending_a_file_again(
    store: Store, before: list[tuple[bytes, dt.date, bool]], status: str, rag: str
) -> None:
    first = ""
    for data, week, retracted in before:
        out = ingest(store, "a.csv", data, as_of=week)
        assert out.status == ACCEPTED, out.report.to_text()
        first = first or out.upload_id
        if retracted:
            store.retract(out.upload_id, "admin@example.org", "test")
    again = ingest(store, "a.csv", before[0][0], as_of=WEEK)
    assert again.status == status, again.report.to_text()
    if status == DUPLICATE:
        assert again.duplicate_of == first
    assert _rag(store, WEEK) == rag


@pytest.mark.parametrize(
    ("first", "then", "status", "rag"),
    [
        (None, Mapping(name="register"), DUPLICATE, "Green"),  # another name, the same rows
        (
            Mapping(name="reg", value_maps={"rag_overall": {"Green": "Red"}}),
            Mapping(name="reg", value_maps={"rag_overall": {"Green": "Green"}}),  # the mapping fixed
            ACCEPTED,
            "Green",
        ),
        (None, Mapping(name="reg", value_maps={"rag_overall": {"Green": "Amber"}}), ACCEPTED, "Amber"),
    ],
    ids=["another mapping, the same rows", "the mapping fixed", "read another way"],
)
def test_the_same_bytes_are_a_repeat_only_if_they_store_the_same_rows(
    store: Store, first: Mapping | None, then: Mapping, status: str, rag: str
) -> None:
    """A file read again with its mapping fixed (the same name) was called a duplicate, and
    the correction was lost: a repeat is one that would store the same rows."""
    assert ingest(store, "a.csv", GREEN, as_of=WEEK, mapping=first).status == ACCEPTED
    again = ingest(store, "a.csv", GREEN, as_of=WEEK, mapping=then)
    assert again.status == status, again.report.to_text()
    assert _rag(store, WEEK) == rag
    assert ingest(store, "a.csv", GREEN, as_of=WEEK, mapping=then).status == DUPLICATE


@pytest.mark.parametrize(
    ("order", "first_start"), [("mdy", dt.date(2026, 5, 1)), ("dmy", dt.date(2026, 1, 5))]
)
def test_a_date_order_fixed_is_not_a_repeat(store: Store, order: str, first_start: dt.date) -> None:
    data = projects_csv(project_row("P1", start_date="05/01/2026"))
    other = "dmy" if order == "mdy" else "mdy"
    assert (
        ingest(store, "a.csv", data, as_of=WEEK, mapping=Mapping(name="m", date_order=order)).status
        == ACCEPTED
    )
    assert _start(store) == first_start
    again = ingest(store, "a.csv", data, as_of=WEEK, mapping=Mapping(name="m", date_order=other))
    assert again.status == ACCEPTED, again.report.to_text()
    assert _start(store) != first_start


def _start(store: Store) -> dt.date:
    con = store.connect()
    try:
        (row,) = sql.arrow(con, "export/projects", as_of=WEEK).to_pylist()
    finally:
        con.close()
    return row["start_date"]  # type: ignore[no-any-return]


def test_a_jira_export_sent_for_the_wrong_project_can_be_sent_for_the_right_one(store: Store) -> None:
    ingest(store, "p.csv", BOTH, as_of=WEEK)
    lines = (FIX / "jira_cloud_all_fields.csv").read_bytes().decode("utf-8-sig").splitlines()
    data = ("\n".join(line for line in lines if not line.startswith("=")) + "\n").encode()
    flow = Workflow(
        name="pay", statuses=["To Do", "In Progress", "In Review", "Done"], started="In Progress", done="Done"
    )
    wrong = ingest(
        store, "e.csv", data, as_of=WEEK, work_items=WorkItemImport(workflow=flow, project_id="P2")
    )
    assert wrong.status == ACCEPTED, wrong.report.to_text()
    right = ingest(
        store, "e.csv", data, as_of=WEEK, work_items=WorkItemImport(workflow=flow, project_id="P1")
    )
    assert right.status == ACCEPTED, right.report.to_text()
    again = ingest(
        store, "e.csv", data, as_of=WEEK, work_items=WorkItemImport(workflow=flow, project_id="P1")
    )
    assert (again.status, again.duplicate_of) == (DUPLICATE, right.upload_id)
    # another workflow (what counts as done) reads other rows from the same bytes
    review = Workflow(
        name="pay",
        statuses=["To Do", "In Progress", "In Review", "Done"],
        started="In Progress",
        done="In Review",
    )
    other = ingest(
        store, "e.csv", data, as_of=WEEK, work_items=WorkItemImport(workflow=review, project_id="P1")
    )
    assert other.status == ACCEPTED, other.report.to_text()
