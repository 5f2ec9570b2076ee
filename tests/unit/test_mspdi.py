"""Microsoft Project XML (MSPDI) into the contract's projects and milestones, through the
ordinary upload path and the shipped `msproject` mapping; the files' quirks (one line,
Windows-1252, ProjectLibre's zero-duration milestones) and what is refused (binary .mpp,
DTDs and entities, other XML)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from epmo.ingest import ACCEPTED, REJECTED, ingest
from epmo.mapping import shipped
from epmo.readers import OLE_MAGIC
from epmo.store import Store
from tests.conftest import person

WEEK = dt.date(2026, 11, 20)
MSPROJECT = Path("/work/shared/reference-data/foreign/msproject")


def _plan(root_extra: str = "", tasks: str = "", encoding: str = "UTF-8", title: str = "Bridge") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        '<Project xmlns="http://schemas.microsoft.com/project">'
        f"<Title>{title}</Title><StartDate>2026-01-05T08:00:00</StartDate>"
        "<FinishDate>2026-12-18T17:00:00</FinishDate>"
        "<Tasks><Task><UID>0</UID><ID>0</ID><Name>Bridge</Name><OutlineLevel>0</OutlineLevel>"
        "<Start>2026-01-05T08:00:00</Start><Finish>2026-12-18T17:00:00</Finish>"
        "<Duration>PT1900H0M0S</Duration><Summary>1</Summary><PercentComplete>40</PercentComplete>"
        f"<Cost>1250000</Cost><ActualCost>500000</ActualCost><BCWS>450000</BCWS><BCWP>420000</BCWP>{root_extra}"
        "<Baseline><Number>0</Number><Finish>2026-11-30T17:00:00</Finish><Cost>1200000</Cost></Baseline>"
        "<Baseline><Number>1</Number><Finish>2026-10-30T17:00:00</Finish><Cost>900000</Cost></Baseline>"
        "</Task>"
        "<Task><UID>7</UID><ID>1</ID><Name>Design approved</Name><OutlineLevel>1</OutlineLevel>"
        "<Start>2026-03-02T08:00:00</Start><Finish>2026-03-02T08:00:00</Finish><Duration>PT0H0M0S</Duration>"
        "<Milestone>0</Milestone><Summary>0</Summary><Critical>0</Critical><PercentComplete>100</PercentComplete>"
        "<ActualFinish>2026-03-06T08:00:00</ActualFinish>"
        "<Baseline><Number>0</Number><Finish>2026-02-27T17:00:00</Finish></Baseline></Task>"
        "<Task><UID>8</UID><ID>2</ID><Name>Build</Name><OutlineLevel>2</OutlineLevel>"
        "<Start>2026-03-02T08:00:00</Start><Finish>2026-10-02T17:00:00</Finish><Duration>PT1200H0M0S</Duration>"
        "<Milestone>0</Milestone><Summary>0</Summary></Task>"
        f"{tasks}</Tasks></Project>"
    )


def _ingest(store: Store, name: str, data: bytes):  # type: ignore[no-untyped-def]
    return ingest(store, name, data, as_of=WEEK, mapping=shipped()["msproject"], user_email="pm@example.org")


def test_the_pm_who_imports_a_plan_manages_it_and_reports_it_again(store: Store) -> None:
    """A plan names no manager: the shipped mapping made every imported project
    pm-unknown@example.org's, and the pm's own next week was refused as another's."""
    pm = person("Ana.PM@example.org", "pm")
    first = ingest(
        store, "bridge.xml", _plan().encode(), as_of=WEEK, mapping=shipped()["msproject"], identity=pm
    )
    assert first.status == ACCEPTED, first.report.to_text(limit=20)
    (p,) = store.rows("export/projects", as_of=WEEK)
    assert p["project_manager"] == "Ana.PM@example.org"
    later = WEEK + dt.timedelta(days=7)
    again = ingest(
        store, "bridge.xml", _plan().encode(), as_of=later, mapping=shipped()["msproject"], identity=pm
    )
    assert again.status == ACCEPTED, again.report.to_text(limit=20)
    other = ingest(
        store,
        "bridge.xml",
        _plan().encode(),
        as_of=later + dt.timedelta(days=7),
        mapping=shipped()["msproject"],
        identity=person("bo@example.org", "pm"),
    )
    assert other.status != ACCEPTED and "not_your_project" in {i.rule for i in other.report.issues}


