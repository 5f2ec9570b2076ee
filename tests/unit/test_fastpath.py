"""The typed fast path of staging (epmo/fastpath.py): a column whose every cell is in its
type's plain form is typed on the Arrow buffers; one cell in any other form sends that
column (only that column) back to the lenient macros. Either way the typed values, the
report (messages, rows, headers, cells) and the rejections are the ones of the lenient
path, which `stage(..., fast=False)` still runs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pyarrow as pa
import pytest

from epmo import contract, fastpath, sql
from epmo.mapping import Mapping, map_upload
from epmo.readers import read_upload
from epmo.report import Issue
from epmo.store import Store
from epmo.validate import run_checks, stage, typed_tables

# (case, table, column, cells, decimal comma, takes the fast path)
VALUES = [
    ("plain numbers", "allocations", "hours", ["12", "-3.5", ".5", "+4", "5.", "0001.50", ""], False, True),
    ("thousands separator", "allocations", "hours", ["12", "1,234.50"], False, False),
    ("currency sign", "allocations", "hours", ["12", "€12"], False, False),
    ("padded number", "allocations", "hours", ["12", " 12"], False, False),
    ("spaces only", "allocations", "hours", ["12", "  "], False, False),
    ("exponent", "allocations", "hours", ["1e3"], False, False),
    ("nan", "allocations", "hours", ["nan"], False, False),
    ("a sign alone", "allocations", "hours", ["-"], False, False),
    ("too many digits for a double", "allocations", "hours", ["9" * 400], False, False),
    ("decimal comma file, whole numbers", "allocations", "hours", ["12", "-3", ""], True, True),
    ("decimal comma file, a dot", "allocations", "hours", ["12", "1.234"], True, False),
    ("integer column", "raid", "probability", ["3", "3.5", "9", ""], False, True),
    ("ISO dates", "allocations", "period_start", ["2026-03-12", "1999-12-31", "1989-01-01", ""], False, True),
    ("day/month date", "allocations", "period_start", ["2026-03-12", "12/03/2026"], False, False),
    ("no such day", "allocations", "period_start", ["2026-02-30"], False, False),
    ("unpadded ISO", "allocations", "period_start", ["2026-3-5"], False, False),
    ("year before 1000", "allocations", "period_start", ["0999-01-01"], False, False),
    ("date with a time", "allocations", "period_start", ["2026-03-12 10:00"], False, False),
    ("true/false", "allocations", "is_tentative", ["true", "false", ""], False, True),
    ("yes", "allocations", "is_tentative", ["true", "yes"], False, False),
    ("upper case", "allocations", "is_tentative", ["TRUE"], False, False),
    ("plain text", "allocations", "role", ["Dev", "a | b", "x", ""], False, True),
    ("leading minus", "allocations", "role", ["-5"], False, False),
    ("padded text", "allocations", "role", ["Dev", " Dev"], False, False),
    ("trailing tab", "allocations", "role", ["Dev\t"], False, False),
    ("formula", "allocations", "role", ["=SUM(1)"], False, False),
    ("accented", "allocations", "resource_name", ["Zoë"], False, False),
    ("zero-width space", "allocations", "project_id", ["a\u200bb"], False, False),
    ("emails", "projects", "project_manager", ["pm@example.org", "bob"], False, True),
    ("enum spellings", "projects", "rag_overall", ["Red", "Green", ""], False, True),
    ("enum, other case", "projects", "rag_overall", ["Red", "red"], False, False),
    ("enum alias", "projects", "rag_overall", ["R"], False, False),
    ("enum, not allowed", "projects", "stage", ["Blue"], False, False),
]


def _lenient(t: contract.Table, c: contract.Column, cells: list[str], dec_comma: bool) -> list[object]:
    """What the lenient macros make of the cells (the staging of every column before)."""
    from epmo.validate import _typed_expr

    con = sql.connect()
    try:
        con.register("cells", pa.table({"v": pa.array(cells, pa.string())}))
        expr = _typed_expr(t, c, "v")
        rows = con.execute(
            f"SELECT {expr} FROM (SELECT v, ? AS _dec_comma, TRUE AS _dayfirst FROM cells)",  # noqa: S608 (the contract's macro)
            [dec_comma],
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


@pytest.mark.parametrize(
    ("table", "column", "cells", "dec_comma", "fast"), [v[1:] for v in VALUES], ids=[v[0] for v in VALUES]
)
def test_a_column_takes_the_fast_path_only_when_it_gives_the_macros_values(
    table: str, column: str, cells: list[str], dec_comma: bool, fast: bool
) -> None:
    t = contract.table(table)
    c = next(c for c in t.columns if c.name == column)
    typed = fastpath.typed_column(t, c, [(pa.array(cells, pa.string()), dec_comma)])
    assert (typed is not None) == fast
    if typed is None:
        return
    expected = _lenient(t, c, cells, dec_comma)
    if isinstance(typed, pa.Array):
        assert typed.to_pylist() == expected
    else:  # text and enums: the cell itself, blank -> NULL
        assert [v or None for v in cells] == expected


# ------------------------------------------------------------------ whole uploads

HEADERS = ["Project ID", "Role", "Team", "Resource", "Week", "Hours", "Tentative"]
COLUMNS = ["project_id", "role", "team", "resource_name", "period_start", "hours", "is_tentative"]
ALL = set(COLUMNS)


def _rows(n: int = 6) -> list[dict[str, str]]:
    return [
        {
            "project_id": "PRJ-0042",
            "role": f"Role {i}",
            "team": "Digital Delivery",
            "resource_name": "Priya Patel",
            "period_start": f"2026-04-{6 + i:02d}",
            "hours": f"{20 + i}.5",
            "is_tentative": "true" if i % 2 else "false",
        }
        for i in range(n)
    ]


def _csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADERS)
    for r in rows:
        w.writerow([r[c] for c in COLUMNS])
    return buf.getvalue().encode()


def _with(cells: dict[tuple[int, str], str]) -> bytes:
    rows = _rows()
    for (i, col), v in cells.items():
        rows[i][col] = v
    return _csv(rows)


def _zip(*members: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k, data in enumerate(members):
            z.writestr(f"allocations_{k}.csv", data)
    return buf.getvalue()


def _stage(
    store: Store, name: str, data: bytes, fast: bool
) -> tuple[list[Issue], pa.Table, dict[str, list[str]]]:
    sheets = read_upload(name, data)
    mapped, _ = map_upload(sheets, Mapping(), True)
    con = store.connect()
    try:
        staged = stage(con, mapped, fast=fast)
        issues = run_checks(staged, dt.date(2026, 11, 20), mapped)
        table = typed_tables(staged)["allocations"]
        # every column: two files of a ZIP have the same row numbers, whose order is DuckDB's
        table = table.sort_by([(c, "ascending") for c in table.column_names])
        return issues, table, staged.fast
    finally:
        con.close()


# (case, file name, bytes, columns on the fast path, issues expected: (rule, row, header, value))
UPLOADS = [
    ("clean", "a.csv", _csv(_rows()), ALL, []),
    ("thousands separator", "a.csv", _with({(1, "hours"): "1,234.50"}), ALL - {"hours"}, []),
    ("currency sign", "a.csv", _with({(2, "hours"): "€12"}), ALL - {"hours"}, []),
    (
        "day/month date",
        "a.csv",
        _with({(3, "period_start"): "12/03/2026"}),
        ALL - {"period_start"},
        [("date_ambiguous", 5, "Week", "12/03/2026")],
    ),
    ("yes", "a.csv", _with({(0, "is_tentative"): "yes"}), ALL - {"is_tentative"}, []),
    (
        "bad number in a fast column",
        "a.csv",
        _with({(1, "hours"): "-5"}),
        ALL,
        [("number_out_of_range", 3, "Hours", "-5")],
    ),
    (
        "old date in a fast column",
        "a.csv",
        _with({(4, "period_start"): "1989-01-01"}),
        ALL,
        [("date_out_of_range", 6, "Week", "1989-01-01")],
    ),
    (
        "blank required cell in a fast column",
        "a.csv",
        _with({(2, "project_id"): ""}),
        ALL,
        [("required_value_missing", 4, "Project ID", "")],
    ),
    (
        "not a date, column falls back",
        "a.csv",
        _with({(0, "period_start"): "2026-02-30"}),
        ALL - {"period_start"},
        [("not_a_date", 2, "Week", "2026-02-30")],
    ),
    (
        "not a number, column falls back",
        "a.csv",
        _with({(5, "hours"): "lots"}),
        ALL - {"hours"},
        [("not_a_number", 7, "Hours", "lots")],
    ),
    (
        "mixed: some columns fast, others not",
        "a.csv",
        _with({(1, "hours"): "1,234.50", (2, "is_tentative"): "yes", (3, "role"): "=cmd", (4, "team"): "x"}),
        {"project_id", "team", "resource_name", "period_start"},
        [("formula_in_cell", 5, "Role", "=cmd")],
    ),
    (
        "two files, one clean: per column, not per file",
        "two.zip",
        _zip(_csv(_rows()), _with({(0, "hours"): "€12"})),
        ALL - {"hours"},
        [],
    ),
]


@pytest.mark.parametrize(
    ("name", "data", "fast_columns", "expected"), [u[1:] for u in UPLOADS], ids=[u[0] for u in UPLOADS]
)
def test_upload_report_and_rows_are_the_lenient_paths(
    store: Store, name: str, data: bytes, fast_columns: set[str], expected: list[tuple[str, int, str, str]]
) -> None:
    issues, table, fast = _stage(store, name, data, fast=True)
    lenient_issues, lenient_table, none = _stage(store, name, data, fast=False)
    assert set(fast["allocations"]) == fast_columns
    assert none == {"allocations": []}
    assert sorted(map(repr, issues)) == sorted(map(repr, lenient_issues))
    assert table.equals(lenient_table)
    assert table.schema == lenient_table.schema
    cell_rules = {rule for rule, *_ in expected} | {"required_value_missing", "number_out_of_range"}
    got = [(i.rule, i.row, i.column, i.value) for i in issues if i.rule in cell_rules]
    assert got == expected
    for i in issues:
        if i.rule in cell_rules:
            letter = "ABCDEFG"[HEADERS.index(i.column)]
            assert i.cell == f"{letter}{i.row}"


def test_workbook_with_real_types_takes_the_fast_path(store: Store) -> None:
    """Excel's own numbers, dates and booleans come out of the reader in the plain forms."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("allocations")
    fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_row(0, 0, HEADERS)
    for i, r in enumerate(_rows(), start=1):
        ws.write_row(i, 0, [r["project_id"], r["role"], r["team"], r["resource_name"]])
        ws.write_datetime(i, 4, dt.datetime.fromisoformat(r["period_start"]), fmt)
        ws.write_number(i, 5, float(r["hours"]))
        ws.write_boolean(i, 6, r["is_tentative"] == "true")
    wb.close()
    issues, table, fast = _stage(store, "a.xlsx", buf.getvalue(), fast=True)
    lenient_issues, lenient_table, _ = _stage(store, "a.xlsx", buf.getvalue(), fast=False)
    assert set(fast["allocations"]) == ALL
    assert sorted(map(repr, issues)) == sorted(map(repr, lenient_issues))
    assert table.equals(lenient_table)
    assert table["hours"].to_pylist() == [20.5, 21.5, 22.5, 23.5, 24.5, 25.5]


