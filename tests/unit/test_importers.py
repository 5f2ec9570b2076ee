"""Work-item importers: Jira's CSV export (both generations), the flow tools' stage-date
layout and a status history, from small fixtures and, when ../shared is present, from the
real files in ../shared/reference-data/foreign/jira."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from epmo.importers import WorkItemImport, import_work_items, parse_when, sniff_layout
from epmo.ingest import ACCEPTED, REJECTED, ingest
from epmo.report import RejectedFile
from epmo.store import Store
from epmo.workflow import Workflow
from tests.conftest import project, upload_tables

FIX = Path(__file__).resolve().parents[1] / "fixtures"
JIRA_DIR = Path(__file__).resolve().parents[3] / "shared" / "reference-data" / "foreign" / "jira"
if not JIRA_DIR.is_dir():  # worktrees sit one level deeper than the main checkout
    JIRA_DIR = Path(__file__).resolve().parents[4] / "shared" / "reference-data" / "foreign" / "jira"
CRA = JIRA_DIR / "jira-metrics-extract-atlassian-cra-stages.csv"
HCPUB = JIRA_DIR / "actionableagile-hcpub-hipchat-stages.csv"
needs_shared = pytest.mark.skipif(
    not CRA.is_file(), reason=f"real Jira exports not present at {JIRA_DIR} (../shared is not shipped)"
)

PAY = Workflow(
    name="pay",
    statuses=["To Do", "In Progress", "In Review", "Done"],
    started="In Progress",
    done="Done",
    project_keys={"PAY": "P1"},
)
CRA_WF = Workflow(
    statuses=["Open", "Analysis", "Committed", "Develop", "Done"],
    started="Committed",
    done="Done",
    project_keys={"CRA": "P1", "CLOV": "P2"},
)


@pytest.mark.parametrize(
    ("text", "dayfirst", "expected"),
    [
        ("12/Apr/26 3:30 PM", True, dt.date(2026, 4, 12)),
        ("22/Mar/14 07:59", True, dt.date(2014, 3, 22)),
        ("11/01/2023 15:22", True, dt.date(2023, 1, 11)),
        ("11/01/2023 15:22", False, dt.date(2023, 11, 1)),
        ("25/01/2023 15:22", False, dt.date(2023, 1, 25)),  # 25 cannot be a month
        ("04.03.2026 09:30", False, dt.date(2026, 3, 4)),  # dots are day first
        ("04.03.26", False, dt.date(2026, 3, 4)),
        ("2015-11-11 23:46:59", True, dt.date(2015, 11, 11)),
        ("2026-03-12T09:14:03.123456+00:00", True, dt.date(2026, 3, 12)),
        ("2026-03-12T23:14:03.1+0530", True, dt.date(2026, 3, 12)),  # the day as written
        ("2016-01-05", True, dt.date(2016, 1, 5)),
        ("05-Jan-2016", True, dt.date(2016, 1, 5)),
        ("31/Feb/26 1:00 PM", True, None),
        ("soon", True, None),
        ("", True, None),
    ],
)
def test_parse_when(text: str, dayfirst: bool, expected: dt.date | None) -> None:
    assert parse_when(text, dayfirst) == expected


def test_jira_cloud_export() -> None:
    data = (FIX / "jira_cloud_all_fields.csv").read_bytes()
    assert sniff_layout("export.csv", data) == "jira_csv"
    got = import_work_items("export.csv", data, PAY)
    assert got.ok, got.issues
    by_key = {r["item_key"]: r for r in got.rows}
    assert list(by_key) == ["PAY-1", "PAY-2", "PAY-3", "PAY-4"]
    story = by_key["PAY-2"]
    assert story["project_id"] == "P1"
    assert story["parent_key"] == "PAY-1"  # Parent id 10001 -> its key
    assert story["sprints"] == "Sprint 1; Sprint 2"  # the repeated Sprint headers, carried over
    assert story["story_points"] == "5"
    assert story["team"] == "Squad A"
    assert (story["created_date"], story["started_date"], story["done_date"]) == (
        "2026-03-03",
        "",  # Jira's export does not say when a finished item started
        "2026-03-24",
    )
    review = by_key["PAY-3"]
    assert review["status_category"] == "In Progress" and review["started_date"] == "2026-04-01"
    assert review["title"] == "Refund API <script>alert(1)</script>"  # kept as text, verbatim
    assert by_key["PAY-4"]["status_category"] == "To Do" and by_key["PAY-4"]["started_date"] == ""


@pytest.mark.parametrize("pad", range(4))
def test_sniff_reads_only_the_head_and_survives_a_split_character(pad: int) -> None:
    """The first 64 KB are decoded, whatever the file's size; the cut may fall inside a
    character (here 'é', 2 bytes, or '€', 3 bytes) of a UTF-8 export."""
    head = b"Issue key,Summary,Status" + b"," * pad + b"\n"
    for char in ("é", "€"):
        data = head + ("PAY-1," + char * 30_000 + ",Open\n").encode() * 4
        assert sniff_layout("export.csv", data) == "jira_csv", (pad, char)
    assert sniff_layout("export.csv", b"project_id,project_name\n" + "é".encode() * 40_000) is None


def test_status_history_gives_exact_starts() -> None:
    hist = ("history.csv", (FIX / "jira_status_history.csv").read_bytes())
    data = (FIX / "jira_cloud_all_fields.csv").read_bytes()
    got = import_work_items("export.csv", data, PAY, history=hist)
    by_key = {r["item_key"]: r for r in got.rows}
    assert (by_key["PAY-2"]["started_date"], by_key["PAY-2"]["done_date"]) == ("2026-03-12", "2026-03-24")
    assert by_key["PAY-3"]["started_date"] == "2026-03-30"
    alone = import_work_items(*hist, PAY)
    assert alone.layout == "status_history"
    five = {r["item_key"]: r for r in alone.rows}["PAY-5"]
    # reopened once: started at the first start, done at the start of the final done stretch
    assert (five["created_date"], five["started_date"], five["done_date"], five["status"]) == (
        "2026-03-02",
        "2026-03-02",
        "2026-03-09",
        "Done",
    )


def _old_server_export() -> bytes:
    """An older server's export re-saved from Excel: Windows-1252, CRLF, `Key` with trailing
    spaces, dd/MM/yyyy HH:mm dates, a multi-line cell and the `Generated at` footer."""
    rows = [
        "Key   ,Summary,Issue Type,Status,Created,Resolved,Sprint,Sprint,Custom field (Story Points)",
        "OPS-7 ,Café menu – allergens,Story,Closed,11/01/2023 15:22,25/01/2023 09:00,Sprint 3,Sprint 4,2",
        'OPS-8 ,"Two\r\nlines",Bug,In Progress,12/01/2023 08:00,,Sprint 4,,1.5',
        "",
        "Generated at Mon Jan 30 10:00:00 GMT 2023 by Jane using JIRA 6.4.12#64027-sha1:e3691cc",
    ]
    return "\r\n".join(rows).encode("cp1252")


def test_old_server_export_cp1252_footer_and_trailing_spaces() -> None:
    data = _old_server_export()
    got = import_work_items("ops.csv", data, Workflow(project_keys={"OPS": "P2"}))
    assert got.ok, got.issues
    assert [r["item_key"] for r in got.rows] == ["OPS-7", "OPS-8"]
    first = got.rows[0]
    assert first["title"] == "Café menu – allergens"
    assert (first["project_id"], first["status_category"], first["done_date"]) == ("P2", "Done", "2023-01-25")
    assert first["created_date"] == "2023-01-11" and first["sprints"] == "Sprint 3; Sprint 4"
    assert got.rows[1]["title"] == "Two\r\nlines"


@pytest.mark.parametrize(
    ("data", "wf", "project_id", "rule", "row", "words"),
    [
        (
            b"Key,Summary,Status,Created\nX-1,Thing,Open,tomorrow\n",
            None,
            "P1",
            "import_not_a_date",
            2,
            "'Created'",
        ),
        (b"Key,Summary,Status\nX-1,Thing,Open\n", Workflow(), None, "import_unknown_project_key", 2, "'X'"),
        (b"Key,Summary,Status\nX-1,Thing,Pondering\n", None, "P1", "import_unknown_status", 2, "Pondering"),
        (b"Key,Summary,Status\n,Thing,Open\n", None, "P1", "import_missing_key", 2, "no key"),
        (b"ID,Link,Name,Type\nA-1,,Thing,Story\n", None, "P1", "import_no_stages", 1, "stage"),
        (b"Key,Summary,Status\n", None, "P1", "import_no_items", None, "no work items"),
    ],
)
def test_what_cannot_be_read_is_said(
    data: bytes, wf: Workflow | None, project_id: str | None, rule: str, row: int | None, words: str
) -> None:
    got = import_work_items("f.csv", data, wf, project_id=project_id)
    hits = [i for i in got.issues if i.rule == rule]
    assert hits and not got.ok, got.issues
    assert hits[0].row == row and words in hits[0].message + hits[0].value


def test_not_an_export_is_refused_with_reason() -> None:
    with pytest.raises(RejectedFile, match="not a layout the work-item importer reads"):
        import_work_items("f.csv", b"a,b\n1,2\n", None, project_id="P1")


def test_stage_dates_fixture_and_upload(store: Store) -> None:
    upload_tables(store, dt.date(2016, 1, 1), projects=[project("P1", delivery_method="Agile")])
    data = (FIX / "cra_stages_sample.csv").read_bytes()
    got = import_work_items("cra.csv", data, CRA_WF)
    assert got.layout == "stage_dates" and got.ok
    r = got.rows[0]
    assert (r["item_key"], r["created_date"], r["started_date"], r["done_date"], r["status_category"]) == (
        "CRA-1181",
        "2015-11-11",
        "2015-11-11",
        "2017-07-10",
        "Done",
    )
    out = ingest(
        store, "cra.csv", data, as_of=dt.date(2017, 7, 14), work_items=WorkItemImport(workflow=CRA_WF)
    )
    assert out.status == ACCEPTED, out.report.to_text()
    assert out.report.row_counts == {"work_items": 6}
    # detected without being told, but the project is unknown: rejected with the reason
    bad = ingest(store, "cra.csv", data, as_of=dt.date(2017, 7, 21))
    assert bad.status == REJECTED
    assert "Jira project 'CRA' has no EPMO project id" in bad.report.to_text()


@needs_shared
@pytest.mark.parametrize(("path", "rows"), [(CRA, 97), (HCPUB, 64)])
def test_real_files_import(path: Path, rows: int) -> None:
    got = import_work_items(
        path.name,
        path.read_bytes(),
        CRA_WF if path == CRA else None,
        project_id=None if path == CRA else "P9",
    )
    assert got.ok, got.issues[:3]
    assert len(got.rows) == rows
    done = [r for r in got.rows if r["status_category"] == "Done"]
    assert done and all(r["done_date"] for r in done)
    assert all(r["started_date"] <= r["done_date"] for r in done if r["started_date"])


def test_a_check_of_the_converted_items_points_at_the_export_s_own_cell(store: Store) -> None:
    """The export is converted to work_items rows before the ordinary checks: a bad Summary
    was reported as column 'title' (D5) of the converted rows, not as the person's
    'Summary' in A5."""
    from epmo.ingest import check_upload

    upload_tables(store, dt.date(2026, 3, 27), projects=[project("P1")])
    lines = (FIX / "jira_cloud_all_fields.csv").read_bytes().decode("utf-8-sig").splitlines()
    row = 3  # the second item, in the export's own numbering
    lines[row - 1] = "=HYPERLINK(1)" + lines[row - 1][lines[row - 1].index(",") :]
    data = ("\n".join(lines) + "\n").encode()
    outcome = check_upload(
        store, "export.csv", data, as_of=dt.date(2026, 4, 3), work_items=WorkItemImport(workflow=PAY)
    )
    found = [(i.file, i.row, i.column, i.cell) for i in outcome.report.issues if i.rule == "formula_in_cell"]
    # the fixture's fourth item (row 5) is hostile already
    assert found == [("export.csv", row, "Summary", f"A{row}"), ("export.csv", 5, "Summary", "A5")]


def test_an_export_s_rows_are_numbered_as_its_file_shows_them(store: Store) -> None:
    """A blank line above the header shifted every reported row by one, and a duplicate's
    message named the converted row ("as row 2") instead of the export's."""
    from epmo.ingest import check_upload

    upload_tables(store, dt.date(2026, 3, 27), projects=[project("P1")])
    lines = (FIX / "jira_cloud_all_fields.csv").read_bytes().decode("utf-8-sig").splitlines()
    body = [lines[0], lines[1], lines[1]]  # the first item twice: export rows 3 and 4
    data = ("\n" + "\n".join(body) + "\n").encode()  # a blank line above the header
    outcome = check_upload(
        store, "export.csv", data, as_of=dt.date(2026, 4, 3), work_items=WorkItemImport(workflow=PAY)
    )
    [dup] = [i for i in outcome.report.issues if i.rule == "duplicate_key"]
    assert (dup.row, dup.column, dup.cell) == (4, "Issue key", "B4")
    assert "as row 3." in dup.message


