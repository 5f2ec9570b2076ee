"""Validation in DuckDB: stage an upload, run every rule in queries/checks/, type the rows.

Staging relations (visible to the check queries):
    cells                 one row per uploaded cell that some rule could fail (every cell of
                          a row with a suspect cell, see _suspect_expr): table_name,
                          column_name, _row, _file, _sheet, _dec_comma, _dayfirst, raw
    checked_<table>       the upload's text cells (one column per contract column, read
                          from the mapped Arrow tables) parsed once by the macros in
                          queries/macros/, plus _suspect (a cell rule could fail in this
                          row) and _pos (the row's position in the staged Arrow table)
    typed_<table>         checked_<table> without _pos and _suspect (a view)
    row_keys              the unique key as text of each row whose key may repeat (hash
                          prefilter, see _row_keys_select; for duplicate_key)
    contract_columns, contract_scales, enum_values   the contract as reference tables
plus the store's raw_* tables and as-of macros, for checks against what is stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from epmo import contract, fastpath, sql
from epmo.mapping import MappedSheet, display_value
from epmo.report import Issue, Report
from epmo.settings import current

TEXT_TYPES = (contract.TEXT, contract.EMAIL, contract.ENUM)
META_TYPES = {
    "_row": pa.int64(),
    "_file": pa.string(),
    "_sheet": pa.string(),
    "_dec_comma": pa.bool_(),
    "_dayfirst": pa.bool_(),
}


def fast_name(column: str) -> str:
    """The stg_<table> column holding a fast-path column's typed values (epmo/fastpath.py)."""
    return "_fast_" + column


def _fast_ident(column: str) -> str:
    """fast_name(column) quoted; the column is checked against the allow-list first."""
    return '"' + fast_name("") + sql.ident(column)[1:]


def _stage_table(name: str, sheets: list[MappedSheet], fast: bool = True) -> tuple[pa.Table, list[str]]:
    """The upload's rows of one table as text (stg_<table>), plus, for each column that
    takes the typed fast path (epmo/fastpath.py), its typed values in _fast_<column>; and
    the names of those columns."""
    t = contract.table(name)
    schema = pa.schema([(c, pa.string()) for c in t.column_names] + list(META_TYPES.items()))
    parts = []
    for s in sheets:
        n = s.data.num_rows
        arrays = [
            s.data[f.name].cast(f.type) if f.name in s.data.column_names else pa.nulls(n, f.type)
            for f in schema
        ]
        parts.append(pa.Table.from_arrays(arrays, schema=schema))
    staged = pa.concat_tables(parts) if parts else schema.empty_table()
    staged = staged.append_column("_pos", pa.array(np.arange(staged.num_rows, dtype=np.int64)))
    taken: list[str] = []
    if fast and not sheets:  # no rows: every column is trivially plain, and planning the
        for c in t.columns:  # macros for an empty table costs ~0.1 CPU s a table
            if c.type in fastpath.TYPED:
                staged = staged.append_column(fast_name(c.name), pa.array([], fastpath.arrow_type(c)))
        return staged, list(t.column_names)
    for c in t.columns if fast else ():
        # a column no sheet carries is all blank: plain, so typed here too (its lenient
        # macros and suspect terms cost ~0.04 s of planning in every small upload)
        pieces = [
            (
                s.data[c.name] if c.name in s.data.column_names else pa.nulls(s.data.num_rows, pa.string()),
                bool(s.data["_dec_comma"][0].as_py()) if s.data.num_rows else False,
            )
            for s in sheets
        ]
        typed = fastpath.typed_column(t, c, pieces)
        if typed is None:
            continue
        taken.append(c.name)
        if isinstance(typed, pa.Array):
            staged = staged.append_column(fast_name(c.name), typed)
    return staged, taken


def _holds(sheets: list[MappedSheet], column: str, char: str) -> bool:
    """Whether any cell of `column` in the sheets holds the ASCII character `char` (one
    look at the column's bytes: in UTF-8 an ASCII byte is never part of another character)."""
    byte = ord(char)
    for s in sheets:
        if column not in s.data.column_names:
            continue
        for chunk in s.data[column].chunks:
            data, starts, lengths = fastpath._parts(chunk)
            if len(starts) and (data[int(starts[0]) : int(starts[-1] + lengths[-1])] == byte).any():
                return True
    return False