def test_a_plan_becomes_a_project_and_its_milestones(store: Store) -> None:
    outcome = _ingest(store, "bridge.xml", _plan().encode())
    assert outcome.status == ACCEPTED, outcome.report.to_text(limit=20)
    (p,) = store.rows("export/projects", as_of=WEEK)
    assert (p["project_id"], p["project_name"], p["stage"]) == ("Bridge", "Bridge", "Execution")
    assert (p["start_date"], p["baseline_end_date"], p["forecast_end_date"]) == (
        dt.date(2026, 1, 5),
        dt.date(2026, 11, 30),  # Baseline 0, not Baseline 1
        dt.date(2026, 12, 18),
    )
    assert (
        p["budget_bac"],
        p["actual_cost"],
        p["planned_value"],
        p["earned_value"],
        p["percent_complete"],
    ) == (
        1_200_000.0,
        500_000.0,
        450_000.0,
        420_000.0,
        40.0,
    )
    assert p["portfolio"] == "Unassigned" and p["rag_overall"] == "Amber"  # the mapping's defaults
    assert p["project_manager"] == "pm@example.org"  # the uploader
    (m,) = store.rows("export/milestones", as_of=WEEK)  # zero duration: a milestone; Build is not
    assert (m["milestone_id"], m["baseline_date"], m["forecast_date"], m["actual_date"], m["is_key"]) == (
        "7",
        dt.date(2026, 2, 27),
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 6),
        True,
    )


@pytest.mark.parametrize(
    ("case", "name", "data", "words"),
    [
        ("binary_mpp", "plan.mpp", OLE_MAGIC + b"\x00" * 600, "File > Save As"),
        (
            "billion_laughs",
            "bomb.xml",
            b'<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<Project xmlns="http://schemas.microsoft.com/project"><Title>&b;</Title></Project>',
            "DOCTYPE",
        ),
        (
            "external_entity",
            "xxe.xml",
            b'<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<Project><Title>&x;</Title></Project>",
            "DOCTYPE",
        ),
        (
            "other_xml",
            "feed.xml",
            b'<?xml version="1.0"?><rss><channel/></rss>',
            "not MS Project's <Project>",
        ),
        ("broken_xml", "cut.xml", _plan().encode()[:300], "could not be read"),
    ],
)
def test_what_is_refused(store: Store, case: str, name: str, data: bytes, words: str) -> None:
    outcome = _ingest(store, name, data)
    assert outcome.status == REJECTED
    assert words in outcome.report.to_text(), outcome.report.to_text()
    assert store.rows("export/projects", as_of=WEEK) == []


def test_windows_1252_and_one_line(store: Store) -> None:
    data = _plan(title="Café £ plan", encoding="windows-1252").encode("cp1252")
    assert b"\n" not in data
    outcome = _ingest(store, "cafe.xml", data)
    assert outcome.status == ACCEPTED, outcome.report.to_text(limit=20)
    assert store.rows("export/projects", as_of=WEEK)[0]["project_id"] == "Café £ plan"


# (file, project_id, milestones, budget_bac, percent_complete)
REAL = [
    ("mpxj-legacy-sample-costs-milestones.xml", "sample", 1, 352_625.0, 0.0),
    ("mpxj-mspdiresource-steelray-ev.xml", "mspdiresource", 0, 820_000.0, 13.0),
    ("mpxj-mspditimephased-progress.xml", "mspditimephased", 0, 0.0, 33.0),
    ("projectlibre-testdata-new-product.xml", "Project1", 12, 0.0, 0.0),  # milestones by zero duration
]


@pytest.mark.skipif(not MSPROJECT.is_dir(), reason=f"the reference data ({MSPROJECT}) is not on this machine")
@pytest.mark.parametrize(("file", "pid", "milestones", "bac", "pct"), REAL, ids=[r[0] for r in REAL])
def test_real_plans_import(
    store: Store, file: str, pid: str, milestones: int, bac: float, pct: float
) -> None:
    outcome = _ingest(store, file, (MSPROJECT / file).read_bytes())
    assert outcome.status == ACCEPTED, outcome.report.to_text(limit=20)
    (p,) = store.rows("export/projects", as_of=WEEK)
    assert (p["project_id"], p["budget_bac"], p["percent_complete"]) == (pid, bac, pct)
    assert len(store.rows("export/milestones", as_of=WEEK)) == milestones


