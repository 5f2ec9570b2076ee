"""Every rule in queries/checks/: a file that breaks it is reported with the right rule,
row, column and cell; a clean file passes. Table-driven; one case per rule at least."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from epmo import settings, sql
from epmo.ingest import REJECTED, VALID, check_upload, ingest
from epmo.store import Store
from tests.conftest import PROJECT_HEADER, WEEK, project, project_row, projects_csv

MS_HEADER = "project_id,milestone_id,milestone_name,baseline_date,forecast_date,is_key"
ALLOC_HEADER = "project_id,role,period_start,hours,is_tentative"
WI_HEADER = "project_id,item_key,item_type,title,status,status_category,created_date,started_date,done_date"


def table_csv(header: str, *rows: str) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


CASES = [
    # (rule, file name, content, expected row, expected column, severity)
    (
        "required_value_missing",
        "projects.csv",
        projects_csv(project_row(project_name="")),
        2,
        "project_name",
        "error",
    ),
    ("not_a_number", "projects.csv", projects_csv(project_row(budget_bac="1.2m")), 2, "budget_bac", "error"),
    ("not_a_date", "projects.csv", projects_csv(project_row(start_date="soon")), 2, "start_date", "error"),
    (
        "value_not_allowed",
        "projects.csv",
        projects_csv(project_row(rag_overall="Blue")),
        2,
        "rag_overall",
        "error",
    ),
    (
        "number_out_of_range",
        "projects.csv",
        projects_csv(project_row(actual_cost="-5")),
        2,
        "actual_cost",
        "error",
    ),
    (
        "email_malformed",
        "projects.csv",
        projects_csv(project_row(project_manager="bob")),
        2,
        "project_manager",
        "error",
    ),
    (
        "formula_in_cell",
        "projects.csv",
        projects_csv(project_row(project_name='"=HYPERLINK(""http://x"",""y"")"')),
        2,
        "project_name",
        "error",
    ),
    (
        "end_before_start",
        "projects.csv",
        projects_csv(project_row(baseline_end_date="2025-01-01")),
        2,
        "baseline_end_date",
        "error",
    ),
    (
        "duplicate_key",
        "projects.csv",
        projects_csv(project_row("P1"), project_row("P1")),
        3,
        "project_id",
        "error",
    ),
    (
        "actual_cost_far_over_budget",
        "projects.csv",
        projects_csv(project_row(actual_cost="5000000")),
        2,
        "actual_cost",
        "warning",
    ),
    (
        "date_out_of_range",
        "projects.csv",
        projects_csv(project_row(start_date="1926-01-05")),
        2,
        "start_date",
        "warning",
    ),
    (
        "not_a_boolean",
        "milestones.csv",
        table_csv(MS_HEADER, "P9,M1,Go-live,2026-05-01,2026-05-01,maybe"),
        2,
        "is_key",
        "error",
    ),
    (
        "unknown_project",
        "milestones.csv",
        table_csv(MS_HEADER, "P9,M1,Go-live,2026-05-01,2026-05-01,yes"),
        2,
        "project_id",
        "error",
    ),
    (
        "period_not_aligned",
        "allocations.csv",
        table_csv(ALLOC_HEADER, "P1,Tester,2026-05-06,10,no"),
        2,
        "period_start",
        "error",
    ),
    (
        "period_not_aligned",  # financials are monthly: a Monday that is not the 1st is refused
        "financials.csv",
        table_csv("project_id,period_start,planned_cost", "P1,2026-11-02,100"),
        2,
        "period_start",
        "error",
    ),
    (
        "number_not_on_scale",
        "projects.csv",
        projects_csv().replace(b"\n", b",business_value\n", 1) + (project_row() + ",4\n").encode(),
        2,
        "business_value",
        "warning",  # an optional score off its scale does not block the upload
    ),
    (
        "date_ambiguous",
        "projects.csv",
        projects_csv(project_row(start_date="03/11/2025")),
        2,
        "start_date",
        "warning",
    ),
    (
        "not_a_whole_number",
        "raid.csv",
        table_csv("project_id,raid_id,raid_type,title,status,probability", "P1,R1,Risk,Vendor,Open,2.5"),
        2,
        "probability",
        "error",
    ),
    (
        "invisible_character",
        "projects.csv",
        projects_csv(project_row("P2\u200b")),
        2,
        "project_id",
        "error",
    ),
    (  # a name of its own: only the id looks like P1's
        "project_id_confusable",
        "projects.csv",
        projects_csv(project_row("p1", project_name="Another")),
        2,
        "project_id",
        "warning",
    ),
    (
        "project_name_taken",
        "projects.csv",
        projects_csv(project_row("P9", project_name=" project  p1")),
        2,
        "project_id",
        "error",
    ),
    (
        "template_example_row",
        "projects.csv",
        projects_csv(project_row("PRJ-0042", project_name="Payroll replacement")),
        2,
        "project_id",
        "error",
    ),
    (
        "project_manager_changes",
        "projects.csv",
        projects_csv(project_row("P1", project_manager="pm2@example.org")),
        2,
        "project_manager",
        "warning",
    ),
    (
        "dependency_without_project",
        "raid.csv",
        table_csv("project_id,raid_id,raid_type,title,status", "P1,R1,Dependency,Needs API,Open"),
        2,
        "related_project_id",
        "warning",
    ),
    (
        "related_project_unknown",
        "raid.csv",
        table_csv(
            "project_id,raid_id,raid_type,title,status,related_project_id",
            "P1,R1,Dependency,Needs API,Open,PRJ-9999",
        ),
        2,
        "related_project_id",
        "warning",
    ),
    (
        "work_item_dates_out_of_order",
        "work_items.csv",
        table_csv(WI_HEADER, "P1,K-1,Story,Pay slip,Done,Done,2026-05-01,2026-05-10,2026-05-04"),
        2,
        "done_date",
        "warning",
    ),
    (
        "work_item_done_without_date",
        "work_items.csv",
        table_csv(WI_HEADER, "P1,K-1,Story,Pay slip,Closed,Done,2026-05-01,2026-05-02,"),
        2,
        "done_date",
        "warning",
    ),
    (
        "unknown_project",
        "work_items.csv",
        table_csv(WI_HEADER, "P9,K-1,Story,Pay slip,To Do,To Do,2026-05-01,,"),
        2,
        "project_id",
        "error",
    ),
]


FORMULAS = [
    '"=+HYPERLINK(""http://evil.example"",""x"")"',
    "\"-2+3+cmd|' /C calc'!A0\"",
    "@SUM(1+1)",
    "+cmd|' /C calc'!A0",
    "  =1+1",
]


@pytest.mark.parametrize("name", FORMULAS)
def test_formula_forms_are_refused(seeded: Store, name: str) -> None:
    outcome = check_upload(seeded, "projects.csv", projects_csv(project_row(project_name=name)), as_of=WEEK)
    hits = [i for i in outcome.report.issues if i.rule == "formula_in_cell"]
    assert [(h.row, h.column) for h in hits] == [(2, "project_name")], outcome.report.to_text()
    assert outcome.status == REJECTED and "formula" in hits[0].message


@pytest.mark.parametrize("name", ["-1200", "-1,200.50", "+44 20 7946 0958", "Alpha - Beta"])
def test_numbers_in_text_are_not_formulas(seeded: Store, name: str) -> None:
    outcome = check_upload(
        seeded, "projects.csv", projects_csv(project_row(project_name=f'"{name}"')), as_of=WEEK
    )
    assert outcome.status == VALID, outcome.report.to_text()


@pytest.fixture(scope="module")
def _seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per module: a store that already holds project P1."""
    from epmo.ingest import ingest

    path = tmp_path_factory.mktemp("seeded") / "store"
    outcome = ingest(
        Store(str(path)), "projects.csv", projects_csv(project_row("P1")), as_of=WEEK - dt.timedelta(days=7)
    )
    assert outcome.status == "accepted"
    return path


