"""My projects on a store built for the test: what a project manager reads about the week."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from epmo.store import Store
from tests.conftest import project, upload_tables

ROOT = Path(__file__).resolve().parents[2]
W1 = dt.date(2026, 11, 6)
W2 = dt.date(2026, 11, 13)
PM = "pm@example.org"


def _milestone(pid: str) -> dict[str, object]:
    return {
        "project_id": pid,
        "milestone_id": "M1",
        "milestone_name": "Go-live",
        "baseline_date": "2026-12-01",
        "forecast_date": "2026-12-05",
        "is_key": "true",
    }


@pytest.fixture
def my_projects(store: Store, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return _my_projects(store, monkeypatch).run()


def _my_projects(store: Store, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """P1 (Execution) reported for W2; P2 (Execution) and P3 (Closed) last reported for W1."""
    upload_tables(
        store,
        W1,
        projects=[project("P1"), project("P2"), project("P3", stage="Closed")],
        milestones=[_milestone(p) for p in ("P1", "P2", "P3")],
    )
    upload_tables(store, W2, projects=[project("P1")], milestones=[_milestone("P1")])
    monkeypatch.setenv("EPMO_STORE", store.uri)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["as_of"] = W2.isoformat()
    at.query_params["pm"] = PM
    return at.switch_page("app_pages/my_projects.py")


def test_a_closed_project_is_neither_expected_nor_missing(my_projects: AppTest) -> None:
    """Home's "Reported this week" (macros/epmo_expected_to_report): P3 is Closed, so it is
    not counted, not offered to confirm, and not warned about (it read "not reported (1 wk)",
    "Reported this week 1" of 3 projects, and "P3: not reported ... Confirm it unchanged")."""
    at = my_projects
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["My projects"] == "3"
    assert metrics["Reported this week"] == "1 of 2"
    assert at.multiselect(key="my_confirm_ids").options == ["P2"]
    shown = at.dataframe[0].value
    assert dict(zip(shown["project_id"], shown["status"], strict=True)) == {
        "P1": "reported",
        "P2": "not reported (1 wk)",
        "P3": "not expected to report (Closed)",
    }
    warnings = [t.value for t in at.text]
    assert any(w.startswith("• P2: not reported for this week") for w in warnings)
    assert not any(w.startswith("• P3:") and "reported" in w for w in warnings), warnings


def test_my_tables_read_as_titles(my_projects: AppTest) -> None:
    """My tables named the tables by their store names (milestones, work_items)."""
    at = my_projects
    assert not at.exception, [e.value for e in at.exception]
    tables = next(d.value for d in at.dataframe if "reported_week" in d.value.columns)
    assert set(tables["table_name"]) == {"Projects", "Milestones"}
    assert any(t.value.startswith("• P2: table Milestones last reported for 06 Nov 2026") for t in at.text)


@pytest.mark.parametrize(
    ("role", "refused"),
    [("admin", False), ("analyst", True), ("viewer", True)],
)
def test_who_may_press_no_change_this_week(
    store: Store, monkeypatch: pytest.MonkeyPatch, role: str, refused: bool
) -> None:
    """The confirmation is the manager's word (access.confirm_refusal): an admin gives it on
    their behalf; an analyst (who imports registers) and a viewer find the button disabled,
    with the reason beside it (and no link to an Upload page a viewer does not have)."""
    from tests.app.conftest import sign_in

    at = _my_projects(store, monkeypatch)
    sign_in(at, store, monkeypatch, f"{role}@example.org", role)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["My projects"]
    button = at.button(key="my_confirm")
    assert button.disabled is refused
    if refused:
        assert f"({role})" in button.help