def test_the_mapper_shows_the_plan_s_manager_as_whoever_looks_never_the_placeholder(store: Store) -> None:
    from epmo import mapper
    from epmo.readers import read_upload

    data = _plan().encode()
    sheets = read_upload("bridge.xml", data)
    pm = person("ana.pm@example.org", "pm")
    seen = mapper.view(store, "bridge.xml", data, sheets, shipped()["msproject"], identity=pm)
    assert seen.preview is not None
    assert seen.preview.rows["project_manager"].tolist() == ["ana.pm@example.org"]
    anonymous = mapper.preview(store, "bridge.xml", sheets, shipped()["msproject"])
    assert "{uploader}" not in anonymous.rows.to_csv()


def test_a_plan_for_a_known_project_keeps_what_the_plan_does_not_say(store: Store) -> None:
    """A plan holds no portfolio, RAG or sponsor: the mapping's defaults moved an existing
    project to 'Unassigned', made its declared Red an Amber and cleared its sponsor, status
    summary and scores. Now a known project keeps its current values there (keep_current);
    what the plan gives (dates, cost, % complete) is the plan's; a new project still takes
    the defaults."""
    import csv
    import io

    pm = person("ana@example.org", "pm")
    header = [
        "project_id",
        "project_name",
        "portfolio",
        "sponsor",
        "project_manager",
        "stage",
        "start_date",
        "baseline_end_date",
        "forecast_end_date",
        "budget_bac",
        "actual_cost",
        "rag_overall",
        "rag_cost",
        "status_summary",
        "business_value",
        "is_mandatory",
    ]
    row = [
        "PRJ-0007",
        "Bridge",
        "Corporate Systems",
        "Dee Sponsor",
        "ana@example.org",
        "Execution",
        "2026-01-05",
        "2026-11-30",
        "2027-01-29",
        "1100000",
        "300000",
        "Red",
        "Amber",
        "Steel delayed",
        "8",
        "true",
    ]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, row])
    seeded = ingest(
        store, "projects.csv", buf.getvalue().encode(), as_of=WEEK - dt.timedelta(days=7), identity=pm
    )
    assert seeded.status == ACCEPTED, seeded.report.to_text(limit=20)
    tunnel = _plan(title="PRJ-0099").replace(
        "<Name>Bridge</Name>", "<Name>Tunnel</Name>", 1
    )  # a name of its own
    plans = [("bridge.xml", _plan(title="PRJ-0007")), ("new.xml", tunnel)]
    for name, plan in plans:
        out = ingest(store, name, plan.encode(), as_of=WEEK, mapping=shipped()["msproject"], identity=pm)
        assert out.status == ACCEPTED, out.report.to_text(limit=20)
        assert "values_cleared" not in {i.rule for i in out.report.issues} or name == "new.xml"
    got = {p["project_id"]: p for p in store.rows("export/projects", as_of=WEEK)}
    known, new = got["PRJ-0007"], got["PRJ-0099"]
    kept = {
        c: known[c] for c in ("portfolio", "sponsor", "rag_overall", "rag_cost", "status_summary", "stage")
    }
    assert kept == {
        "portfolio": "Corporate Systems",
        "sponsor": "Dee Sponsor",
        "rag_overall": "Red",
        "rag_cost": "Amber",
        "status_summary": "Steel delayed",
        "stage": "Execution",
    }
    assert (known["business_value"], known["is_mandatory"], known["project_manager"]) == (
        8,
        True,
        "ana@example.org",
    )
    assert (known["budget_bac"], known["actual_cost"]) == (1200000, 500000)  # the plan's
    assert known["forecast_end_date"] == dt.date(2026, 12, 18)
    assert (new["portfolio"], new["rag_overall"], new["sponsor"]) == ("Unassigned", "Amber", None)