@pytest.fixture
def seeded(_seeded_template: Path, tmp_path: Path) -> Store:
    """A private copy of a store that already holds project P1, so child tables can
    reference it (a copy: a test may write to it)."""
    dest = tmp_path / "seeded"
    shutil.copytree(_seeded_template, dest)
    return Store(str(dest))


def test_every_rule_has_a_case() -> None:
    rules = {sql.query(n).meta["rule"] for n in sql.names("checks")}
    covered = {c[0] for c in CASES} | {
        "forecast_end_jump",
        "rows_no_longer_reported",
        "values_cleared",
        "percent_as_fraction",
        "done_items_dropped",
        "role_spelled_another_way",
    }  # tested below
    assert rules == covered, f"rules without a test case: {rules - covered}"


def test_every_rule_declares_severity_and_grain() -> None:
    for n in sql.names("checks"):
        meta = sql.query(n).meta
        assert meta.get("severity") in ("error", "warning"), n
        assert meta.get("grain"), n
        assert meta.get("rule") == n.split("/")[-1]


@pytest.mark.parametrize(
    ("rule", "name", "content", "row", "column", "severity"), CASES, ids=[c[0] for c in CASES]
)
def test_rule(
    seeded: Store, rule: str, name: str, content: bytes, row: int, column: str, severity: str
) -> None:
    outcome = check_upload(seeded, name, content, as_of=WEEK)
    hits = [i for i in outcome.report.issues if i.rule == rule]
    assert hits, outcome.report.to_text()
    hit = hits[0]
    assert (hit.row, hit.column, hit.severity) == (row, column, severity)
    assert hit.file == name and hit.message
    if severity == "error":
        assert outcome.status == REJECTED
    else:
        assert outcome.status == VALID


def test_forecast_end_jump_compares_with_previous_week(seeded: Store) -> None:
    outcome = check_upload(
        seeded, "projects.csv", projects_csv(project_row("P1", forecast_end_date="2027-12-31")), as_of=WEEK
    )
    hits = [i for i in outcome.report.issues if i.rule == "forecast_end_jump"]
    assert len(hits) == 1 and "336 days later than in the report of" in hits[0].message
    assert outcome.status == VALID
    # earlier: said as earlier, not as "moved -N days"
    earlier = check_upload(
        seeded, "projects.csv", projects_csv(project_row("P1", forecast_end_date="2026-01-01")), as_of=WEEK
    )
    [hit] = [i for i in earlier.report.issues if i.rule == "forecast_end_jump"]
    assert "Forecast end moved 393 days earlier than in the report of" in hit.message, hit.message
    assert "-" not in hit.message.split(".")[0], hit.message


