"""The one-line summary of a validation report, as the CLI prints it and the Upload page
shows it: counts with their nouns in the right number."""

from __future__ import annotations

import pytest

from epmo.report import ERROR, WARNING, Issue, Report, counted


@pytest.mark.parametrize(
    ("n", "noun", "text"),
    [(0, "row", "0 rows"), (1, "row", "1 row"), (2, "error", "2 errors"), (1250, "row", "1,250 rows")],
)
def test_a_count_takes_its_noun_in_the_right_number(n: int, noun: str, text: str) -> None:
    assert counted(n, noun) == text


@pytest.mark.parametrize(
    ("severities", "rows", "line"),
    [
        ([], {"projects": 1}, "accepted: 0 errors, 0 warnings; projects: 1 row"),
        ([WARNING], {"projects": 2}, "accepted: 0 errors, 1 warning; projects: 2 rows"),
        (
            [ERROR, WARNING, WARNING],
            {"projects": 1, "allocations": 12000},
            "rejected: 1 error, 2 warnings; projects: 1 row, allocations: 12,000 rows",
        ),
        ([ERROR, ERROR], {}, "rejected: 2 errors, 0 warnings; no tables"),
    ],
)
def test_the_summary_line(severities: list[str], rows: dict[str, int], line: str) -> None:
    report = Report(row_counts=rows)
    report.extend([Issue(s, "rule", "message") for s in severities])
    assert report.summary() == line