JIRA_HEAD = "Issue key,Summary,Issue Type,Status,Project key,Created,Resolved,Status Category\n"
ALP = Workflow(project_keys={"ALP": "P1"})


def _jira(*rows: str) -> bytes:
    return (JIRA_HEAD + "".join(r + "\n" for r in rows)).encode()


# (case, the export's Created/Resolved cells, the workflow's date_order, the days read, the
# issue's rule or None, words of it)
DATE_ORDER_CASES = [
    (
        "month first, told by 11/13",
        ["11/02/2026", "11/13/2026"],
        None,
        ["2026-11-02", "2026-11-13"],
        None,
        "",
    ),
    ("day first, told by 13/11", ["02/11/2026", "13/11/2026"], None, ["2026-11-02", "2026-11-13"], None, ""),
    (
        "both kinds: refused",
        ["13/11/2026", "11/13/2026"],
        None,
        None,
        "import_mixed_date_order",
        "The export writes dates day first ('13/11/2026') and month first ('11/13/2026')",
    ),
    (
        "every date reads both ways: day first, said once",
        ["11/05/2026", "11/06/2026"],
        None,
        ["2026-05-11", "2026-06-11"],
        "import_date_order_assumed",
        "2 dates such as '11/05/2026' read day or month first; they were read day first (11 May 2026)",
    ),
    (
        "the workflow says day first: a month-first date is refused at its cell",
        ["02/11/2026", "11/13/2026"],
        "dmy",
        None,
        "import_not_a_date",
        "'Resolved' reads only month first (13 November 2026), but this export's dates are day first",
    ),
    (
        "the workflow says month first",
        ["11/05/2026", "11/06/2026"],
        "mdy",
        ["2026-11-05", "2026-11-06"],
        None,
        "",
    ),
    # dots are written day first: neither assumed nor refused, whatever the workflow says
    ("dots, nothing said", ["11.05.2026", "11.06.2026"], None, ["2026-05-11", "2026-06-11"], None, ""),
    (
        "dots, the workflow says month first",
        ["11.05.2026", "13.11.26"],
        "mdy",
        ["2026-05-11", "2026-11-13"],
        None,
        "",
    ),
]