def _row_keys_select(t: contract.Table, sheets: list[MappedSheet] | None = None) -> str:
    """The key text of each row whose key may repeat another row's (for duplicate_key).

    Only rows whose typed key, hashed, repeats, or whose text key holds a '|' (the
    separator of key_text, so two different keys could join to the same text) can share
    a key_text; the text is built for those rows only, not for every row of the upload.
    With the upload's `sheets` of the table, the '|' test is left out for the columns in
    which no cell holds one (a test of every row's text, 0.04 s of a 1M-row upload).
    """
    key = ", ".join(sql.ident(k) for k in t.unique_key)
    parts = ", ".join(f"coalesce(CAST({sql.ident(k)} AS VARCHAR), '')" for k in t.unique_key)
    texts = [
        sql.ident(c.name)
        for c in t.columns
        if c.name in t.unique_key and c.type in TEXT_TYPES and (sheets is None or _holds(sheets, c.name, "|"))
    ]
    pipe = " OR ".join(f"contains({k}, '|')" for k in texts) or "FALSE"
    typed = sql.ident("typed_" + t.name)
    return (
        f"SELECT {sql.literal(t.name)} AS table_name, _file, _sheet, _row, "  # noqa: S608 (allow-listed identifiers)
        f"{sql.literal(', '.join(t.unique_key))} AS key_columns, "
        f"concat_ws(' | ', {parts}) AS key_text FROM {typed} "
        f"WHERE {pipe} OR hash({key}) IN (SELECT hash({key}) FROM {typed} GROUP BY ALL HAVING count(*) > 1)"
    )


@dataclass
class Staged:
    con: duckdb.DuckDBPyConnection
    tables: list[str]  # contract tables present in the upload
    # table -> its columns typed on the fast path (epmo/fastpath.py); the other columns of
    # the upload went through the lenient macros
    fast: dict[str, list[str]] = field(default_factory=dict)


def _typed_expr(t: contract.Table, c: contract.Column, raw: str) -> str:
    """The typed value of one column (integers: the number; _checked_select makes it whole)."""
    if c.type in (contract.TEXT, contract.EMAIL):
        return f"epmo_text({raw})"
    if c.type in (contract.NUMBER, contract.INTEGER):
        return f"epmo_number({raw}, _dec_comma)"
    if c.type == contract.DATE:
        return f"epmo_date({raw}, _dayfirst)"
    if c.type == contract.BOOLEAN:
        return f"epmo_bool({raw})"
    if c.type == contract.ENUM:
        return f"epmo_enum({raw}, {sql.literal(t.name)}, {sql.literal(c.name)})"
    raise ValueError(c.type)  # pragma: no cover - the contract only uses the types above


def _contract_value(t: contract.Table, c: contract.Column, field: str) -> str:
    """A scalar subquery reading one column's limit from the contract reference table."""
    return (
        f"(SELECT {field} FROM contract_columns WHERE table_name = {sql.literal(t.name)} "  # noqa: S608 (allow-listed identifiers)
        f"AND column_name = {sql.literal(c.name)})"
    )


