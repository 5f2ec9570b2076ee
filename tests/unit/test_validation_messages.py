"""Validation a project manager can act on in one round trip (issue 15), table-driven:
each case is a file, and the issues its report must hold (rule, severity, the person's own
header, cell, words)."""

from __future__ import annotations

import datetime as dt

import pytest

from epmo.ingest import check_upload
from epmo.store import Store
from tests.conftest import PROJECT_HEADER, project_row, projects_csv

WEEK = dt.date(2026, 11, 20)
HEADER = PROJECT_HEADER.split(",")


def _renamed(**renames: str) -> str:
    return ",".join(renames.get(h, h) for h in HEADER)


def _without(column: str, text: bytes) -> bytes:
    """The CSV without one column (header and values)."""
    lines = text.decode().strip().split("\n")
    j = lines[0].split(",").index(column)
    return (
        "\n".join(",".join(v for k, v in enumerate(line.split(",")) if k != j) for line in lines) + "\n"
    ).encode()


# (case, file name, bytes, [(rule, severity, column, cell, words)], whether the upload is valid)
CASES = [
    (
        "blank_first_line",
        "projects.csv",
        b"\n" + projects_csv(project_row("P1")),
        [("rows_skipped", "warning", "", "", "1 blank line above the header row (line 2)")],
        True,
    ),
    (
        "title_rows_above_header",
        "projects.csv",
        b"Weekly projects export\nGenerated 20/11/2026\n\n" + projects_csv(project_row("P1")),
        [("rows_skipped", "warning", "", "", "2 title lines ('Weekly projects export')")],
        True,
    ),
    (
        "missing_column_still_checks_every_cell",
        "weekly_export.csv",
        _without(
            "stage",
            projects_csv(project_row("P1", budget_bac="lots"), project_row("P2", start_date="31/02/2026")),
        ),
        [
            (
                "missing_column",
                "error",
                "stage",
                "",
                "This looks like projects (10 of 11 required columns found), but required column 'stage' is missing",
            ),
            ("not_a_number", "error", "budget_bac", "H2", ""),  # column I before stage was removed
            ("not_a_date", "error", "start_date", "E3", ""),
        ],
        False,
    ),
    (
        "users_own_header_and_cell",
        "projects.csv",
        (
            _renamed(budget_bac="Budget", project_manager="PM Email")
            + "\n"
            + project_row("P1", budget_bac="n/a")
            + "\n"
        ).encode(),
        [("not_a_number", "error", "Budget", "I2", "")],
        False,
    ),
    (
        "date_reads_both_ways",
        "projects.csv",
        projects_csv(project_row("P1", start_date="03/11/2025", baseline_end_date="2026-12-31")),
        [
            (
                "date_ambiguous",
                "warning",
                "start_date",
                "F2",
                "Read day first as 3 November 2025; month and day could be swapped (11 March 2025)",
            )
        ],
        True,
    ),
    (
        "month_first_date_says_the_order_used",
        "projects.csv",
        projects_csv(project_row("P1", forecast_end_date="12/18/2026")),
        [
            (
                "not_a_date",
                "error",
                "forecast_end_date",
                "H2",
                "Not a date when read day first (dd/mm/yyyy), the order used for this file; read month first it would be 18 December 2026",
            )
        ],
        False,
    ),
    (
        "two_digit_years_say_the_date_meant",
        "projects.csv",
        projects_csv(project_row("P1", start_date="09-Oct-26", forecast_end_date="15/01/27")),
        [
            (
                "not_a_date",
                "error",
                "start_date",
                "F2",
                "The year has two digits, so its century is not known. If you meant 9 October 2026, "
                "write 2026-10-09",
            ),
            (
                "not_a_date",
                "error",
                "forecast_end_date",
                "H2",
                "If you meant 15 January 2027, write 2027-01-15",
            ),
        ],
        False,
    ),
    (
        "two_digit_year_that_is_no_date_either",
        "projects.csv",
        projects_csv(project_row("P1", start_date="31/02/26")),
        [("not_a_date", "error", "start_date", "F2", "Not a valid date. Use YYYY-MM-DD")],
        False,
    ),
    (
        "unknown_header_that_begins_like_a_missing_column",
        "projects.csv",
        (
            _renamed(forecast_end_date="Forecast end date (if moved)") + "\n" + project_row("P1") + "\n"
        ).encode(),
        [
            (
                "unknown_column",
                "warning",
                "Forecast end date (if moved)",
                "H1",
                "It looks like forecast_end_date, which this file does not have: rename the header to "
                "forecast_end_date",
            )
        ],
        False,
    ),
    (
        "unknown_header_spelt_almost_like_a_missing_column",
        "projects.csv",
        (_renamed(forecast_end_date="Forcast end date") + "\n" + project_row("P1") + "\n").encode(),
        [("unknown_column", "warning", "Forcast end date", "H1", "It looks like forecast_end_date")],
        False,
    ),
    (
        "unknown_header_like_nothing_gets_no_guess",
        "projects.csv",
        (PROJECT_HEADER + ",Sponsor's favourite colour\n" + project_row("P1") + ",blue\n").encode(),
        [("unknown_column", "warning", "Sponsor's favourite colour", "", "Rename it to a template header")],
        True,
    ),
    (
        "optional_score_off_scale_is_a_warning",
        "projects.csv",
        (PROJECT_HEADER + ",business_value\n" + project_row("P1") + ",4\n").encode(),
        [("number_not_on_scale", "warning", "business_value", "L2", "optional: stored as given")],
        True,
    ),
    (
        "footer_below_the_table",
        "projects.csv",
        projects_csv(project_row("P1")) + b"Generated at 20/11/2026 17:02 using JIRA 7.2\n\n",
        [
            (
                "rows_skipped",
                "warning",
                "",
                "",
                "1 footer line ('Generated at 20/11/2026 17:02 using JIRA 7.2') below the table",
            )
        ],
        True,
    ),
    (
        "nearly_no_table",
        "export.csv",
        b"Ref,Title,Owner\nA,B,C\n",
        [("unknown_sheet", "warning", "", "", "fewer than half of any table's required columns")],
        False,
    ),
]


@pytest.mark.parametrize(("case", "name", "data", "expected", "valid"), CASES, ids=[c[0] for c in CASES])
def test_validation_messages(
    store: Store,
    case: str,
    name: str,
    data: bytes,
    expected: list[tuple[str, str, str, str, str]],
    valid: bool,
) -> None:
    outcome = check_upload(store, name, data, as_of=WEEK)
    report = outcome.report
    assert report.ok is valid, report.to_text(limit=30)
    for rule, severity, column, cell, words in expected:
        hits = [i for i in report.issues if i.rule == rule and (not column or i.column == column)]
        assert hits, f"{case}: no {rule} on {column!r}\n" + report.to_text(limit=30)
        issue = hits[0]
        assert issue.severity == severity
        if cell:
            assert issue.cell == cell, issue
        assert words in issue.message, issue.message