def test_a_plan_s_problems_are_at_its_task_and_field(store: Store) -> None:
    """A plan's problems were placed at the converted sheet's cells ("sheet 'milestones',
    row 3, column 'forecast_date' (E3)"), which exist nowhere in Microsoft Project: now at the
    task's ID (the row Microsoft Project shows it at) and the field as it names it."""
    from epmo.ingest import check_upload

    go_live = (
        "<Task><UID>9</UID><ID>12</ID><Name>Go live</Name><OutlineLevel>1</OutlineLevel>"
        "<Start>2026-11-02T08:00:00</Start><Finish>2027-02-30T08:00:00</Finish><Duration>PT0H0M0S</Duration>"
        "<Milestone>1</Milestone><Summary>0</Summary></Task>"
    )
    out = check_upload(
        store,
        "bridge.xml",
        _plan(tasks=go_live).encode(),
        as_of=WEEK,
        mapping=shipped()["msproject"],
        uploader="pm@example.org",
    )
    found = sorted(
        (i.file, i.sheet, i.row, i.column, i.cell, i.value)
        for i in out.report.issues
        if i.rule == "not_a_date"
    )
    assert found == [
        ("bridge.xml", "", 12, "Baseline Finish", "", "2027-02-30"),
        ("bridge.xml", "", 12, "Finish", "", "2027-02-30"),
    ], out.report.to_text()
    assert "bridge.xml, row 12, column 'Finish': Not a valid date" in out.report.to_text()


# (case, the stage in force, the plan's % complete, the stage stored)
STAGE_CASES = [
    ("on hold stays on hold", "On hold", "40", "On hold"),
    ("cancelled stays cancelled", "Cancelled", "40", "Cancelled"),
    ("closing is not moved back to execution", "Closing", "40", "Closing"),
    ("execution is not moved back to planning", "Execution", "0", "Execution"),
    ("planning moves forward once work is done", "Planning", "40", "Execution"),
    ("a project the store does not know takes the plan's", None, "40", "Execution"),
]


@pytest.mark.parametrize(
    ("now", "percent", "stored"), [c[1:] for c in STAGE_CASES], ids=[c[0] for c in STAGE_CASES]
)
def test_a_plan_moves_a_known_project_s_stage_only_forward(
    store: Store, now: str | None, percent: str, stored: str
) -> None:
    """The plan's stage is read from its % complete: a project the EPMO had put on hold went
    back to "Execution" with every plan its manager sent, and a Closing one too."""
    import csv
    import io

    from tests.conftest import project

    if now is not None:
        buf = io.StringIO()
        row = project("Bridge", stage=now, project_manager="pm@example.org")
        w = csv.DictWriter(buf, fieldnames=list(row), lineterminator="\n")
        w.writeheader()
        w.writerow(row)
        seeded = ingest(
            store,
            "p.csv",
            buf.getvalue().encode(),
            as_of=WEEK - dt.timedelta(days=7),
            user_email="pm@example.org",
        )
        assert seeded.status == ACCEPTED, seeded.report.to_text(limit=20)
    plan = _plan().replace(
        "<PercentComplete>40</PercentComplete>", f"<PercentComplete>{percent}</PercentComplete>", 1
    )
    out = _ingest(store, "bridge.xml", plan.encode())
    assert out.status == ACCEPTED, out.report.to_text(limit=20)
    (got,) = [r for r in store.rows("export/projects", as_of=WEEK) if r["project_id"] == "Bridge"]
    assert got["stage"] == stored
    planned = "Planning" if percent == "0" else "Execution"  # the stage the plan's % complete gives
    kept = [i for i in out.report.issues if i.rule == "stage_kept"]
    if stored == planned:
        assert kept == []
    else:  # the person is told the plan's stage was not taken, and why
        (said,) = kept
        assert (said.severity, said.value) == ("warning", planned)
        assert f"Project Bridge stays '{stored}'" in said.message


def _seed_prj(store: Store, name: str) -> None:
    import csv
    import io

    from tests.conftest import project

    buf = io.StringIO()
    row = project("PRJ-0007", project_name=name, project_manager="pm@example.org", portfolio="Corporate")
    w = csv.DictWriter(buf, fieldnames=list(row), lineterminator="\n")
    w.writeheader()
    w.writerow(row)
    out = ingest(store, "p.csv", buf.getvalue().encode(), as_of=WEEK - dt.timedelta(days=7))
    assert out.status == ACCEPTED, out.report.to_text(limit=20)