@pytest.mark.parametrize(
    ("dates", "order", "days", "rule", "words"),
    [c[1:] for c in DATE_ORDER_CASES],
    ids=[c[0] for c in DATE_ORDER_CASES],
)
def test_an_export_s_dates_are_read_one_way(
    dates: list[str], order: str | None, days: list[str] | None, rule: str | None, words: str
) -> None:
    """11/05/2026 was read day first and 11/13/2026 month first in the same export: two
    orders, and an item done on 5 November dropped out of the window, without a word."""
    wf = Workflow(project_keys={"ALP": "P1"}, date_order=order)
    got = import_work_items(
        "export.csv",
        _jira(*(f"ALP-{k},t,Story,Done,ALP,2026-01-05,{d},Done" for k, d in enumerate(dates))),
        wf,
    )
    if days is not None:
        assert [r["done_date"] for r in got.rows] == days
    hits = [i for i in got.issues if i.rule == rule]
    # both kinds: the cell that breaks the day-first reading is named too
    also = ["import_not_a_date"] if rule == "import_mixed_date_order" else []
    assert [i.rule for i in got.issues] == ([rule] if rule else []) + also, got.issues
    if rule:
        assert words in hits[0].message, hits[0].message
    if rule == "import_not_a_date":
        assert (hits[0].cell, hits[0].value) == ("G3", "11/13/2026")


