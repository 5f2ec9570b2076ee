"""Contract v2's work_items: per-project supersession, the export view and the workflow
document (which statuses are started and done, saved like a mapping)."""

from __future__ import annotations

import datetime as dt

import pytest

from epmo import export, workflow
from epmo.store import Store
from tests.conftest import person, project, upload_tables

W1 = dt.date(2026, 11, 6)
W2 = dt.date(2026, 11, 13)


def item(
    pid: str, key: str, status: str = "To Do", category: str = "To Do", **over: object
) -> dict[str, object]:
    row: dict[str, object] = {
        "project_id": pid,
        "item_key": key,
        "item_type": "Story",
        "title": f"Item {key}",
        "status": status,
        "status_category": category,
        "created_date": "2026-10-01",
    }
    row.update(over)
    return row


def test_work_items_supersede_per_project(store: Store) -> None:
    upload_tables(store, W1, projects=[project("P1"), project("P2")])
    upload_tables(store, W1, work_items=[item("P1", "A-1"), item("P1", "A-2"), item("P2", "B-1")])
    # the week after, P1's backlog alone: one item done, one new; P2's stays as it was
    upload_tables(
        store,
        W2,
        work_items=[
            item("P1", "A-1", "Closed", "done", started_date="2026-11-02", done_date="2026-11-10"),
            item("P1", "A-3"),
        ],
    )
    now = export.view_frame(store, "work_items", W2)
    assert sorted(zip(now["project_id"], now["item_key"], strict=True)) == [
        ("P1", "A-1"),
        ("P1", "A-3"),
        ("P2", "B-1"),
    ]
    done = now[now["item_key"] == "A-1"].iloc[0]
    assert done["status_category"] == "Done"  # the enum's alias 'done'
    assert str(done["done_date"])[:10] == "2026-11-10"
    stale = now[now["project_id"] == "P2"].iloc[0]
    assert stale["weeks_stale"] == 1
    before = export.view_frame(store, "work_items", W1)
    assert sorted(before["item_key"]) == ["A-1", "A-2", "B-1"]


WF = workflow.Workflow(
    name="cra",
    statuses=["Open", "Analysis", "Committed", "Develop", "Done"],
    started="Committed",
    done="Done",
    project_keys={"CRA": "PRJ-0001", "clov": "PRJ-0002"},
)


@pytest.mark.parametrize(
    ("status", "category"),
    [
        ("Open", "To Do"),
        ("analysis", "To Do"),
        ("Committed", "In Progress"),
        ("DEVELOP", "In Progress"),
        ("Done", "Done"),
        ("Closed", "Done"),  # not listed: known by its name
        ("Blocked", "In Progress"),
        ("Waiting for Godot", None),
    ],
)
def test_workflow_categories(status: str, category: str | None) -> None:
    assert WF.category(status) == category


@pytest.mark.parametrize(
    ("key", "pid"), [("CRA-1181", "PRJ-0001"), ("CLOV-1420 ", "PRJ-0002"), ("HCPUB-6", None)]
)
def test_workflow_project_keys(key: str, pid: str | None) -> None:
    assert WF.project_id(key) == pid


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"statuses": ["A", "B"], "started": "B", "done": "A"}, "done must come after started"),
        ({"statuses": ["A", "B"], "started": "X", "done": "B"}, "'X' is not one of the statuses"),
        ({"statuses": ["A", "A"], "started": "A", "done": "A"}, "listed twice"),
        ({"statuses": ["A", "B"], "done": "B"}, "started: name the first status"),
        ({"colour": "red"}, "unknown workflow keys: colour"),
        ({"date_order": "ymd"}, "date_order"),
    ],
)
def test_workflow_rejects_with_reason(spec: dict[str, object], problem: str) -> None:
    import json

    with pytest.raises(ValueError, match=problem):
        workflow.Workflow.from_json(json.dumps(spec))


def test_workflow_saved_like_a_mapping(store: Store) -> None:
    workflow.save(store, WF, person("pmo@example.org"))
    changed = workflow.Workflow.from_json(WF.to_json())
    changed.project_keys = {"CRA": "PRJ-0009"}
    workflow.save(store, changed, person("pmo@example.org"))
    assert workflow.names(store) == ["cra"]
    loaded = workflow.load(store, "cra")
    assert loaded is not None and loaded.project_keys == {"CRA": "PRJ-0009"}
    assert loaded.statuses == WF.statuses
    assert store.document("workflow", "cra", version=1)["spec"] == WF.to_json()  # type: ignore[index]
    assert workflow.load(store, "missing") is None
