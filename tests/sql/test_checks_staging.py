"""Staging builds `cells` only for rows with a suspect cell (validate._suspect_expr). The
report must be exactly the one of staging every cell: for every contract column and a
table of awkward values per type, both ways give the same issues."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from epmo import contract
from epmo.mapping import Mapping, map_upload
from epmo.readers import read_upload
from epmo.report import Issue
from epmo.store import Store
from epmo.validate import run_checks, stage

COMMON = [
    "",
    "  ",
    "=SUM(A1:A3)",
    " =HYPERLINK(x)",
    "=",
    "a | b",
    "|",
    "x",
    "=+HYPERLINK(x)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1)",
    " +cmd|x",
    "\t=1",
    "-1200",
    "+44 20 7946 0958",
    "a\u200bb",
    "x\u202e",
]
BY_TYPE = {
    contract.TEXT: ["ok text", "  padded  ", "-5", "Blue"],
    contract.EMAIL: ["bob", "bob@example.org", " bob@example.org ", "a@b", "a b@c.org"],
    contract.ENUM: ["Blue", "red ", "R", "on-hold", "EXECUTION", "exec", "Must"],
    contract.DATE: [
        "2026-02-30",
        "2026-1-5",
        " 2026-01-05 ",
        "2026-01-05 10:00",
        "31/12/1989",
        "12/31/2026",
        "1899-01-01",
        "2101-01-01",
        "45000",
        "45000.5",
        "19999",
        "soon",
        "31-Mar-2026",
        "0000-01-01",
        "2026/03/31",
        "1.1.2026",
        "9999-12-31",
    ],
    contract.NUMBER: [
        "1.2m",
        "-5",
        "-0",
        "0",
        "1,5",
        "1.234,5",
        "1,234.5",
        "€1,200",
        " 12 ",
        "12 %",
        "1e3",
        "-1e999",
        "nan",
        "inf",
        "3.5",
        "101",
        "1000000000000000000",
        "+7",
        ".5",
        "5.",
    ],
    contract.INTEGER: ["3", "3.0", "3.5", "-1", "4", "13", "20", "21", "0", "1,000", "9e15", "x1"],
    contract.BOOLEAN: ["true", "false", "TRUE", " yes ", "Y", "0", "1", "x", "maybe", "tru"],
}


def _csv(rows: list[dict[str, str]], columns: list[str]) -> bytes:
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r[c] for c in columns])
    return buf.getvalue().encode()


def awkward_upload() -> bytes:
    """One ZIP: per table, the example row, then one row per column and awkward value."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for t in contract.TABLES:
            base = {c.name: c.example for c in t.columns}
            rows = [dict(base), dict(base)]  # a duplicate key too
            for c in t.columns:
                for v in COMMON + BY_TYPE[c.type]:
                    rows.append(base | {c.name: v})
            z.writestr(f"{t.name}.csv", _csv(rows, t.column_names))
    return buf.getvalue()


def _issues(store: Store, data: bytes, every_cell: bool, dayfirst: bool) -> list[Issue]:
    sheets = read_upload("awkward.zip", data)
    mapped, _ = map_upload(sheets, Mapping(), dayfirst)
    con = store.connect()
    try:
        staged = stage(con, mapped, every_cell=every_cell)
        return run_checks(staged, dt.date(2026, 11, 20), mapped)
    finally:
        con.close()


@pytest.mark.parametrize("dayfirst", [True, False])
def test_suspect_rows_give_the_same_report_as_every_cell(store: Store, dayfirst: bool) -> None:
    data = awkward_upload()
    fast = _issues(store, data, every_cell=False, dayfirst=dayfirst)
    full = _issues(store, data, every_cell=True, dayfirst=dayfirst)
    assert not any(i.rule == "too_many_problems" for i in full)
    rules = {i.rule for i in full}
    # the awkward values break every cell rule, so the comparison covers them all
    assert rules >= {
        "required_value_missing",
        "formula_in_cell",
        "email_malformed",
        "value_not_allowed",
        "not_a_date",
        "date_out_of_range",
        "not_a_number",
        "number_out_of_range",
        "not_a_whole_number",
        "number_not_on_scale",
        "not_a_boolean",
        "duplicate_key",
    }
    assert sorted(map(repr, fast)) == sorted(map(repr, full))


def test_semicolon_file_with_decimal_commas(store: Store) -> None:
    """Decimal-comma files take the other number branches; still the same report."""
    t = contract.table("allocations")
    base = {c.name: c.example for c in t.columns}
    values = ["1.234,5", "12,5", "1.234", "1,234.5", "12.5", "-3", "abc", "", "1.2.3"]
    rows = [base | {"hours": v, "role": f"R{i}"} for i, v in enumerate(values)]
    for i in range(30):  # enough "12,5" values that the file is read as decimal-comma
        rows.append(base | {"hours": "12,5", "role": f"S{i}"})
    text = _csv(rows, t.column_names).decode().replace(",", ";")
    # the csv writer quoted nothing with commas inside, so restore the decimal commas
    text = text.replace("12;5", "12,5").replace("1.234;5", "1.234,5").replace("1;234.5", "1,234.5")
    data = text.encode()
    sheets = read_upload("allocations.csv", data)
    assert sheets[0].decimal_comma
    results = []
    for every_cell in (False, True):
        mapped, _ = map_upload(sheets, Mapping(), True)
        con = store.connect()
        try:
            results.append(
                run_checks(stage(con, mapped, every_cell=every_cell), dt.date(2026, 11, 20), mapped)
            )
        finally:
            con.close()
    assert {i.rule for i in results[1]} >= {"not_a_number", "number_out_of_range", "required_value_missing"}
    assert sorted(map(repr, results[0])) == sorted(map(repr, results[1]))


@pytest.mark.parametrize(
    ("roles", "expected_rows"),
    [
        (["Dev", "Dev", "Test", "Dev"], [3, 5]),  # repeats of row 2's key
        (["Dev", "Test", "BA"], []),
        (["a | b", "a | b"], [3]),
    ],
)
def test_duplicate_key_candidates(store: Store, roles: list[str], expected_rows: list[int]) -> None:
    t = contract.table("allocations")
    base = {c.name: c.example for c in t.columns}
    data = _csv([base | {"role": r} for r in roles], t.column_names)
    issues = _issues_of(store, "allocations.csv", data)
    assert sorted(i.row or 0 for i in issues if i.rule == "duplicate_key") == expected_rows


def test_duplicate_key_text_with_separator_in_values(store: Store) -> None:
    """Keys are compared as key_text ('a | b' joins columns), as they always were: two rows
    whose different values join to the same text are still reported."""
    t = contract.table("allocations")
    base = {c.name: c.example for c in t.columns}
    rows = [base | {"role": "x | y", "team": "z"}, base | {"role": "x", "team": "y | z"}]
    issues = _issues_of(store, "allocations.csv", _csv(rows, t.column_names))
    assert [(i.rule, i.row) for i in issues if i.rule == "duplicate_key"] == [("duplicate_key", 3)]


def _issues_of(store: Store, name: str, data: bytes) -> list[Issue]:
    sheets = read_upload(name, data)
    mapped, _ = map_upload(sheets, Mapping(), True)
    con = store.connect()
    try:
        return run_checks(stage(con, mapped), dt.date(2026, 11, 20), mapped)
    finally:
        con.close()
