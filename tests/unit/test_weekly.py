"""The project manager's week: my projects, "no change this week" (a confirmation, never
rows copied forward), the pre-filled workbook round trip, and who has not reported."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pandas as pd
import pytest

from epmo import access, clock, sql
from epmo.ingest import ACCEPTED, check_upload, ingest
from epmo.pagedata import Filters
from epmo.pagedata import weekly as pagedata_weekly
from epmo.store import Store
from epmo.weekly import (
    ConfirmRefused,
    MyWeek,
    confirm_unchanged,
    mail_merge_csv,
    prefilled_workbook,
)
from tests.conftest import person, project, upload_tables

W1 = dt.date(2026, 11, 6)
W2 = dt.date(2026, 11, 13)
W3 = dt.date(2026, 11, 20)
PM = "pm@example.org"
OTHER = "other@example.org"


def _milestone(pid: str, mid: str) -> dict[str, object]:
    return {
        "project_id": pid,
        "milestone_id": mid,
        "milestone_name": f"Milestone {mid}",
        "baseline_date": "2026-12-01",
        "forecast_date": "2026-12-05",
        "is_key": "true",
    }


@pytest.fixture
def two_pms(store: Store) -> Store:
    upload_tables(
        store,
        W1,
        projects=[project("P1"), project("P2"), project("Q1", project_manager=OTHER)],
        milestones=[_milestone("P1", "M1"), _milestone("P1", "M2"), _milestone("P2", "M1")],
    )
    return store


def my_week(store: Store, manager: str, as_of: dt.date) -> MyWeek:
    """A manager's week as the My projects page asks for it (the page-data layer)."""
    con = store.connect()
    try:
        return pagedata_weekly.my_week(con, Filters(as_of), manager=manager).week
    finally:
        con.close()


def not_submitted(store: Store, as_of: dt.date, portfolios: tuple[str, ...] = ()) -> pd.DataFrame:
    """Who has not reported, as the Reminders page asks for it (the page-data layer)."""
    con = store.connect()
    try:
        return pagedata_weekly.not_submitted(con, Filters(as_of, portfolios=portfolios)).managers
    finally:
        con.close()


def _rows(store: Store, name: str, **params: object) -> list[dict[str, object]]:
    return store.rows(name, **params)


def test_my_week_lists_only_my_projects_and_their_staleness(two_pms: Store) -> None:
    week = my_week(two_pms, "PM@Example.org ", W2)  # the manager's email matches without case
    assert week.project_ids == ["P1", "P2"]
    assert week.to_confirm == ["P1", "P2"]
    assert set(week.tables["table_name"]) == {"projects", "milestones"}
    assert any("P1: not reported for this week" in w and "1 week ago)" in w for w in week.warnings)
    later = my_week(two_pms, "pm@example.org", W2 + dt.timedelta(weeks=2))
    assert any("P1: not reported for this week" in w and "3 weeks ago)" in w for w in later.warnings)
    assert any("P1: table Milestones last reported" in w and "(3 weeks old)" in w for w in later.warnings)
    # dates as the app writes them (they read "2026-11-06 00:00:00")
    assert any(
        "P1: not reported for this week (last report 06 Nov 2026, 1 week ago)" in w for w in week.warnings
    )
    assert any("table Milestones last reported for 06 Nov 2026 (1 week old)" in w for w in week.warnings)
    assert my_week(two_pms, OTHER, W2).project_ids == ["Q1"]
    assert my_week(two_pms, "nobody@example.org", W2).project_ids == []


@pytest.mark.parametrize(
    ("stage", "expected", "status"),
    [
        ("Execution", True, "not reported (1 wk)"),
        ("Closing", True, "not reported (1 wk)"),
        ("Closed", False, "not expected to report (Closed)"),
        ("Cancelled", False, "not expected to report (Cancelled)"),
        ("Idea", False, "not expected to report (Idea)"),
    ],
)
def test_a_project_not_expected_to_report_is_not_missing(
    store: Store, stage: str, expected: bool, status: str
) -> None:
    """macros/epmo_expected_to_report, as on Home: a Closed project that stopped reporting is
    neither expected nor missing, so My projects neither counts it, offers to confirm it,
    nor warns about it or its tables."""
    upload_tables(
        store,
        W1,
        projects=[project("P1"), project("P2", stage=stage)],
        milestones=[_milestone("P1", "M1"), _milestone("P2", "M1")],
    )
    upload_tables(store, W2, projects=[project("P1")], milestones=[_milestone("P1", "M1")])
    week = my_week(store, PM, W2)
    assert week.to_confirm == (["P2"] if expected else [])
    about_p2 = [w for w in week.warnings if w.startswith("P2:") and "reported" in w]
    if expected:
        assert any("not reported for this week" in w for w in about_p2)
        assert any("table Milestones last reported" in w for w in about_p2)
    else:
        assert about_p2 == []
    assert week.this_week == ["reported", status]
    assert (week.reported_count, week.expected_count) == (1, 2 if expected else 1)
    assert not_submitted(store, W2)["project_ids"].tolist() == (["P2"] if expected else [])