def test_clean_file_has_no_issues(seeded: Store) -> None:
    outcome = check_upload(
        seeded, "projects.csv", projects_csv(project_row("P1"), project_row("P2")), as_of=WEEK
    )
    assert outcome.status == VALID, outcome.report.to_text()
    assert outcome.report.issues == []


@pytest.mark.parametrize("cap", [1, 5, 6, 7, 11, 12, 13])
def test_the_report_stops_at_its_cap_with_one_line_saying_so(
    seeded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cap: int
) -> None:
    """limits.max_report_issues: 12 problems (6 dates, 6 numbers; the cap falls inside a
    rule, on the boundary between two, and past the last) give at most `cap` of them, then
    one too_many_problems line; the ones given are the report's own, in rule order."""
    rows = [f"P1,Role {k},soon,x{k},false" for k in range(6)]  # keys differ: no duplicate_key
    data = table_csv(ALLOC_HEADER, *rows)
    everything = check_upload(seeded, "allocations.csv", data, as_of=WEEK).report.issues
    assert sorted(i.rule for i in everything) == ["not_a_date"] * 6 + ["not_a_number"] * 6
    path = tmp_path / "settings.toml"
    path.write_text(f"[limits]\nmax_report_issues = {cap}\n")
    monkeypatch.setenv("EPMO_SETTINGS", str(path))
    settings.settings.cache_clear()
    try:
        outcome = check_upload(seeded, "allocations.csv", data, as_of=WEEK)
    finally:
        monkeypatch.delenv("EPMO_SETTINGS")
        settings.settings.cache_clear()
    assert outcome.status == REJECTED
    got = outcome.report.issues
    if cap >= len(everything):
        assert got == everything and not outcome.report.truncated
        return
    assert len(got) == cap + 1 and outcome.report.truncated
    assert [i.rule for i in got] == (["not_a_date"] * 6 + ["not_a_number"] * 6)[:cap] + ["too_many_problems"]
    assert all(i in everything for i in got[:-1])


def test_cell_reference_uses_excel_letters(seeded: Store) -> None:
    outcome = check_upload(seeded, "projects.csv", projects_csv(project_row(rag_overall="Blue")), as_of=WEEK)
    issue = next(i for i in outcome.report.issues if i.rule == "value_not_allowed")
    letter = "ABCDEFGHIJK"[PROJECT_HEADER.split(",").index("rag_overall")]
    assert issue.cell == f"{letter}2"


def test_phantom_project_ids(store: Store) -> None:
    """Five spellings of PRJ-0001: full-width is the same id once normalised (NFKC); a
    zero-width space is refused; a non-breaking hyphen, a Cyrillic 'Р' and lower case are
    new ids that look like the stored one, and say how they differ."""
    from epmo.ingest import ingest

    first = ingest(store, "projects.csv", projects_csv(project_row("PRJ-0001")), as_of=WEEK)
    assert first.status == "accepted"
    data = projects_csv(
        project_row("\uff30\uff32\uff2a\uff0d\uff10\uff10\uff10\uff11"),  # full-width
        project_row("PRJ\u20110001"),  # non-breaking hyphen
        project_row("PRJ-0001\u200b"),  # zero-width space
        project_row("\u0420RJ-0001"),  # Cyrillic capital ER
        project_row("prj-0001"),
    )
    outcome = check_upload(store, "projects.csv", data, as_of=WEEK + dt.timedelta(days=7))
    found = {(i.row, i.rule, i.severity) for i in outcome.report.issues}
    assert found == {
        (3, "project_id_confusable", "warning"),
        (4, "invisible_character", "error"),
        (5, "project_id_confusable", "warning"),
        (6, "project_id_confusable", "warning"),
        # row 6's name, 'Project prj-0001', is PRJ-0001's but for case: a second project of
        # that name is refused (the other rows' names differ by their ids' look-alikes)
        (6, "project_name_taken", "error"),
    }, outcome.report.to_text()
    messages = {i.row: i.message for i in outcome.report.issues if i.rule != "project_name_taken"}
    assert "looks like the existing project PRJ-0001" in messages[3] and "U+2010" in messages[3]
    assert "Cyrillic '\u0420' (U+0420)" in messages[5] and messages[5].startswith("\u0420RJ-0001 in row 5")
    assert "upper/lower case" in messages[6]
    assert "U+200B" in messages[4]
    assert next(i for i in outcome.report.issues if i.row == 4).value == "PRJ-0001<U+200B>"
    clean = check_upload(
        store,
        "projects.csv",
        data.splitlines(keepends=True)[0] + data.splitlines(keepends=True)[1],
        as_of=WEEK,
    )
    assert clean.status == VALID and clean.report.issues == []
    assert clean.tables["projects"]["project_id"].to_pylist() == ["PRJ-0001"]


def test_ids_confusable_within_one_upload(store: Store) -> None:
    data = projects_csv(project_row("NEW-1"), project_row("new\u20101"))
    outcome = check_upload(store, "projects.csv", data, as_of=WEEK)
    (issue,) = outcome.report.issues
    assert (issue.rule, issue.row) == ("project_id_confusable", 3)
    assert "looks like NEW-1 in row 2" in issue.message