def test_a_workflow_places_its_statuses_before_jira_s_category() -> None:
    """With a Status Category column (every "all fields" export) the workflow's started and
    done points were ignored: 'Analysis' counted as work in progress, 'Committed' as to do."""
    wf = Workflow(
        statuses=["Open", "Analysis", "Committed", "Develop", "Done"],
        started="Committed",
        done="Done",
        project_keys={"ALP": "P1"},
    )
    got = import_work_items(
        "export.csv",
        _jira(
            "ALP-1,t,Story,Analysis,ALP,2026-01-05,,In Progress",
            "ALP-2,t,Story,Committed,ALP,2026-01-05,,To Do",
            "ALP-3,t,Story,Fertig,ALP,2026-01-05,2026-02-01,Done",  # not listed: Jira's category
            "ALP-4,t,Story,Closed,ALP,2026-01-05,2026-02-01,Erledigt",  # a category we do not know: the name
        ),
        wf,
    )
    assert got.ok, got.issues
    assert [r["status_category"] for r in got.rows] == ["To Do", "In Progress", "Done", "Done"]


def test_an_unplaced_status_is_one_issue_at_its_first_cell() -> None:
    """One status the workflow cannot place gave an identical error for each of its rows."""
    got = import_work_items(
        "export.csv",
        _jira(
            *(f"ALP-{k},t,Story,QA Ready,ALP,2026-01-05,,{''}" for k in range(3)), "ALP-9,t,Story,Done,ALP,,,"
        ),
        ALP,
    )
    [issue] = got.issues
    assert (issue.rule, issue.row, issue.column, issue.cell, issue.value) == (
        "import_unknown_status",
        2,
        "Status",
        "D2",
        "QA Ready",
    )
    assert "(3 rows; the first shown)" in issue.message