def test_confirmation_counts_the_week_once_without_copying_rows(
    two_pms: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(clock.ENV, (W2 + dt.timedelta(days=1)).isoformat())  # the day after the week
    before = _rows(two_pms, "health/submission_status", as_of=W2, portfolios=[], programmes=[])
    assert {r["project_id"]: r["submission_status"] for r in before} == {
        "P1": "missing",
        "P2": "missing",
        "Q1": "missing",
    }
    upload_id = confirm_unchanged(two_pms, person(PM, "pm"), PM, ["P1"], W2)
    # as of the confirmed week: P1 reported (on time, confirmed), its rows read once
    status = {
        r["project_id"]: r
        for r in _rows(two_pms, "health/submission_status", as_of=W2, portfolios=[], programmes=[])
    }
    assert status["P1"]["submission_status"] == "on time"
    assert status["P1"]["confirmed_unchanged"] is True and status["P1"]["weeks_stale"] == 0
    assert status["P1"]["unchanged_weeks"] == 1  # a confirmation is not a row copied forward
    assert status["P2"]["submission_status"] == "missing" and not status["P2"]["confirmed_unchanged"]
    # a confirmation is on time or late by its own commit, like an upload (late_after_days 3)
    monkeypatch.setenv(clock.ENV, (W2 + dt.timedelta(days=5)).isoformat())
    confirm_unchanged(two_pms, person(OTHER, "pm"), OTHER, ["Q1"], W2)
    late = _rows(two_pms, "health/submission_status", as_of=W2, portfolios=[], programmes=[])
    assert {r["project_id"]: r["submission_status"] for r in late}["Q1"] == "late"
    con = two_pms.connect()
    try:
        projects = sql.arrow(con, "export/projects", as_of=W2).to_pylist()
        milestones = sql.arrow(con, "export/milestones", as_of=W2).to_pylist()
        stored = con.sql("SELECT count(*) FROM raw_projects").fetchall()[0]
        ledger = con.sql(
            "SELECT file_name, is_confirmation, row_counts FROM accepted_uploads WHERE upload_id = $u",
            params={"u": upload_id},
        ).fetchall()
    finally:
        con.close()
    assert sorted(r["project_id"] for r in projects) == ["P1", "P2", "Q1"]  # nothing twice
    p1 = next(r for r in projects if r["project_id"] == "P1")
    assert p1["as_of_date"] == W2 and p1["weeks_stale"] == 0
    assert sorted((r["project_id"], r["milestone_id"]) for r in milestones) == [
        ("P1", "M1"),
        ("P1", "M2"),
        ("P2", "M1"),
    ]
    assert stored == (3,)  # no row was copied
    assert ledger == [("(confirmed unchanged)", True, "{}")]
    # the week before is untouched; the week after sees P1 one week stale again
    assert {r["project_id"]: r["weeks_stale"] for r in _rows(two_pms, "export/projects", as_of=W1)} == {
        "P1": 0,
        "P2": 0,
        "Q1": 0,
    }
    w3 = {r["project_id"]: r["weeks_stale"] for r in _rows(two_pms, "export/projects", as_of=W3)}
    assert w3 == {"P1": 1, "P2": 2, "Q1": 1}
    # a confirmation of a confirmation reads the same rows
    confirm_unchanged(two_pms, person(PM, "pm"), PM, ["P1"], W3)
    rows = _rows(two_pms, "export/milestones", as_of=W3)
    assert sorted((r["project_id"], r["milestone_id"], r["weeks_stale"]) for r in rows) == [
        ("P1", "M1", 0),
        ("P1", "M2", 0),
        ("P2", "M1", 2),
    ]


def test_integrity_holds_after_a_confirmation(two_pms: Store) -> None:
    from epmo import integrity

    confirm_unchanged(two_pms, person(PM, "pm"), PM, ["P1", "P2"], W2)
    assert integrity.check(two_pms).findings == []


@pytest.mark.parametrize(
    ("manager", "ids", "week", "message"),
    [
        (PM, ["Q1"], W2, "Project Q1 is not one of pm@example.org's projects"),
        (PM, ["P1"], W1, "Project P1 has already reported for the week of 06 Nov 2026"),
        (PM, ["NOPE"], W2, "Project NOPE is not one of"),
        (PM, [], W2, "Choose at least one project"),
    ],
)
def test_confirmation_refusals(
    two_pms: Store, manager: str, ids: list[str], week: dt.date, message: str
) -> None:
    with pytest.raises(ConfirmRefused, match=message):
        confirm_unchanged(two_pms, person(manager, "pm"), manager, ids, week)
    assert not any(r["file_name"] == "(confirmed unchanged)" for r in _rows(two_pms, "export/uploads"))


def test_a_later_upload_in_the_week_supersedes_the_confirmation(two_pms: Store) -> None:
    confirm_unchanged(two_pms, person(PM, "pm"), PM, ["P1"], W2)
    upload_tables(two_pms, W2, projects=[project("P1", rag_overall="Red")])
    rows = {r["project_id"]: r for r in _rows(two_pms, "export/projects", as_of=W2)}
    assert rows["P1"]["rag_overall"] == "Red"
    status = {
        r["project_id"]: r
        for r in _rows(two_pms, "health/submission_status", as_of=W2, portfolios=[], programmes=[])
    }
    assert status["P1"]["confirmed_unchanged"] is False


def test_prefilled_workbook_round_trip(two_pms: Store) -> None:
    data = prefilled_workbook(two_pms, PM, W1)
    checked = check_upload(two_pms, "mine.xlsx", data, as_of=W2)
    assert checked.ok, checked.report.to_text(limit=20)
    assert checked.report.row_counts == {"projects": 2, "milestones": 3}
    # edit one value, upload it back in one go
    # a PM edits the one cell that changed (the workbook read back, one value changed,
    # written again in the template's layout)
    from epmo.readers import read_upload
    from epmo.templates import filled_workbook

    tables: dict[str, list[dict[str, object]]] = {}
    for sheet in read_upload("mine.xlsx", data):
        names = [h.rstrip("*") for h in sheet.headers]
        tables[sheet.sheet] = [dict(zip(names, r.values(), strict=True)) for r in sheet.data.to_pylist()]
    assert [r["project_id"] for r in tables["projects"]] == ["P1", "P2"]
    tables["projects"][0]["rag_overall"] = "Amber"
    edited = filled_workbook(
        {t: [{k: v or None for k, v in r.items()} for r in rows] for t, rows in tables.items()}
    )
    outcome = ingest(two_pms, "mine.xlsx", edited, as_of=W2, user_email=PM)
    assert outcome.status == ACCEPTED, outcome.report.to_text(limit=20)
    rows = {r["project_id"]: r for r in _rows(two_pms, "export/projects", as_of=W2)}
    assert rows["P1"]["rag_overall"] == "Amber" and rows["P1"]["weeks_stale"] == 0
    assert rows["Q1"]["weeks_stale"] == 1  # another manager's project is not in my workbook


def test_not_submitted_and_mail_merge(two_pms: Store) -> None:
    upload_tables(
        two_pms,
        W2,
        projects=[project("Q1", project_manager=OTHER, project_name='=HYPERLINK("x")'.replace("=", "Q"))],
    )
    frame = not_submitted(two_pms, W2)
    assert frame["project_manager"].tolist() == [PM]
    assert frame["project_ids"].tolist() == ["P1, P2"]
    link = frame["mailto"].iloc[0]
    assert link.startswith("mailto:pm@example.org?subject=")
    assert "P1, P2" in urllib.parse.unquote(link)
    confirm_unchanged(two_pms, person(PM, "pm"), PM, ["P1", "P2"], W2)
    assert not_submitted(two_pms, W2).empty


@pytest.mark.parametrize(
    ("portfolios", "reminded"),
    [((), {PM: "P1, P2", OTHER: "Q1"}), (("Corporate",), {PM: "P1"}), (("Ops",), {PM: "P2", OTHER: "Q1"})],
)
def test_reminders_follow_the_sidebar_s_portfolios(
    store: Store, portfolios: tuple[str, ...], reminded: dict[str, str]
) -> None:
    """A portfolio lead filtering to their portfolio was given, to remind, every missing
    project of every portfolio, while Home and Data quality counted their portfolio's."""
    upload_tables(
        store,
        W1,
        projects=[
            project("P1"),
            project("P2", portfolio="Ops"),
            project("Q1", project_manager=OTHER, portfolio="Ops"),
        ],
    )
    frame = not_submitted(store, W2, portfolios)
    assert dict(zip(frame["project_manager"], frame["project_ids"], strict=True)) == reminded
    for link, ids in zip(frame["mailto"], frame["project_ids"], strict=True):
        assert f"for: {ids}." in urllib.parse.unquote(link)


def test_mail_merge_csv_neutralises_formulas(two_pms: Store) -> None:
    upload_tables(two_pms, W1, projects=[project("P1", project_name="Plan @ risk")])
    frame = not_submitted(two_pms, W2)
    frame.loc[0, "project_names"] = "=cmd|' /C calc'!A0"
    text = mail_merge_csv(frame).decode()
    assert "'=cmd" in text and "\n=cmd" not in text and ",=cmd" not in text


@pytest.mark.parametrize(
    ("email", "role", "refusal"),
    [
        (OTHER, "pm", "may confirm only their own projects, not pm@example.org's"),
        ("ana@example.org", "analyst", r"\(analyst\) may import registers but not confirm"),
        ("vi@example.org", "viewer", r"\(viewer\) may not upload"),
        ("no@example.org", None, r"\(no role\) may not upload"),
        ("boss@example.org", "admin", None),
        (PM.upper(), "pm", None),  # the same person, however the address is written
    ],
)
def test_who_may_confirm_for_a_manager_and_who_is_recorded(
    two_pms: Store, email: str, role: str | None, refusal: str | None
) -> None:
    """A pm confirms only their own projects, an admin for anyone; analysts and viewers do
    not; the ledger and the audit trail record who confirmed, not the manager."""
    if refusal is not None:
        with pytest.raises(access.Forbidden, match=refusal):
            confirm_unchanged(two_pms, person(email, role), PM, ["P1"], W2)
        assert not any(r["file_name"] == "(confirmed unchanged)" for r in _rows(two_pms, "export/uploads"))
        return
    upload_id = confirm_unchanged(two_pms, person(email, role), PM, ["P1"], W2)
    ledger = next(r for r in _rows(two_pms, "export/uploads") if r["upload_id"] == upload_id)
    assert ledger["user_email"] == email
    trail = [t for t in two_pms.rows("access/audit_trail") if t["target"] == upload_id]
    assert [(t["action"], t["actor"], t["role"]) for t in trail] == [("confirm unchanged", email, role)]


def test_a_reassigned_project_moves_to_its_new_manager_everywhere_in_the_week(two_pms: Store) -> None:
    """An admin reassigns P2 to OTHER. The permission check (views/project_owners) already
    lets OTHER and not PM submit it; the weekly workflow used the last report's manager, so
    PM's pre-filled workbook still held P2 and was refused whole, and OTHER was never asked
    for it. Now My projects, the workbook, the reminders, the managers list and the
    submission status all name the manager the permission check names."""
    boss = person("boss@example.org", "admin")
    access.grant(two_pms, access.demo_identity(via="cli"), "boss@example.org", "admin")
    access.assign_pm(two_pms, boss, "P2", OTHER.upper(), note="cover")  # any case
    assert my_week(two_pms, PM, W2).project_ids == ["P1"]
    assert my_week(two_pms, OTHER, W2).project_ids == ["P2", "Q1"]
    assert access.project_managers(two_pms)["P2"].lower() == OTHER
    # each manager's workbook goes back in whole, as that manager
    for who, ids in ((PM, ["P1"]), (OTHER, ["P2", "Q1"])):
        data = prefilled_workbook(two_pms, who, W1)
        checked = check_upload(two_pms, f"{who}.xlsx", data, as_of=W2, managers=True)
        assert checked.ok, checked.report.to_text(limit=20)
        assert checked.managers is not None
        refused = access.upload_refusals(
            person(who, "pm"), checked.tables, checked.managers, "x.xlsx", checked.portfolios
        )
        assert refused == [], [i.message for i in refused]
        assert sorted({str(r["project_id"]) for r in checked.tables["projects"].to_pylist()}) == ids
        managers = {str(m).lower() for m in checked.tables["projects"]["project_manager"].to_pylist()}
        assert managers == {who}
    reminders = not_submitted(two_pms, W2)
    assert dict(zip(reminders["project_manager"].str.lower(), reminders["project_ids"], strict=True)) == {
        PM: "P1",
        OTHER: "P2, Q1",
    }
    assert {m.lower() for m in _rows_list(two_pms, "weekly/managers", as_of=W2)} == {PM, OTHER}
    status = {
        r["project_id"]: str(r["project_manager"]).lower()
        for r in _rows(two_pms, "health/submission_status", as_of=W2, portfolios=[], programmes=[])
    }
    assert status == {"P1": PM, "P2": OTHER, "Q1": OTHER}


def _rows_list(store: Store, name: str, **params: object) -> list[str]:
    return [str(r["project_manager"]) for r in store.rows(name, **params)]


def test_a_refused_row_is_named_where_the_pm_sees_it(two_pms: Store) -> None:
    """A pm's row for another's project was refused at "row 3, column 'project_id'", with no
    sheet, so a workbook of two projects sheets gave two identical lines: now the file or
    sheet, the header as the pm typed it, and the cell."""
    from epmo.templates import filled_workbook
    from tests.conftest import zip_of

    pm = person(PM, "pm")
    csv = (
        "Project ID,project_name,portfolio,project_manager,stage,start_date,baseline_end_date,"
        "forecast_end_date,budget_bac,actual_cost,rag_overall\n"
        "P1,Project P1,Corporate,pm@example.org,Execution,2026-01-05,2026-12-31,2027-01-29,1000,1,Green\n"
        "Q1,Project Q1,Corporate,other@example.org,Execution,2026-01-05,2026-12-31,2027-01-29,1000,1,Green\n"
    )
    outcome = ingest(two_pms, "mine.csv", csv.encode(), as_of=W2, identity=pm)
    [issue] = [i for i in outcome.report.issues if i.rule == "not_your_project"]
    assert (issue.file, issue.sheet, issue.row, issue.column, issue.cell) == (
        "mine.csv",
        "",
        3,
        "Project ID",
        "A3",
    )
    # the same table from two files of a ZIP: each refusal at its own file
    upload_tables(two_pms, W1, projects=[project("Q2", project_manager=OTHER)])
    two = zip_of(
        projects=[project("P1"), project("Q1", project_manager=OTHER)],
        **{"projects_more": [project("P2"), project("Q2", project_manager=OTHER)]},
    )
    outcome = ingest(two_pms, "two.zip", two, as_of=W2, identity=pm)
    places = sorted(
        (i.file, i.row, i.column, i.cell) for i in outcome.report.issues if i.rule == "not_your_project"
    )
    assert places == [
        ("two.zip/projects.csv", 3, "project_id", "A3"),
        ("two.zip/projects_more.csv", 3, "project_id", "A3"),
    ], outcome.report.to_text()
    # a workbook: the sheet
    book = filled_workbook({"projects": [project("Q1", project_manager=OTHER)]})
    outcome = ingest(two_pms, "book.xlsx", book, as_of=W2, identity=pm)
    [issue] = [i for i in outcome.report.issues if i.rule == "not_your_project"]
    assert issue.sheet == "projects" and issue.cell.startswith("A") and issue.column.startswith("project_id")


def test_rag_differs_counts_judged_projects_only() -> None:
    """My projects' "RAG differs" counted projects not judged (Closed, Idea, On hold: no computed RAG)."""
    projects = pd.DataFrame(
        {
            "project_id": ["A", "B", "C", "D", "E"],
            "rag_declared": ["Green", "Green", "Amber", "Green", "Red"],
            "rag_computed": ["Red", "Green", None, "Not judged", "Amber"],
        }
    )
    week = MyWeek(PM, W1, projects, pd.DataFrame(), pd.DataFrame())
    assert week.rag_differs_count == 2