def test_unknown_project_names_the_look_alike(seeded: Store) -> None:
    data = table_csv(
        MS_HEADER, "p1,M1,Go-live,2026-05-01,2026-05-01,yes", "P9,M1,Go-live,2026-05-01,2026-05-01,yes"
    )
    outcome = check_upload(seeded, "milestones.csv", data, as_of=WEEK)
    hits = {i.row: i.message for i in outcome.report.issues if i.rule == "unknown_project"}
    assert "It looks like P1, which is known" in hits[2]
    assert "looks like" not in hits[3]


# (new id, warned, what the message says differs); the store knows PRJ-0001 and PRJ-1000
TYPED_DIFFERENTLY = [
    ("PRJ0001", True, "spaces, punctuation or zeros"),
    ("PRJ 0001", True, "' ' for '-'"),
    ("PRJ-001", True, "spaces, punctuation or zeros"),
    ("PRJ_1", True, "spaces, punctuation or zeros"),
    ("prj.0001", True, "'.' for '-', upper/lower case"),
    ("PRJ-0010", False, ""),  # another number
    ("PRJ-10", False, ""),  # 10, not 1000: zeros that end a number are part of it
    ("PRJ-0002", False, ""),
    ("PRJA-0001", False, ""),
    ("PRJ-0O01", True, "'O' for '0'"),  # a letter O for a zero: the commonest id typo
    ("PRJ-OOO1", True, "'O' for '0'"),
    ("PRJ-I000", True, "PRJ-1000 (differs by: 'I' for '1')"),  # a letter I
    ("PRJ-l000", True, "PRJ-1000 (differs by: 'l' for '1')"),
    ("PRJ-OO1", True, "letters typed for digits, spaces, punctuation or zeros"),
    ("PRJOOL1", False, ""),  # a word's letters are letters
]


@pytest.mark.parametrize(("new_id", "warned", "how"), TYPED_DIFFERENTLY)
def test_an_id_typed_differently_is_warned_about(store: Store, new_id: str, warned: bool, how: str) -> None:
    """A pm who types PRJ0001 for PRJ-0001 creates a second project, counted twice in every
    total: a warning at the row says which project it looks like and how it differs."""
    first = ingest(store, "p.csv", projects_csv(project_row("PRJ-0001"), project_row("PRJ-1000")), as_of=WEEK)
    assert first.status == "accepted"
    outcome = check_upload(
        store, "p.csv", projects_csv(project_row(new_id)), as_of=WEEK + dt.timedelta(days=7)
    )
    found = [i for i in outcome.report.issues if i.rule == "project_id_confusable"]
    assert bool(found) == warned, outcome.report.to_text()
    if warned:
        assert found[0].severity == "warning" and found[0].row == 2
        like = how if how.startswith("PRJ-") else "PRJ-0001"
        assert f"looks like the existing project {like}" in found[0].message
        assert how in found[0].message


@pytest.mark.parametrize(
    ("manager", "reassigned", "said"),
    [
        ("pm@example.org", False, None),  # the same manager
        (" PM@Example.org ", False, None),  # the same, typed in another case and with spaces
        ("pm@exampel.org", False, "changes from pm@example.org to pm@exampel.org"),  # a typo
        ("new@example.org", True, "An EPMO admin made boss.pick@example.org the manager of P1"),
        ("boss.pick@example.org", True, None),  # the admin's choice, reported
    ],
)
def test_a_row_that_changes_a_project_s_manager_is_warned_about(
    seeded: Store, manager: str, reassigned: bool, said: str | None
) -> None:
    """A typo in one's own address hands the project to nobody: the next upload of the real
    manager is refused as not theirs. Warned at the row, before anything is stored."""
    from epmo import access

    if reassigned:
        access.assign_pm(seeded, access.demo_identity(via="cli"), "P1", "boss.pick@example.org")
    outcome = check_upload(
        seeded, "p.csv", projects_csv(project_row("P1", project_manager=manager)), as_of=WEEK
    )
    hits = [i for i in outcome.report.issues if i.rule == "project_manager_changes"]
    assert outcome.status == VALID
    if said is None:
        assert hits == [], outcome.report.to_text()
    else:
        assert [(i.row, i.column, i.severity) for i in hits] == [(2, "project_manager", "warning")]
        assert said in hits[0].message


@pytest.mark.parametrize(
    ("values", "before", "warned_rows"),
    [
        (["0.69", "0.2", "0.35"], {}, [2]),  # every value a fraction, three rows: a percentage format
        (["0.69", "0.2"], {}, []),  # two early projects: nothing says they are fractions
        (["0.9"], {}, []),  # one early project at 0.9 % (the demo has some)
        (["0.9"], {"P1": "90"}, [2]),  # it was 90 % last week
        (["0", "0.5", "0.2", "0.3"], {}, [3]),  # the first above 0
        (["69", "0.5", "0.2", "0.3"], {}, []),  # one value says the column is in percent
        (["1", "0.5", "0.2"], {}, []),  # 1 % complete is a percent
    ],
)
def test_percent_complete_read_as_a_fraction_is_warned_about(
    store: Store, values: list[str], before: dict[str, str], warned_rows: list[int]
) -> None:
    from tests.conftest import upload_tables

    if before:
        upload_tables(
            store,
            WEEK - dt.timedelta(days=7),
            projects=[project(p, percent_complete=v) for p, v in before.items()],
        )
    rows = [project_row(f"P{i + 1}") + "," + v for i, v in enumerate(values)]
    outcome = check_upload(store, "p.csv", table_csv(PROJECT_HEADER + ",percent_complete", *rows), as_of=WEEK)
    hits = [i for i in outcome.report.issues if i.rule == "percent_as_fraction"]
    assert outcome.status == VALID
    assert [i.row for i in hits] == warned_rows, outcome.report.to_text()
    for hit in hits:
        assert "type " + str(round(float(values[hit.row - 2]) * 100, 1)) in hit.message