def test_an_absent_table_has_the_lenient_projections_types(monkeypatch: pytest.MonkeyPatch) -> None:
    """A table the upload does not carry is staged on the fast path (nothing to parse) and
    its column types are remembered for later uploads: they must be the lenient
    projection's, column by column, for every table."""
    from epmo import validate

    described = []
    for fast in (True, False):
        monkeypatch.setattr(validate, "_EMPTY_CHECKED", {})  # nothing learnt yet
        con = sql.connect()
        try:
            stage(con, [], fast=fast)
            described.append(
                {t.name: con.execute(f"DESCRIBE checked_{t.name}").fetchall() for t in contract.TABLES}  # noqa: S608 (contract names)
            )
        finally:
            con.close()
    assert described[0] == described[1]


def _allocation_rows(case: tuple[object, ...]) -> int:
    mapped, _ = map_upload(read_upload(str(case[1]), case[2]), Mapping(), True)  # type: ignore[arg-type]
    return sum(m.data.num_rows for m in mapped if m.table == "allocations")


def _kind(con: object, name: str) -> str:
    rows = con.execute(  # type: ignore[attr-defined]
        "SELECT table_type FROM information_schema.tables WHERE table_catalog = 'temp' AND table_name = ?",
        [name],
    ).fetchall()
    return str(rows[0][0]) if rows else ""