def _suspect_expr(t: contract.Table, c: contract.Column, raw: str, v: str, fast: bool = False) -> str:
    """TRUE whenever any cell rule of queries/checks/ could fail this cell (a superset).

    raw is the uploaded text, v the inner typed value (numbers before being made whole).
    Each term calls the same predicate macro (queries/macros/) on the same typed value as
    its check in queries/checks/ (epmo_formula, epmo_email_ok, epmo_date_plausible,
    epmo_date_ambiguous): no rule is written twice (tests/unit/test_validation_predicates.py).
    Only rows with a suspect cell get into `cells`, so every rule that reads `cells` must
    fail only where this is TRUE (tests/sql/test_checks_staging.py compares the reports
    with and without this filter).

    fast: the column took the typed fast path (epmo/fastpath.py), so its blanks are exactly
    its NULLs and the terms that the plain form rules out are left out: the blank test of
    optional columns, formula_in_cell and invisible_character (plain ASCII text, no
    formula start) and date_ambiguous (ISO dates).
    """
    # Every macro gives NULL for a blank cell, so `v IS NULL` covers required_value_missing
    # and, for the other types, not_a_date / not_a_number / not_a_boolean /
    # value_not_allowed. Optional columns only need the non-blank NULLs (tested first:
    # the cheap test on the typed value spares the trim on nearly every row).
    terms = []
    if c.required:
        terms.append(f"{v} IS NULL")
    elif c.type not in (contract.TEXT, contract.EMAIL) and not fast:
        terms.append(f"({v} IS NULL AND trim(coalesce({raw}, '')) <> '')")
    if c.type in (contract.TEXT, contract.EMAIL):
        # formula_in_cell: v is the text trimmed of spaces, which epmo_formula ignores
        if not fast:
            terms.append(f"epmo_formula({v})")
        if c.type == contract.EMAIL:  # email_malformed
            terms.append(f"NOT epmo_email_ok({v})")
    if c.name in t.identifier_columns and not fast:  # invisible_character
        terms.append(f"epmo_invisible({v})")
    if c.type == contract.DATE:  # date_out_of_range, date_ambiguous
        terms.append(f"NOT epmo_date_plausible({v})")
        if not fast:
            terms.append(f"epmo_date_ambiguous({raw})")
    if c.type in (contract.NUMBER, contract.INTEGER):  # number_out_of_range
        if c.minimum is not None:
            terms.append(f"{v} < {_contract_value(t, c, 'minimum')}")
        if c.maximum is not None:
            terms.append(f"{v} > {_contract_value(t, c, 'maximum')}")
    if c.type == contract.INTEGER:  # not_a_whole_number
        terms.append(f"({v} IS NOT NULL AND epmo_whole({v}) IS NULL)")
        if c.allowed_numbers:  # number_not_on_scale
            scale = (
                "coalesce((SELECT list(n) FROM contract_scales WHERE "  # noqa: S608 (allow-listed identifiers)
                f"table_name = {sql.literal(t.name)} AND column_name = {sql.literal(c.name)}), [])"
            )
            terms.append(f"NOT list_contains({scale}, epmo_whole({v}))")
    return "(" + (" OR ".join(terms) or "FALSE") + ")"


_SQL_TYPES = {contract.BOOLEAN: "BOOLEAN", contract.NUMBER: "DOUBLE", contract.DATE: "DATE"}


def checked_select(t: contract.Table, fast: frozenset[str] | set[str] = frozenset()) -> str:
    """One pass over stg_<table>: every column typed once, plus _suspect (see _suspect_expr)
    and _pos (the stg row) to pick the suspect rows' cells. The raw text travels along (in
    the struct _raw) only for the optional non-text columns, whose blanks _suspect tests.
    The columns in `fast` took the typed fast path: numbers, dates and booleans are read
    from stg's _fast_<column>, text and enums are the cell itself (blank -> NULL)."""
    inner = ["s._pos", "s._row", "s._file", "s._sheet"]
    outer = ["_pos", "_row", "_file", "_sheet"]
    raws, suspects = [], []
    for c in t.columns:
        q = sql.ident(c.name)
        if c.name not in fast:
            typed = _typed_expr(t, c, "s." + q)
        elif c.type in fastpath.TYPED:
            typed = "s." + _fast_ident(c.name)
        else:
            typed = f"NULLIF(s.{q}, '')"
        inner.append(f"{typed} AS {q}")
        if c.blank_means:  # a blank with a meaning is stored, and keyed, as that value
            outer.append(f"coalesce({q}, CAST({sql.literal(c.blank_means)} AS {_SQL_TYPES[c.type]})) AS {q}")
        else:
            outer.append(f"epmo_whole({q}) AS {q}" if c.type == contract.INTEGER else q)
        if c.name not in fast and (
            c.type == contract.DATE or (not c.required and c.type not in (contract.TEXT, contract.EMAIL))
        ):
            raws.append(f"{q} := s.{q}")
        suspects.append(_suspect_expr(t, c, f"_raw.{q}", q, fast=c.name in fast))
    if raws:
        inner.append(f"struct_pack({', '.join(raws)}) AS _raw")
    outer.append(f"coalesce({' OR '.join(suspects)}, FALSE) AS _suspect")
    return (
        f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} "  # noqa: S608 (allow-listed identifiers)
        f"FROM {sql.ident('stg_' + t.name)} AS s)"
    )