def test_a_duplicate_names_the_earlier_row_where_it_is(store: Store) -> None:
    """Two files or two sheets of one upload: "same project_id as row 2" pointed at the row
    2 of the file being read, not the other file's. The message now names the other file or
    sheet; the issue is at the key's last column (the milestone id of a milestone)."""
    from epmo.templates import filled_workbook
    from tests.conftest import project, zip_of

    two = zip_of(projects=[project("P1")], projects_more=[project("P1")])
    [issue] = [
        i for i in check_upload(store, "two.zip", two, as_of=WEEK).report.issues if i.rule == "duplicate_key"
    ]
    assert issue.file == "two.zip/projects_more.csv" and issue.row == 2
    assert "as row 2 of two.zip/projects.csv." in issue.message
    same = projects_csv(project_row("P1"), project_row("P1"))
    [issue] = [
        i for i in check_upload(store, "p.csv", same, as_of=WEEK).report.issues if i.rule == "duplicate_key"
    ]
    assert issue.message == "Duplicate: same project_id as row 2. Keep one row per key."
    milestone = {
        "project_id": "P1",
        "milestone_id": "M1",
        "milestone_name": "Go",
        "baseline_date": "2026-05-01",
    }
    book = filled_workbook({"projects": [project("P1")], "milestones": [milestone, milestone]})
    outcome = check_upload(store, "book.xlsx", book, as_of=WEEK)
    [issue] = [i for i in outcome.report.issues if i.rule == "duplicate_key"]
    assert issue.sheet == "milestones" and issue.column.startswith("milestone_id") and issue.cell


def test_the_template_s_own_example_is_refused_and_a_real_project_of_that_id_is_not(store: Store) -> None:
    """A filled template with its example row left in stored PRJ-0042 "Payroll replacement"
    as one more project, without a word."""
    from epmo.templates import xlsx_template

    outcome = check_upload(store, "template.xlsx", xlsx_template(with_example=True), as_of=WEEK)
    hits = [i for i in outcome.report.issues if i.rule == "template_example_row"]
    assert outcome.status == REJECTED and [(i.sheet, i.row) for i in hits] == [("projects", 2)]
    real = check_upload(
        store, "p.csv", projects_csv(project_row("PRJ-0042", project_name="Data lake")), as_of=WEEK
    )
    assert not [i for i in real.report.issues if i.rule == "template_example_row"]


@pytest.mark.parametrize(
    ("sent", "said"),
    [
        (["M1"], "P1: 1 milestone in force before this week is not in this file (M2 Go-live)"),
        (["M1", "M2"], None),  # all of them: nothing left out
        (["M1", "M2", "M3"], None),  # and a new one
        (["M3"], "P1: 2 milestones in force before this week are not in this file (M1 Kick-off, M2 Go-live)"),
    ],
)
def test_milestones_left_out_of_an_upload_are_warned_about(
    store: Store, sent: list[str], said: str | None
) -> None:
    """A pm who sends only the milestone that changed removes the others from that week on
    (an upload replaces a project's milestones): now a warning names them."""
    from tests.conftest import upload_tables

    ms = {"M1": "Kick-off", "M2": "Go-live", "M3": "Hypercare"}

    def rows(ids: list[str]) -> list[dict[str, object]]:
        return [
            {
                "project_id": "P1",
                "milestone_id": m,
                "milestone_name": ms[m],
                "baseline_date": "2026-05-01",
                "forecast_date": "2026-05-01",
            }
            for m in ids
        ]

    from tests.conftest import project

    upload_tables(store, WEEK - dt.timedelta(days=7), projects=[project("P1")], milestones=rows(["M1", "M2"]))
    header = "project_id,milestone_id,milestone_name,baseline_date,forecast_date\n"
    body = header + "".join(f"P1,{m},{ms[m]},2026-05-01,2026-05-01\n" for m in sent)
    outcome = check_upload(store, "m.csv", body.encode(), as_of=WEEK)
    hits = [i for i in outcome.report.issues if i.rule == "rows_no_longer_reported"]
    assert outcome.status == VALID
    if said is None:
        assert hits == [], outcome.report.to_text()
    else:
        assert [(i.row, i.severity) for i in hits] == [(2, "warning")]
        assert hits[0].message.startswith(said)


@pytest.mark.parametrize(
    ("check", "tables"),
    [
        ("checks/forecast_end_jump", {"projects"}),
        ("checks/rows_no_longer_reported", {"milestones", "raid"}),
        ("checks/period_not_aligned", {"financials", "capacity", "allocations"}),
        ("checks/values_cleared", {"projects"}),  # "cells" in its comment and its message
        ("checks/not_a_number", set()),  # every table's cells: always run
        ("checks/duplicate_key", set()),
    ],
)
def test_the_tables_a_check_reads(check: str, tables: set[str]) -> None:
    from epmo.validate import check_tables

    assert check_tables(sql.query(check).text) == tables