@pytest.mark.parametrize("title", ["Risk Integration 7", "risk  integration 7 "])
def test_a_plan_titled_with_a_known_project_s_name_is_refused_not_made_a_second_project(
    store: Store, title: str
) -> None:
    """A plan takes its project id from its Title: a plan titled with the project's name, not
    its EPMO id, became a new project beside PRJ-0007 with every plan sent, its budget counted
    twice. It is refused, saying which project has that name and how to send it as that one."""
    _seed_prj(store, "Risk Integration 7")
    plan = _plan(title=title).replace("<Name>Bridge</Name>", f"<Name>{title}</Name>", 1)
    out = _ingest(store, "plan.xml", plan.encode())
    assert out.status == REJECTED
    (issue,) = [i for i in out.report.issues if i.severity == "error"]
    assert issue.rule == "project_name_taken"
    assert (
        "PRJ-0007 is already called 'Risk Integration 7'" in issue.message
        and "--project PRJ-0007" in issue.message
    )
    assert [r["project_id"] for r in store.rows("export/projects", as_of=WEEK)] == ["PRJ-0007"]


def test_a_plan_given_its_epmo_project_id_updates_that_project(store: Store) -> None:
    """`ingest --project PRJ-0007` (the Upload page's EPMO project id): the plan's rows are
    PRJ-0007's whatever its title, and the project keeps its portfolio (keep_current)."""
    from epmo.ingest import for_project

    _seed_prj(store, "Risk Integration 7")
    data = _plan(title="Bridge replacement schedule v3").encode()
    mapping, items = for_project("plan.xml", data, " PRJ-0007 ", shipped()["msproject"], None)
    assert items is None and mapping is not None and mapping.project == "PRJ-0007"
    out = ingest(store, "plan.xml", data, as_of=WEEK, mapping=mapping, user_email="pm@example.org")
    assert out.status == ACCEPTED, out.report.to_text(limit=20)
    rows = store.rows("export/projects", as_of=WEEK)
    assert [(r["project_id"], r["portfolio"], r["budget_bac"]) for r in rows] == [
        ("PRJ-0007", "Corporate", 1200000.0)
    ]
    assert {r["project_id"] for r in store.rows("export/milestones", as_of=WEEK)} == {"PRJ-0007"}


def test_ingest_project_option_sends_a_plan_or_a_jira_export_as_that_project(
    store: Store, tmp_path: Path
) -> None:
    """`--project` was read as a work-item option only: given with a plan, it made the plan
    go through the Jira importer. A plan now takes it as its project id, a Jira export as its
    items' project id."""
    from epmo.cli import main

    _seed_prj(store, "Risk Integration 7")
    plan = tmp_path / "Risk Integration 7 schedule v3.xml"
    plan.write_text(
        _plan(title="Risk Integration 7").replace("<Name>Bridge</Name>", "<Name>Risk Integration 7</Name>", 1)
    )
    common = ["--as-of", str(WEEK), "--store", store.uri, "--user", "pm@example.org"]
    assert main(["ingest", str(plan), "--mapping", "msproject", *common]) != 0  # project_name_taken
    assert main(["ingest", str(plan), "--mapping", "msproject", "--project", "PRJ-0007", *common]) == 0
    jira = tmp_path / "export.csv"
    jira.write_text(
        "Issue key,Summary,Issue Type,Status,Created,Resolved,Status Category\n"
        "PAY-2,Pay slip,Story,Done,03/Mar/26 11:15 AM,24/Mar/26 4:45 PM,Done\n"
    )
    assert main(["ingest", str(jira), "--project", "PRJ-0007", *common]) == 0
    assert [r["project_id"] for r in store.rows("export/projects", as_of=WEEK)] == ["PRJ-0007"]
    assert [r["project_id"] for r in store.rows("export/work_items", as_of=WEEK)] == ["PRJ-0007"]
    assert {r["project_id"] for r in store.rows("export/milestones", as_of=WEEK)} == {"PRJ-0007"}