HISTORY_HEAD = "Issue key,From,To,Timestamp\n"
# (case, the history's rows in the file's order, the item's status, started and done dates, rule)
HISTORY_CASES = [
    (
        "newest first, the same day with times",
        [
            "ALP-1,In Progress,Done,2026-11-20T17:00:00+00:00",
            "ALP-1,To Do,In Progress,2026-11-20T09:00:00+00:00",
        ],
        ("Done", "2026-11-20", "2026-11-20"),
        None,
    ),
    (
        "newest first, the same day without times",
        [
            "ALP-1,Done,In Progress,2026-11-20",
            "ALP-1,In Progress,Done,2026-11-20",
            "ALP-1,To Do,In Progress,2026-11-18",
        ],
        ("In Progress", "2026-11-18", ""),
        None,
    ),
    (
        "oldest first, the same day without times",
        [
            "ALP-1,To Do,In Progress,2026-11-18",
            "ALP-1,In Progress,Done,2026-11-20",
            "ALP-1,Done,In Progress,2026-11-20",
        ],
        ("In Progress", "2026-11-18", ""),
        None,
    ),
    (
        "offsets: ordered by the instant, dated by the day written",
        [
            "ALP-1,To Do,In Progress,2026-11-12T09:00:00+00:00",
            "ALP-1,In Progress,Done,2026-11-20T10:00:00+00:00",
            "ALP-1,Done,In Progress,2026-11-21T02:00:00+00:00",
            "ALP-1,In Progress,Done,2026-11-20T23:00:00-05:00",  # 21 Nov 04:00 UTC: the last move
        ],
        ("Done", "2026-11-12", "2026-11-20"),
        None,
    ),
    (
        "items one after another, each oldest first, a later item first in the file",
        [
            "ALP-1,To Do,In Progress,2026-03-02",
            "ALP-1,In Progress,Done,2026-03-05",
            "ALP-1,Done,In Progress,2026-03-05",  # reopened the same day
            "ALP-2,To Do,In Progress,2026-01-05",
            "ALP-2,In Progress,Done,2026-01-09",
        ],
        ("In Progress", "2026-03-02", ""),
        None,
    ),
    (
        "a status the workflow cannot place, in the middle of the history",
        ["ALP-1,To Do,Dev Doing,2026-10-01", "ALP-1,Dev Doing,Done,2026-10-21"],
        None,
        "import_unknown_status",
    ),
]