def _cells_select(t: contract.Table, columns: list[str], every_row: bool) -> str:
    """The long `cells` rows of one table: only the suspect rows unless every_row."""
    which = "" if every_row else " AND _suspect"
    stg, checked = sql.ident("stg_" + t.name), sql.ident("checked_" + t.name)
    on = ", ".join(sql.ident(c) for c in columns)
    return (
        f"SELECT {sql.literal(t.name)} AS table_name, column_name, _row, _file, _sheet, "  # noqa: S608 (allow-listed identifiers)
        f"_dec_comma, _dayfirst, raw FROM (SELECT * FROM {stg} WHERE _pos IN "
        f"(SELECT _pos FROM {checked} WHERE TRUE{which})) "
        f"UNPIVOT INCLUDE NULLS (raw FOR column_name IN ({on}))"
    )


# checked_select(t) -> the column definitions of its (empty) result, learnt the first time a
# table is absent from an upload; the same SQL over the same macros gives the same types
# (and the fast path's projection of an empty table the same as the lenient one:
# tests/unit/test_fastpath.py)
_EMPTY_CHECKED: dict[str, str] = {}


def _typed_view(con: duckdb.DuckDBPyConnection, table: str, checked: str) -> None:
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {sql.ident('typed_' + table)} AS "  # noqa: S608 (allow-listed identifiers)
        f"SELECT * EXCLUDE (_pos, _suspect) FROM {checked}"
    )


def _create(con: duckdb.DuckDBPyConnection, name: str, definition: str, view: bool) -> None:
    """CREATE OR REPLACE TEMP VIEW (or TABLE) name `definition` ("AS SELECT ...", or a
    table's column list), whichever of the two a previous staging on this connection left
    under that name."""
    kind, other = ("VIEW", "TABLE") if view else ("TABLE", "VIEW")
    statement = f"CREATE OR REPLACE TEMP {kind} {sql.ident(name)} {definition}"
    try:
        con.execute(statement)
    except duckdb.CatalogException:  # "Existing object ... is of type View/Table"
        con.execute(f"DROP {other} IF EXISTS {sql.ident(name)}")
        con.execute(statement)


# From this many rows of a table whose every column took the fast path, checked_<table> is a
# view (see stage). Below it, a table: the 23 checks each plan a view's projection again,
# 0.25 s of checks and staging for a weekly upload of a few projects and milestones
# (0.85 s -> 0.55 s), while copying 250,000 rows into DuckDB takes about 0.05 s.
VIEW_ROWS = 250_000


def stage(
    con: duckdb.DuckDBPyConnection, mapped: list[MappedSheet], every_cell: bool = False, fast: bool = True
) -> Staged:
    """Stage the upload: checked_ and typed_<table>, cells (suspect rows only), row_keys.

    The mapped Arrow columns are read once, straight from Arrow (never copied into a
    DuckDB table as text). every_cell=True puts every uploaded cell into `cells` (slow;
    the tests compare the reports with and without the suspect filter). fast=False sends
    every column through the lenient macros (the tests compare the reports with and
    without the typed fast path, epmo/fastpath.py).

    checked_<table> is a table, the projection computed once, when some column of the
    upload's table goes through the lenient macros (regular expressions, per cell: too
    dear to compute again in each check that reads it). When every column took the fast
    path, the projection is column references, NULLIF and the range terms of _suspect, so
    checked_<table> is a view over the staged Arrow table, which stays registered on `con`
    as stg_<table>: the 1M rows are never copied into DuckDB (0.2 s of a 1M-row upload),
    and each check reads only the columns it needs. Only from VIEW_ROWS rows: each check
    plans the view's projection again, which costs more than copying a smaller table.
    """
    present = []
    taken: dict[str, list[str]] = {}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cells (table_name VARCHAR, column_name VARCHAR, _row BIGINT, "
        "_file VARCHAR, _sheet VARCHAR, _dec_comma BOOLEAN, _dayfirst BOOLEAN, raw VARCHAR)"
    )
    for t in contract.TABLES:
        sheets = [m for m in mapped if m.table == t.name]
        stg, checked = "stg_" + t.name, sql.ident("checked_" + t.name)
        select = checked_select(t)
        if not sheets and select in _EMPTY_CHECKED:
            # a table the upload does not carry: empty, with the types the projection gives
            # (planning the projection costs ~0.1-0.4 s a table, most of a small upload)
            _create(con, "checked_" + t.name, f"({_EMPTY_CHECKED[select]})", view=False)
            _typed_view(con, t.name, checked)
            continue
        table, fast_columns = _stage_table(t.name, sheets, fast)
        columns = [c for c in t.column_names if any(c in m.data.column_names for m in sheets)]
        lazy = bool(sheets) and set(columns) <= set(fast_columns) and table.num_rows >= VIEW_ROWS
        con.register(stg, table)
        try:
            _create(con, "checked_" + t.name, "AS " + checked_select(t, set(fast_columns)), view=lazy)
            if not sheets:
                described = con.execute(f"DESCRIBE {checked}").fetchall()
                # names and types of our own projection (contract columns and _meta), not user text
                _EMPTY_CHECKED[select] = ", ".join(f'"{r[0]}" {r[1]}' for r in described)
            if sheets:
                present.append(t.name)
                taken[t.name] = fast_columns
                con.execute("INSERT INTO cells BY NAME " + _cells_select(t, columns, every_cell))
        finally:
            if not lazy:
                con.unregister(stg)
        _typed_view(con, t.name, checked)
    # the contract columns each table of the upload carries (checks/values_cleared tells a
    # column left out of the file from cells left blank)
    con.execute("CREATE OR REPLACE TEMP TABLE upload_columns (table_name VARCHAR, column_name VARCHAR)")
    carried = sorted({(m.table, c) for m in mapped for c in m.data.column_names if not c.startswith("_")})
    if carried:
        con.executemany("INSERT INTO upload_columns VALUES ($1, $2)", [list(p) for p in carried])
    con.execute(
        "CREATE OR REPLACE TEMP VIEW row_keys AS "
        + " UNION ALL ".join(
            _row_keys_select(t, [m for m in mapped if m.table == t.name]) for t in contract.TABLES
        )
    )
    return Staged(con, present, taken)