# (case, a check's text, whether it reads only the suspect cells and the contract's constants)
CELLS_ONLY_CASES = [
    ("cells and a constant", "SELECT 1 FROM cells AS c JOIN contract_columns AS k USING (table_name)", True),
    ("a CTE over the cells", "WITH x AS (SELECT * FROM cells) SELECT * FROM x", True),
    (
        "a materialized CTE",
        "WITH x AS MATERIALIZED (SELECT * FROM cells) SELECT * FROM x JOIN enum_values USING (a)",
        True,
    ),
    (
        "the store's view too",
        "SELECT 1 FROM cells JOIN projects_as_of($previous_as_of) USING (project_id)",
        False,
    ),
    ("a table function", "SELECT 1 FROM cells JOIN epmo_confusables() AS m ON true", False),
    ("typed rows", "SELECT 1 FROM typed_projects WHERE EXISTS (SELECT 1 FROM cells)", False),
    ("no cells at all", "SELECT 1 FROM contract_columns", False),
    (
        "a name in a comment or a string is not read",
        "-- FROM typed_projects\nSELECT 'FROM raw' FROM cells",
        True,
    ),
]


@pytest.mark.parametrize(
    ("text", "only"), [c[1:] for c in CELLS_ONLY_CASES], ids=[c[0] for c in CELLS_ONLY_CASES]
)
def test_the_checks_that_read_only_the_suspect_cells(text: str, only: bool) -> None:
    from epmo.validate import reads_only_cells

    assert reads_only_cells(text) is only