@pytest.mark.parametrize(
    ("rows", "expected", "rule"), [c[1:] for c in HISTORY_CASES], ids=[c[0] for c in HISTORY_CASES]
)
def test_a_status_history_in_time_order(
    rows: list[str], expected: tuple[str, str, str] | None, rule: str | None
) -> None:
    """A newest-first history put the same day's moves the wrong way round, mixed offsets were
    ordered by the day written, and a status missing from the workflow was skipped in silence
    (To Do -> Dev Doing -> Done gave a one-day cycle)."""
    wf = Workflow(
        statuses=["To Do", "In Progress", "Done"],
        started="In Progress",
        done="Done",
        project_keys={"ALP": "P1"},
    )
    got = import_work_items("history.csv", (HISTORY_HEAD + "\n".join(rows) + "\n").encode(), wf)
    assert [i.rule for i in got.issues] == ([rule] if rule else []), got.issues
    if expected is not None:
        r = got.rows[0]  # ALP-1
        assert (r["status"], r["started_date"], r["done_date"]) == expected
    if rule:
        assert (got.issues[0].value, got.issues[0].cell) == ("Dev Doing", "C2")


def test_items_closed_without_the_work_done_are_left_out() -> None:
    """Won't Do, Duplicate and Cancelled counted as done: throughput that was never work."""
    head = "Issue key,Summary,Issue Type,Status,Resolution,Created,Resolved\n"
    rows = [
        "ALP-1,a,Story,Done,Done,2026-01-05,2026-02-01",
        "ALP-2,b,Story,Done,Won't Do,2026-01-05,2026-02-01",
        "ALP-3,c,Story,Closed,Duplicate,2026-01-05,2026-02-02",
        "ALP-4,d,Story,Cancelled,,2026-01-05,2026-02-03",
        "ALP-5,e,Story,In Progress,,2026-01-05,",
    ]
    got = import_work_items("export.csv", (head + "\n".join(rows) + "\n").encode(), ALP)
    assert [r["item_key"] for r in got.rows] == ["ALP-1", "ALP-5"]
    [issue] = got.issues
    assert (issue.rule, issue.severity, issue.row) == ("import_items_left_out", "warning", 3)
    assert "3 items closed without the work being done (Cancelled, Duplicate, Won't Do)" in issue.message


def test_the_size_limit_given_applies_to_a_jira_export() -> None:
    """`ingest --max-file-mb` applied to every file but a Jira export, which kept the
    settings' limit; the refusal now also says how to export less."""
    from epmo import isolate

    data = _jira(*(f"ALP-{k},{'t' * 200},Story,Done,ALP,2026-01-05,2026-02-01,Done" for k in range(6000)))
    assert 1_000_000 < len(data) < 2_000_000
    assert isolate.import_work_items("export.csv", data, ALP).ok
    with pytest.raises(RejectedFile) as refused:
        isolate.import_work_items("export.csv", data, ALP, max_file_mb=1)
    assert refused.value.issue.rule == "file_too_large"
    assert "fewer fields (in Jira: Export > CSV (current fields)" in refused.value.issue.message
    with pytest.raises(RejectedFile) as history_refused:  # a history over the limit: refused before any child
        isolate.import_work_items(
            "export.csv", _jira("ALP-1,t,Story,Done,ALP,,,"), ALP, history=("h.csv", data), max_file_mb=1
        )
    assert (history_refused.value.issue.file, history_refused.value.issue.rule) == ("h.csv", "file_too_large")


def test_a_changelog_of_every_field_keeps_the_status_moves() -> None:
    """A changelog with a Field column read an assignee's or story points' change as a status
    move ("Status '5' is not in the workflow")."""
    wf = Workflow(
        statuses=["To Do", "In Progress", "Done"],
        started="In Progress",
        done="Done",
        project_keys={"ALP": "P1"},
    )
    text = (
        "Issue key,Field,From,To,Timestamp\n"
        "ALP-1,status,To Do,In Progress,2026-03-02\n"
        "ALP-1,Story Points,3,5,2026-03-03\n"
        "ALP-1,assignee,ana,bo,2026-03-04\n"
        "ALP-1,Status,In Progress,Done,2026-03-05\n"
    )
    got = import_work_items("changelog.csv", text.encode(), wf)
    assert got.ok, got.issues
    [r] = got.rows
    assert (r["status"], r["started_date"], r["done_date"]) == ("Done", "2026-03-02", "2026-03-05")