_TYPED = re.compile(r"\btyped_([a-z_]+)\b")
_EVERY_TABLE = re.compile(r"\b(cells|row_keys|checked_[a-z_]+|stg_[a-z_]+)\b")


def _code(text: str) -> str:
    """A check's SQL without its comments and with its strings emptied: what it reads."""
    return re.sub(r"'(?:[^']|'')*'", "''", re.sub(r"--[^\n]*", "", text))


def check_tables(text: str) -> frozenset[str]:
    """The contract tables a check's rows come from, when it reads only their typed rows
    (typed_<table>); empty when it reads every table's cells (it then always runs). A check
    of tables the upload does not carry finds nothing and is not run (run_checks)."""
    code = _code(text)
    if _EVERY_TABLE.search(code):
        return frozenset()
    return frozenset(_TYPED.findall(code)) & set(contract.TABLE_NAMES)


_SOURCE = re.compile(r"\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)(\s*\()?", re.IGNORECASE)
_CTE = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s+AS\s+(?:NOT\s+)?(?:MATERIALIZED\s+)?\(", re.IGNORECASE)
# what a check of the suspect cells may read besides them: the contract's own constants
_CELLS_AND_CONSTANTS = frozenset({"cells", "contract_columns", "contract_scales", "enum_values"})


def reads_only_cells(text: str) -> bool:
    """Whether a check reads nothing but the staged suspect cells (`cells`) and the
    contract's constants: with no suspect cell it finds nothing and is not run (13 checks
    of a clean upload, ~0.04 s of planning). A table function or any other relation, the
    store's views included, makes it False."""
    code = _code(text)
    ctes = {m.lower() for m in _CTE.findall(code)}
    sources = set()
    for name, call in _SOURCE.findall(code):
        if call:
            return False  # a table function: not a relation this can judge
        sources.add(name.lower())
    return "cells" in sources and sources - ctes <= _CELLS_AND_CONSTANTS


def run_checks(staged: Staged, as_of: dt.date, mapped: list[MappedSheet]) -> list[Issue]:
    where: dict[tuple[str, str, str], tuple[str, str]] = {}
    for m in mapped:
        for col, (header, letter) in m.columns.items():
            where[(m.file, m.sheet, col)] = (header, letter)
    params = {
        "ratio": current().ingest.actual_cost_over_budget_ratio,
        "days": current().ingest.forecast_end_jump_days,
        "previous_as_of": as_of - dt.timedelta(days=1),
        "window_days": current().flow.window_days,
    }
    limit = current().limits.max_report_issues
    issues: list[Issue] = []
    present = set(staged.tables)
    suspect: bool | None = None  # whether any cell was staged as suspect (asked once)
    for name in sql.names("checks"):
        q = sql.query(name)
        reads = check_tables(q.text)
        if reads and not reads & present:
            continue  # its tables are not in the upload: nothing to find
        if reads_only_cells(q.text):
            if suspect is None:
                found = staged.con.execute("SELECT EXISTS (SELECT 1 FROM cells)").fetchone()
                suspect = bool(found and found[0])
            if not suspect:
                continue  # no cell to find a problem in
        rows = sql.records(
            staged.con, name, limit=limit + 1 - len(issues), **{k: params[k] for k in q.params}
        )
        for r in rows:
            if len(issues) >= limit:
                issues.append(_overflow(limit))
                return issues
            # the column as the person's file names it (its header), and its letter
            header, letter = where.get((r["_file"], r["_sheet"], r["column_name"]), ("", ""))
            message = r["message"]
            if name == "checks/duplicate_key":  # the key's columns as the file names them
                key = contract.table(r["table_name"]).unique_key
                named = [where.get((r["_file"], r["_sheet"], c), ("", ""))[0] for c in key]
                if all(named) and named != list(key):
                    said = ", ".join(f"'{h}'" for h in named)
                    message = message.replace(f"same {', '.join(key)} as", f"same {said} as", 1)
            issues.append(
                Issue(
                    severity=r.get("severity") or q.meta.get("severity", "error"),
                    rule=q.meta.get("rule", name.split("/")[-1]),
                    message=display_value(message, limit=2000),
                    file=r["_file"],
                    sheet=r["_sheet"],
                    table=r["table_name"],
                    row=r["_row"],
                    column=display_value(header or r["column_name"]),
                    cell=f"{letter}{r['_row']}" if letter else "",
                    value="" if r["value"] is None else display_value(str(r["value"])),
                )
            )
    issues.sort(key=lambda i: (i.file, i.sheet, i.row or 0, i.column))
    return issues


def _overflow(limit: int) -> Issue:
    return Issue(
        "error",
        "too_many_problems",
        f"More than {limit} problems; the report stops "
        "here. Fix the ones listed (often one cause repeats) and validate again.",
    )


def typed_tables(
    staged: Staged,
    skip: set[tuple[str, str, int]] | None = None,
    sourced: frozenset[str] | set[str] = frozenset(),
) -> dict[str, pa.Table]:
    """The typed rows to store; `skip` (file, sheet, row) leaves rows out (a mapping's
    skip_invalid_rows). With nothing to leave out, no anti-join (0.015 s at 1M rows). The
    tables named in `sourced` (those gathered from several files or sheets) keep each row's
    _file and _sheet, so that a refusal can name where the row is (the store drops them)."""
    out = {}
    left_out = pa.table(
        {
            "_file": pa.array([f for f, _s, _r in skip or ()], pa.string()),
            "_sheet": pa.array([s for _f, s, _r in skip or ()], pa.string()),
            "_row": pa.array([r for _f, _s, r in skip or ()], pa.int64()),
        }
    )
    for name in staged.tables:
        kept = "*" if name in sourced else "* EXCLUDE (_file, _sheet)"
        rows = f"SELECT {kept} FROM {sql.ident('typed_' + name)} AS t"  # noqa: S608 (allow-listed identifiers)
        with sql.cursor(staged.con) as cur:
            if not skip:
                out[name] = cur.sql(rows).to_arrow_table()
                continue
            cur.register("left_out_rows", left_out)
            try:
                out[name] = cur.sql(
                    rows  # noqa: S608 (allow-listed identifiers)
                    + " WHERE NOT EXISTS (SELECT 1 FROM left_out_rows AS s "
                    "WHERE s._file = t._file AND s._sheet = t._sheet AND s._row = t._row)"
                ).to_arrow_table()
            finally:
                cur.unregister("left_out_rows")
    return out


def new_report(issues: list[Issue], row_counts: dict[str, int]) -> Report:
    report = Report(row_counts=row_counts)
    seen: set[tuple[object, ...]] = set()
    for issue in issues:  # one problem once: two columns read from one cell (a fallback) agree
        key = dataclasses.astuple(issue)
        if key not in seen:
            seen.add(key)
            report.add(issue)
    report.truncated = any(i.rule == "too_many_problems" for i in issues)
    return report
