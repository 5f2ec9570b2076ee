"""Two mapping keys: `split` (one source column into several contract columns, split once per
target, so a name holding the separator stays whole) and `decimal` (the decimal separator
forced instead of detected)."""

from __future__ import annotations

import pytest

from epmo.ingest import REJECTED, VALID, check_upload
from epmo.mapping import Mapping
from epmo.store import Store
from tests.conftest import PROJECT_HEADER, WEEK, project_row

SPLIT = Mapping(name="split", split={"Project": {"separator": " - ", "into": ["project_id", "project_name"]}})


def _joined(*cells: str) -> bytes:
    header = PROJECT_HEADER.replace("project_id,project_name", "Project")
    rest = project_row("X").split(",", 2)[2]
    return ("\n".join([header, *(f"{c},{rest}" for c in cells)]) + "\n").encode()


@pytest.mark.parametrize(
    ("cell", "project_id", "project_name"),
    [
        ("IT-1 - Email", "IT-1", "Email"),
        ("IT-2 - Email - phase 2", "IT-2", "Email - phase 2"),  # split once: the name keeps its dash
        ("  IT-3   -   Payroll  ", "IT-3", "Payroll"),  # each part trimmed
    ],
)
def test_split_fills_each_target_from_its_part(
    store: Store, cell: str, project_id: str, project_name: str
) -> None:
    outcome = check_upload(store, "p.csv", _joined(cell), as_of=WEEK, mapping=SPLIT)
    assert outcome.status == VALID, outcome.report.to_text()
    row = outcome.tables["projects"].to_pylist()[0]
    assert (row["project_id"], row["project_name"]) == (project_id, project_name)


def test_a_missing_part_is_named_by_the_source_header_and_its_part(store: Store) -> None:
    outcome = check_upload(store, "p.csv", _joined("IT-1 - Email", "IT-4"), as_of=WEEK, mapping=SPLIT)
    assert outcome.status == REJECTED
    [issue] = outcome.report.issues
    assert (issue.rule, issue.row, issue.column, issue.cell) == (
        "required_value_missing",
        3,
        "Project (part 2)",
        "A3",
    )


@pytest.mark.parametrize(
    ("decimal", "cell", "expected"),
    [
        (",", "1.234,5", 1234.5),
        (",", "1,5", 1.5),
        (".", "1,234.5", 1234.5),
        (".", "1,5", None),  # not a number with "." as the decimal point: refused, not 15
        (None, "1,234.5", 1234.5),  # detected: a comma-delimited file has "." decimals
        (None, "1.234,5", None),
    ],
)
def test_decimal_forces_the_separator(
    store: Store, decimal: str | None, cell: str, expected: float | None
) -> None:
    data = (PROJECT_HEADER + "\n" + project_row("P1", budget_bac=f'"{cell}"') + "\n").encode()
    outcome = check_upload(store, "p.csv", data, as_of=WEEK, mapping=Mapping(name="d", decimal=decimal))
    if expected is None:
        assert outcome.status == REJECTED
        assert [(i.rule, i.value) for i in outcome.report.issues] == [("not_a_number", cell)]
    else:
        assert outcome.status == VALID, outcome.report.to_text()
        assert outcome.tables["projects"]["budget_bac"].to_pylist() == [expected]