def test_a_jira_export_saved_as_a_workbook_is_named_as_one() -> None:
    """It was called "binary, not a CSV or Excel workbook"."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(RejectedFile) as refused:
        import_work_items("export.xlsx", buf.getvalue(), ALP)
    assert refused.value.issue.rule == "import_not_csv"
    assert "This is an Excel workbook" in refused.value.issue.message


def test_an_unknown_project_and_a_missing_key_are_placed_at_their_cells() -> None:
    got = import_work_items(
        "export.csv",
        _jira(
            "ZZZ-1,t,Story,Done,ZZZ,2026-01-05,2026-02-01,Done",
            ",t,Story,Done,ALP,2026-01-05,2026-02-01,Done",
        ),
        ALP,
    )
    places = {i.rule: (i.row, i.column, i.cell, i.value) for i in got.issues}
    assert places["import_unknown_project_key"] == (2, "Project key", "E2", "ZZZ")
    assert places["import_missing_key"] == (3, "Issue key", "A3", "")


# (case, a German or French Jira's export, the items' (status category, created, done))
LOCALIZED = [
    (
        "German, semicolons, German month names",
        "\ufeffZusammenfassung;Vorgangsschlüssel;Vorgangstyp;Status;Projektschlüssel;Erstellt;Erledigt;"
        "Statuskategorie\n"
        "Lohnzettel;ALP-1;Story;Fertig;ALP;03/Mär/26 9:05 AM;24/Okt/26 4:45 PM;Fertig\n"
        "Rückerstattung;ALP-2;Bug;In Arbeit;ALP;05/Mai/26 2:00 PM;;In Arbeit\n",
        [("Done", "2026-03-03", "2026-10-24"), ("In Progress", "2026-05-05", "")],
    ),
    (
        "French, French month names with dots",
        "Résumé,Clé de ticket,Type de ticket,État,Clé de projet,Création,Résolue,Catégorie d'état\n"
        "Fiche,ALP-1,Story,Terminé(e),ALP,03/févr./26 09:05,24/déc./26 16:45,Terminé\n"
        "Avoir,ALP-2,Story,En cours,ALP,15/juil./26 10:00,,En cours\n",
        [("Done", "2026-02-03", "2026-12-24"), ("In Progress", "2026-07-15", "")],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in LOCALIZED], ids=[c[0] for c in LOCALIZED])
def test_a_german_or_french_jira_export(text: str, expected: list[tuple[str, str, str]]) -> None:
    """A Jira in German or French writes its headers, status categories and month names in
    that language: the export matched no layout, and '03/Mär/26' was not a date."""
    data = text.encode()
    assert sniff_layout("export.csv", data) == "jira_csv"
    got = import_work_items("export.csv", data, ALP)
    assert got.ok, got.issues
    assert [(r["status_category"], r["created_date"], r["done_date"]) for r in got.rows] == expected


def test_a_german_export_without_categories_and_with_its_resolutions() -> None:
    """Without a Statuskategorie column every row was an unknown status, and 'Wird nicht
    erledigt' or 'Duplikat' counted as done throughput."""
    text = (
        "Vorgangsschlüssel;Zusammenfassung;Status;Lösung;Erstellt;Erledigt\n"
        "ALP-1;a;Fertig;Fertig;03/Mär/26;24/Mär/26\n"
        "ALP-2;b;In Arbeit;;03/Mär/26;\n"
        "ALP-3;c;Zu erledigen;;03/Mär/26;\n"
        "ALP-4;d;Fertig;Wird nicht erledigt;03/Mär/26;24/Mär/26\n"
        "ALP-5;e;Fertig;Duplikat;03/Mär/26;24/Mär/26\n"
    )
    got = import_work_items("export.csv", text.encode(), ALP)
    assert [(r["item_key"], r["status_category"]) for r in got.rows] == [
        ("ALP-1", "Done"),
        ("ALP-2", "In Progress"),
        ("ALP-3", "To Do"),
    ]
    [left_out] = got.issues
    assert left_out.rule == "import_items_left_out" and "2 items" in left_out.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01/Mairie/26", None),  # a word that begins like a month is not one
        ("01/Dezibel/26", None),
        ("01/Marzipan/26", None),
        ("03/Ma\u0308r/26", dt.date(2026, 3, 3)),  # decomposed (a Mac's) "Mär"
        ("01/September/26", dt.date(2026, 9, 1)),
        ("01/juillet/26", dt.date(2026, 7, 1)),
        ("01/Juni/26", dt.date(2026, 6, 1)),
    ],
)
def test_only_month_names_are_months(text: str, expected: dt.date | None) -> None:
    assert parse_when(text) == expected


