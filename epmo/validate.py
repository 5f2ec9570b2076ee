"""Validation in DuckDB: stage an upload, run every rule in queries/checks/, type the rows.

Staging relations (visible to the check queries):
    cells                 one row per uploaded cell: table_name, column_name, _row, _file,
                          _sheet, _dec_comma, _dayfirst, raw
    stg_<table>           the upload's text cells, one column per contract column
    typed_<table>         stg_<table> parsed by the macros in queries/macros/
    row_keys              each row's unique key as text (for duplicate_key)
    contract_columns, contract_scales, enum_values   the contract as reference tables
plus the store's raw_* tables and as-of macros, for checks against what is stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from epmo import contract, sql
from epmo.mapping import MappedSheet
from epmo.report import Issue, Report
from epmo.settings import get

META_COLUMNS = ("_row", "_file", "_sheet", "_dec_comma", "_dayfirst")
META_TYPES = {
    "_row": pa.int64(),
    "_file": pa.string(),
    "_sheet": pa.string(),
    "_dec_comma": pa.bool_(),
    "_dayfirst": pa.bool_(),
}


def _stage_table(name: str, sheets: list[MappedSheet]) -> pa.Table:
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
    return pa.concat_tables(parts) if parts else schema.empty_table()


def _cells(sheets: list[MappedSheet]) -> pa.Table:
    parts = []
    for s in sheets:
        n = s.data.num_rows
        for col in s.data.column_names:
            if col in META_COLUMNS:
                continue
            parts.append(
                pa.table(
                    {
                        "table_name": pa.array([s.table] * n, pa.string()),
                        "column_name": pa.array([col] * n, pa.string()),
                        "_row": s.data["_row"],
                        "_file": s.data["_file"],
                        "_sheet": s.data["_sheet"],
                        "_dec_comma": s.data["_dec_comma"],
                        "_dayfirst": s.data["_dayfirst"],
                        "raw": s.data[col].cast(pa.string()),
                    }
                )
            )
    if not parts:
        return pa.schema(
            [("table_name", pa.string()), ("column_name", pa.string())]
            + list(META_TYPES.items())
            + [("raw", pa.string())]
        ).empty_table()
    return pa.concat_tables(parts)


def typed_select(t: contract.Table) -> str:
    """SELECT that parses stg_<table> into typed columns (identifiers from the contract)."""
    exprs = ["_row", "_file", "_sheet"]
    for c in t.columns:
        q = sql.ident(c.name)
        if c.type in (contract.TEXT, contract.EMAIL):
            e = f"epmo_text({q})"
        elif c.type == contract.NUMBER:
            e = f"epmo_number({q}, _dec_comma)"
        elif c.type == contract.INTEGER:
            e = f"epmo_integer({q}, _dec_comma)"
        elif c.type == contract.DATE:
            e = f"epmo_date({q}, _dayfirst)"
        elif c.type == contract.BOOLEAN:
            e = f"epmo_bool({q})"
        elif c.type == contract.ENUM:
            e = f"epmo_enum({q}, {sql.literal(t.name)}, {sql.literal(c.name)})"
        else:  # pragma: no cover - the contract only uses the types above
            raise ValueError(c.type)
        exprs.append(f"{e} AS {q}")
    return f"SELECT {', '.join(exprs)} FROM {sql.ident('stg_' + t.name)}"  # noqa: S608 (allow-listed identifiers)


def _row_keys_select(t: contract.Table) -> str:
    parts = ", ".join(f"coalesce(CAST({sql.ident(k)} AS VARCHAR), '')" for k in t.unique_key)
    return (
        f"SELECT {sql.literal(t.name)} AS table_name, _file, _sheet, _row, "  # noqa: S608 (allow-listed identifiers)
        f"{sql.literal(', '.join(t.unique_key))} AS key_columns, "
        f"concat_ws(' | ', {parts}) AS key_text FROM {sql.ident('typed_' + t.name)}"
    )


@dataclass
class Staged:
    con: duckdb.DuckDBPyConnection
    tables: list[str]  # contract tables present in the upload


def _materialise(con: duckdb.DuckDBPyConnection, name: str, data: pa.Table) -> None:
    """Copy an Arrow table into a DuckDB table (registered objects are invisible to cursors)."""
    con.register("_incoming", data)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _incoming")  # noqa: S608 (allow-listed identifiers)
    finally:
        con.unregister("_incoming")


def stage(con: duckdb.DuckDBPyConnection, mapped: list[MappedSheet]) -> Staged:
    present = []
    for t in contract.TABLES:
        sheets = [m for m in mapped if m.table == t.name]
        if sheets:
            present.append(t.name)
        _materialise(con, sql.ident("stg_" + t.name), _stage_table(t.name, sheets))
        con.execute(f"CREATE OR REPLACE TABLE {sql.ident('typed_' + t.name)} AS {typed_select(t)}")
    _materialise(con, "cells", _cells(mapped))
    con.execute(
        "CREATE OR REPLACE VIEW row_keys AS "
        + " UNION ALL ".join(_row_keys_select(t) for t in contract.TABLES)
    )
    return Staged(con, present)


def run_checks(staged: Staged, as_of: dt.date, mapped: list[MappedSheet]) -> list[Issue]:
    letters: dict[tuple[str, str, str], str] = {}
    for m in mapped:
        for col, (_header, letter) in m.columns.items():
            letters[(m.file, m.sheet, col)] = letter
    params = {
        "ratio": float(get("ingest", "actual_cost_over_budget_ratio")),
        "days": int(get("ingest", "forecast_end_jump_days")),
        "previous_as_of": as_of - dt.timedelta(days=1),
    }
    limit = int(get("limits", "max_report_issues"))
    issues: list[Issue] = []
    for name in sql.names("checks"):
        q = sql.query(name)
        rows = sql.arrow(staged.con, name, **{k: params[k] for k in q.params})
        for r in rows.to_pylist():
            if len(issues) >= limit:
                issues.append(_overflow(limit))
                return issues
            letter = letters.get((r["_file"], r["_sheet"], r["column_name"]), "")
            issues.append(
                Issue(
                    severity=q.meta.get("severity", "error"),
                    rule=q.meta.get("rule", name.split("/")[-1]),
                    message=r["message"],
                    file=r["_file"],
                    sheet=r["_sheet"],
                    table=r["table_name"],
                    row=r["_row"],
                    column=r["column_name"],
                    cell=f"{letter}{r['_row']}" if letter else "",
                    value="" if r["value"] is None else str(r["value"]),
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


def typed_tables(staged: Staged) -> dict[str, pa.Table]:
    out = {}
    for name in staged.tables:
        cur = staged.con.cursor()
        try:
            out[name] = cur.sql(
                f"SELECT * EXCLUDE (_file, _sheet) FROM {sql.ident('typed_' + name)}"  # noqa: S608 (allow-listed identifiers)
            ).to_arrow_table()
        finally:
            cur.close()
    return out


def new_report(issues: list[Issue], row_counts: dict[str, int]) -> Report:
    report = Report(row_counts=row_counts)
    report.extend(issues)
    report.truncated = any(i.rule == "too_many_problems" for i in issues)
    return report