def test_a_clean_upload_skips_the_checks_of_cells_and_a_dirty_one_runs_them(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from epmo import sql as sql_module

    ran: list[str] = []
    records = sql_module.records

    def counting(con, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        ran.append(name)
        return records(con, name, *args, **kwargs)

    monkeypatch.setattr(sql_module, "records", counting)
    assert check_upload(seeded, "p.csv", projects_csv(project_row("P1")), as_of=WEEK).status == VALID
    assert "checks/not_a_date" not in ran and "checks/unknown_project" in ran
    ran.clear()
    dirty = check_upload(seeded, "p.csv", projects_csv(project_row("P1", start_date="soon")), as_of=WEEK)
    assert "checks/not_a_date" in ran
    assert [i.rule for i in dirty.report.issues if i.severity == "error"] == ["not_a_date"]


@pytest.mark.parametrize(("name", "content"), [c[1:3] for c in CASES], ids=[c[0] for c in CASES])
def test_skipping_the_checks_of_tables_not_uploaded_changes_no_report(
    seeded: Store, monkeypatch: pytest.MonkeyPatch, name: str, content: bytes
) -> None:
    """run_checks leaves out a check whose tables the upload does not carry (a 1M-row
    allocations upload paid for the milestone checks), and a check of the suspect cells
    when no cell is suspect: the reports are the same."""
    from epmo import validate

    skipping = check_upload(seeded, name, content, as_of=WEEK).report.issues
    monkeypatch.setattr(validate, "check_tables", lambda text: frozenset())
    monkeypatch.setattr(validate, "reads_only_cells", lambda text: False)
    every = check_upload(seeded, name, content, as_of=WEEK).report.issues
    assert skipping == every


def test_optional_values_a_file_leaves_out_or_blank_are_warned_about(store: Store) -> None:
    """A file without the optional columns (or with their cells blank) blanked each
    project's sponsor, earned value and scores in silence (an upload replaces the row)."""
    from tests.conftest import upload_tables

    week0 = WEEK - dt.timedelta(days=7)
    upload_tables(
        store,
        week0,
        projects=[project("P1", sponsor="Jane", earned_value=5), project("P2", sponsor="Bo"), project("P3")],
    )
    outcome = check_upload(store, "p.csv", projects_csv(project_row("P1"), project_row("P2")), as_of=WEEK)
    [left_out] = [i for i in outcome.report.issues if i.rule == "values_cleared"]
    assert outcome.status == VALID, outcome.report.to_text()
    assert left_out.message.startswith(
        "2 columns with values reported before are not in this file: earned_value (P1 '5.0'); "
        "sponsor (P1 'Jane', P2 'Bo')."
    ), left_out.message
    assert left_out.row == 2 and "Add the columns" in left_out.message
    # present, one cell blank: said so; filled: nothing
    header = PROJECT_HEADER + ",sponsor,earned_value"
    blank = table_csv(header, project_row("P1") + ",,5", project_row("P2") + ",Bo,")
    hits = {
        i.column: i
        for i in check_upload(store, "p.csv", blank, as_of=WEEK).report.issues
        if i.rule == "values_cleared"
    }
    assert set(hits) == {"sponsor"} and hits["sponsor"].row == 2
    assert hits["sponsor"].message.startswith(
        "Blank here for 1 project that reported a value before (P1 'Jane')"
    )
    full = table_csv(header, project_row("P1") + ",Jane,5", project_row("P2") + ",Bo,")
    assert not [
        i for i in check_upload(store, "p.csv", full, as_of=WEEK).report.issues if i.rule == "values_cleared"
    ]


def test_open_raid_items_left_out_are_warned_about_and_closed_ones_are_not(store: Store) -> None:
    from tests.conftest import upload_tables

    def item(rid: str, status: str) -> dict[str, object]:
        return {
            "project_id": "P1",
            "raid_id": rid,
            "raid_type": "Risk",
            "title": f"Risk {rid}",
            "status": status,
        }

    upload_tables(
        store,
        WEEK - dt.timedelta(days=7),
        projects=[project("P1")],
        raid=[item("R1", "Open"), item("R2", "Closed"), item("R3", "Open")],
    )
    body = "project_id,raid_id,raid_type,title,status\nP1,R3,Risk,Risk R3,Open\n"
    outcome = check_upload(store, "raid.csv", body.encode(), as_of=WEEK)
    [hit] = [i for i in outcome.report.issues if i.rule == "rows_no_longer_reported"]
    assert hit.row == 2 and hit.message.startswith(
        "P1: 1 open RAID item in force before this week is not in this file (R1 Risk R1)"
    ), hit.message


def test_hours_beyond_any_team_are_refused(seeded: Store) -> None:
    """1e9 hours a week of capacity was accepted without a word (a typo's bound: a million
    hours in one row's period)."""

    text = "team,role,period_start,available_hours\nDelivery,Developer,2026-11-30,1000000000\n"
    outcome = check_upload(seeded, "capacity.csv", text.encode(), as_of=WEEK)
    [hit] = [i for i in outcome.report.issues if i.rule == "number_out_of_range"]
    assert (hit.column, hit.value) == ("available_hours", "1000000000")
    assert "0 to 1000000" in hit.message and outcome.status == REJECTED
    ok = check_upload(seeded, "capacity.csv", text.replace("1000000000", "1000000").encode(), as_of=WEEK)
    assert not [i for i in ok.report.issues if i.rule == "number_out_of_range"]


@pytest.mark.parametrize(("related", "warned"), [("P1", False), ("P9", True), ("", False)])
def test_a_dependency_on_a_project_nobody_reported_is_warned_about(
    seeded: Store, related: str, warned: bool
) -> None:
    data = table_csv(
        "project_id,raid_id,raid_type,title,status,related_project_id",
        f"P1,R1,Dependency,Needs API,Open,{related}",
    )
    outcome = check_upload(seeded, "raid.csv", data, as_of=WEEK)
    found = [i for i in outcome.report.issues if i.rule == "related_project_unknown"]
    assert bool(found) == warned, outcome.report.to_text()
    assert outcome.status == VALID  # a warning: the upload goes through


def test_a_duplicate_names_the_key_as_the_file_does(store: Store) -> None:
    """duplicate_key said "same project_id as row 2" to someone whose header is 'Proj Ref'."""
    from epmo.mapping import Mapping

    header = PROJECT_HEADER.replace("project_id", "Proj Ref", 1)
    data = table_csv(header, project_row("P1"), project_row("P1"))
    outcome = check_upload(
        store, "p.csv", data, as_of=WEEK, mapping=Mapping(name="m", columns={"Proj Ref": "project_id"})
    )
    [hit] = [i for i in outcome.report.issues if i.rule == "duplicate_key"]
    assert hit.message.startswith("Duplicate: same 'Proj Ref' as row 2."), hit.message
    assert (hit.column, hit.cell, hit.row) == ("Proj Ref", "A3", 3)


def test_whole_file_and_per_project_warnings_sit_where_they_say(store: Store) -> None:
    """values_cleared's "columns not in this file" sat at cell A2 (the project id) with no
    value; rows_no_longer_reported named column raid_id with a project id as its value."""
    from tests.conftest import upload_tables

    week0 = WEEK - dt.timedelta(days=7)
    raid = [
        {"project_id": "P1", "raid_id": r, "raid_type": "Risk", "title": r, "status": "Open"}
        for r in ("R1", "R2")
    ]
    upload_tables(store, week0, projects=[project("P1", sponsor="Jane")], raid=raid)
    out = check_upload(store, "p.csv", projects_csv(project_row("P1")), as_of=WEEK)
    [left_out] = [i for i in out.report.issues if i.rule == "values_cleared"]
    assert (left_out.column, left_out.cell, left_out.value) == ("", "", "")
    body = "project_id,raid_id,raid_type,title,status\nP1,R2,Risk,R2,Open\n"
    out = check_upload(store, "raid.csv", body.encode(), as_of=WEEK)
    [gone] = [i for i in out.report.issues if i.rule == "rows_no_longer_reported"]
    assert (gone.column, gone.cell, gone.value) == ("project_id", "A2", "P1")


def test_a_dependency_on_another_portfolio_s_project_is_not_unknown_to_a_scoped_uploader(
    store: Store,
) -> None:
    """A scoped analyst validates on their scope, where P2 of portfolio B looked like a
    project nobody reported: they were told to blank a real cross-portfolio dependency."""
    from epmo.store import Store as Whole
    from tests.conftest import upload_tables

    upload_tables(store, WEEK, projects=[project("P1", portfolio="A"), project("P2", portfolio="B")])
    data = table_csv(
        "project_id,raid_id,raid_type,title,status,related_project_id",
        "P1,R1,Dependency,Needs API,Open,P2",
        "P1,R2,Dependency,Needs data,Open,P9",
    )
    scoped = Whole(store.uri, scope=("A",))
    outcome = check_upload(scoped, "raid.csv", data, as_of=WEEK)
    assert [i.value for i in outcome.report.issues if i.rule == "related_project_unknown"] == ["P9"]


@pytest.mark.parametrize(
    ("first", "second", "hours", "duplicate", "stored"),
    [
        ("false", "", "7", True, None),  # both plain: the typed fast path
        ("no", "", "7", True, None),  # 'no' through the lenient macros
        ("false", "", "1,000", True, None),  # the hours column lenient, is_tentative fast
        ("true", "", "7", False, [False, True]),
        ("", "", "7", True, None),
        ("true", "yes", "7", True, None),
    ],
)
def test_a_blank_is_tentative_is_false_for_the_duplicate_check_and_in_the_store(
    store: Store, first: str, second: str, hours: str, duplicate: bool, stored: list[bool] | None
) -> None:
    """Two demand rows, one 'false' and one left blank, were both stored: the key check saw
    NULL as another value than false, while capacity reads a blank as confirmed, so the same
    demand was counted twice. A blank is now typed as false (contract blank_means)."""
    assert ingest(store, "p.csv", projects_csv(project_row("P1")), as_of=WEEK).status == "accepted"
    csv = table_csv(
        ALLOC_HEADER,
        f"P1,Business Analyst,2026-12-14,10,{first}",
        f'P1,Business Analyst,2026-12-14,"{hours}",{second}',
    )
    outcome = ingest(store, "a.csv", csv, as_of=WEEK)
    dups = [i for i in outcome.report.issues if i.rule == "duplicate_key"]
    if duplicate:
        assert outcome.status == REJECTED and [(i.row, i.severity) for i in dups] == [(3, "error")]
        return
    assert outcome.status == "accepted" and dups == [], outcome.report.to_text()
    rows = store.rows("export/allocations", as_of=WEEK)
    assert sorted(r["is_tentative"] for r in rows) == stored


def _wi_row(key: str, status: str, cat: str, done: str = "") -> str:
    started = "2026-10-01" if cat != "To Do" else ""
    return f"P1,{key},Story,{key} title,{status},{cat},2026-09-01,{started},{done}"


@pytest.mark.parametrize(
    ("sent", "warned"),
    [
        (["W-1", "W-2", "W-3", "W-4", "W-5"], None),  # the whole backlog again
        (["W-1", "W-2", "W-3", "W-4"], None),  # W-5, done before the window, is not missed
        (["W-3", "W-4", "W-5"], "P1: 2 items done in the last 84 days (W-1, W-2) are not in this export"),
        (["W-1", "W-3", "W-4"], "P1: 1 item done in the last 84 days (W-2) is not in this export"),
    ],
)
def test_an_export_without_its_done_items_is_warned(
    seeded: Store, sent: list[str], warned: str | None
) -> None:
    """An export filtered to open items (statusCategory != Done) was accepted in silence: the
    done items left the throughput and the project went Red as a team that finished nothing."""
    last_week = WEEK - dt.timedelta(days=7)
    rows = {
        "W-1": _wi_row("W-1", "Done", "Done", "2026-11-05"),
        "W-2": _wi_row("W-2", "Done", "Done", "2026-11-10"),
        "W-3": _wi_row("W-3", "In Progress", "In Progress"),
        "W-4": _wi_row("W-4", "To Do", "To Do"),
        "W-5": _wi_row("W-5", "Done", "Done", "2026-06-01"),
    }
    before = ingest(seeded, "w1.csv", table_csv(WI_HEADER, *rows.values()), as_of=last_week)
    assert before.status == "accepted", before.report.to_text()
    outcome = check_upload(seeded, "w2.csv", table_csv(WI_HEADER, *(rows[k] for k in sent)), as_of=WEEK)
    hits = [i for i in outcome.report.issues if i.rule == "done_items_dropped"]
    if warned is None:
        assert hits == [], [i.message for i in hits]
        return
    (hit,) = hits
    assert (hit.severity, hit.row, hit.column) == ("warning", 2, "project_id") and hit.message.startswith(
        warned
    )
    assert "statusCategory != Done" in hit.message and outcome.status == VALID


@pytest.mark.parametrize(
    ("role", "team", "warned"),
    [
        ("Business Analyst", "Business Change", []),  # as the capacity names them
        ("business analyst", "Business Change", [("role", "Business Analyst")]),
        (
            "Business  Analyst ",
            "business change",
            [("role", "Business Analyst"), ("team", "Business Change")],
        ),
        ("Data Scientist", "Business Change", []),  # a role of its own: no capacity, nothing to correct
    ],
)
def test_a_role_or_team_written_another_way_than_the_capacity_is_warned(
    seeded: Store, role: str, team: str, warned: list[tuple[str, str]]
) -> None:
    """'business analyst' was a role of its own: "No capacity" in the heatmap beside the
    Business Analysts' unused hours."""
    capacity = table_csv(
        "team,role,period_start,available_hours", "Business Change,Business Analyst,2026-12-14,300"
    )
    assert ingest(seeded, "c.csv", capacity, as_of=WEEK - dt.timedelta(days=7)).status == "accepted"
    demand = table_csv(ALLOC_HEADER.replace("role,", "role,team,"), f"P1,{role},{team},2026-12-14,10,false")
    outcome = check_upload(seeded, "a.csv", demand, as_of=WEEK)
    hits = [(i.column, i.message) for i in outcome.report.issues if i.rule == "role_spelled_another_way"]
    assert [(c, m.split("'")[1]) for c, m in hits] == warned
    assert outcome.status == VALID