def test_a_missing_key_column_names_what_a_person_would_write() -> None:
    got = import_work_items(
        "export.csv", b"Zusammenfassung;Status;Erstellt\na;Fertig;03/M\xc3\xa4r/26\n", ALP, layout="jira_csv"
    )
    [missing] = [i for i in got.issues if i.rule == "import_missing_column"]
    assert "'issue key', 'key', or a German or French Jira's own name for it" in missing.message
    assert "schlussel" not in missing.message


def test_a_refused_jira_row_is_placed_in_the_export_not_the_converted_file(store: Store) -> None:
    """A pm importing a Jira export for another pm's project (the project id given for the
    upload) was told "row 2, column 'project_id' (A2)": the export has no such column and
    its A2 is an issue's summary. The refusal names the export's row and the project given."""
    from epmo.importers import WorkItemImport
    from tests.conftest import WEEK, person, project_row, projects_csv

    seeded = ingest(
        store, "p.csv", projects_csv(project_row("P1", project_manager="other@x.org")), as_of=WEEK
    )
    assert seeded.status == "accepted"
    export = (
        "Summary,Issue key,Issue Type,Status,Created,Resolved,Status Category\n"
        "Payments epic,PAY-1,Epic,In Progress,01/Mar/26 9:00 AM,,In Progress\n"
        "Pay slip,PAY-2,Story,Done,03/Mar/26 11:15 AM,24/Mar/26 4:45 PM,Done\n"
    )
    out = ingest(
        store,
        "jira.csv",
        export.encode(),
        as_of=WEEK,
        work_items=WorkItemImport(project_id="P1"),
        identity=person("pm@x.org", "pm"),
    )
    assert out.status == "rejected"
    refused = [i for i in out.report.issues if i.severity == "error"]
    assert refused and all(
        i.column == "project id given for the upload (P1)" and i.cell == "" for i in refused
    )
    assert sorted(i.row for i in refused) == [2, 3]  # the export's rows


def test_a_status_history_leaves_out_items_closed_without_the_work() -> None:
    """A status history's Cancelled, Won't Do and Declined items were stored as done (a day's
    cycle time each, throughput tripled), and Declined was refused as an unknown status with
    advice to add it to the workflow, where it would have counted as done too."""
    history = (
        "Issue key,From,To,Timestamp\n"
        "PAY-101,To Do,In Progress,2026-12-01T09:00:00+00:00\n"
        "PAY-101,In Progress,Done,2026-12-03T09:00:00+00:00\n"
        "PAY-102,To Do,Cancelled,2026-12-02T09:00:00+00:00\n"
        "PAY-103,To Do,Won't Do,2026-12-02T10:00:00+00:00\n"
        "PAY-104,To Do,Declined,2026-12-02T10:00:00+00:00\n"
        "PAY-105,To Do,In Progress,2026-12-02T10:00:00+00:00\n"
        "PAY-106,To Do,Cancelled,2026-11-20T10:00:00+00:00\n"
        "PAY-106,Cancelled,In Progress,2026-11-25T10:00:00+00:00\n"  # reopened: work again
    )
    got = import_work_items("history.csv", history.encode(), PAY)
    assert got.ok, [i.message for i in got.issues]
    rows = {r["item_key"]: r["status_category"] for r in got.rows}
    assert rows == {"PAY-101": "Done", "PAY-105": "In Progress", "PAY-106": "In Progress"}
    (said,) = [i for i in got.issues if i.rule == "import_items_left_out"]
    assert said.message.startswith(
        "3 items closed without the work being done (Cancelled, Declined, Won't Do)"
    )
    assert said.row == 4  # the first of them in the file (PAY-102)