@pytest.mark.parametrize("past", [-1, 0, 1], ids=["below VIEW_ROWS", "at VIEW_ROWS", "above VIEW_ROWS"])
def test_an_all_fast_table_is_a_view_over_the_upload_and_stages_again_on_one_connection(
    store: Store, monkeypatch: pytest.MonkeyPatch, past: int
) -> None:
    """When every column of a table took the fast path and it has at least VIEW_ROWS rows,
    checked_<table> is a view over the staged Arrow rows (nothing copied into DuckDB); with
    one lenient column, or fewer rows, it is a table. One connection staging uploads of
    these kinds, one after the other, reports each as a connection of its own does."""
    clean, mixed = UPLOADS[0], UPLOADS[10]
    assert clean[0] == "clean" and mixed[0].startswith("mixed")
    rows = _allocation_rows(clean)
    assert rows > 1 and _allocation_rows(UPLOADS[5]) == rows
    monkeypatch.setattr("epmo.validate.VIEW_ROWS", rows - past)
    fast = "VIEW" if past >= 0 else "LOCAL TEMPORARY"
    con = store.connect()
    try:
        for case, expect_kind in (
            (clean, fast),
            (mixed, "LOCAL TEMPORARY"),
            (clean, fast),
            (UPLOADS[5], fast),
        ):
            _case, name, data, _fast, _expected = case
            mapped, _ = map_upload(read_upload(name, data), Mapping(), True)
            staged = stage(con, mapped)
            assert _kind(con, "checked_allocations") == expect_kind, case[0]
            issues = run_checks(staged, dt.date(2026, 11, 20), mapped)
            table = typed_tables(staged)["allocations"]
            alone_issues, alone_table, _ = _stage(store, name, data, fast=True)
            assert sorted(map(repr, issues)) == sorted(map(repr, alone_issues)), case[0]
            assert table.sort_by([(c, "ascending") for c in table.column_names]).equals(alone_table), case[0]
    finally:
        con.close()
