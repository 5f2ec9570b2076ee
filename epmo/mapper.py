"""The Mapper: any CSV, XLSX or JSON export beside the data contract, one choice per
column, and a preview of the first rows as they would be stored.

The page (app_pages/mapper.py) edits a table of `ColumnChoice` rows; `to_mapping` turns
them into a `Mapping` (saved per source, every version kept, in the store's documents) and
`preview` runs the file through that mapping exactly as an upload would: read in the parse
child under OS limits (epmo/isolate.py), mapped, staged and typed in DuckDB, checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from epmo import contract, isolate
from epmo.access import Identity
from epmo.ingest import ingest
from epmo.mapping import Mapping, _glob_ignored, _index_for, identify_table, looks_like, map_upload
from epmo.readers import RawSheet
from epmo.report import Issue, RejectedFile
from epmo.report import column_letter as letter
from epmo.settings import current
from epmo.store import Store
from epmo.validate import stage, typed_tables

AUTO = "(as recognised)"
IGNORE = "(ignore)"
SCALES = {"x1": 1.0, "x1,000": 1_000.0, "x1,000,000": 1_000_000.0}


@dataclass
class ColumnChoice:
    """One source column and what the analyst chose for it."""

    column: str  # the letter
    header: str
    sample: str  # the first non-blank values
    target: str = AUTO  # AUTO, IGNORE or a contract column
    date_format: str = ""
    scale: str = "x1"
    default: str = ""
    fallback: str = ""  # another source header used where this one is blank
    value_map: str = ""  # "On Track=Green; Needs Attention=Amber"


@dataclass
class Preview:
    sheets: list[RawSheet]
    table: str | None
    recognised: dict[str, str]  # source header -> contract column, as the mapping reads it
    rows: pd.DataFrame  # the first rows as they would be stored
    issues: list[Issue] = field(default_factory=list)
    row_count: int = 0


def read(file_name: str, data: bytes) -> list[RawSheet]:
    """The file's sheets, read in the parse child under OS limits (raises RejectedFile)."""
    return isolate.read_upload(file_name, data)


def choices(sheet: RawSheet, mapping: Mapping) -> list[ColumnChoice]:
    """The editor's rows for a sheet: its columns with the mapping's current choices."""
    from epmo.mapping import transpose

    if mapping.layout == "columns":
        sheet = transpose(sheet)
    table = identify_table(sheet, mapping) or looks_like(sheet, mapping) or mapping.table
    index = _index_for(contract.table(table), mapping) if table else {}
    explicit = {contract.normalise_header(k): v for k, v in mapping.columns.items()}
    ignored = {contract.normalise_header(h) for h in mapping.ignore}
    fallback_of = {hs[0]: col for col, hs in mapping.fallbacks.items() if hs}
    out = []
    for j, header in enumerate(sheet.headers):
        key = contract.normalise_header(header)
        values = [v for v in sheet.data[f"c{j}"].to_pylist()[:50] if v and v.strip()][:3]
        target = explicit.get(key) or (
            IGNORE if key in ignored or _glob_ignored(header, mapping.ignore) else AUTO
        )
        col = explicit.get(key) or index.get(key) or ""
        if not col and header in fallback_of and fallback_of[header] not in explicit.values():
            target = col = fallback_of[header]
        factor = mapping.scale.get(col)
        vmap = mapping.value_maps.get(col, {})
        fmt = mapping.date_formats.get(col, "")
        out.append(
            ColumnChoice(
                column=letter(j),
                header=header,
                sample=" | ".join(v[:40] for v in values),
                target=target,
                date_format=fmt if isinstance(fmt, str) else "; ".join(fmt),
                scale=next((k for k, v in SCALES.items() if v == factor), "x1"),
                default=str(mapping.defaults.get(col, "")) if col else "",
                fallback=", ".join(h for h in mapping.fallbacks.get(col, []) if h != header) if col else "",
                value_map="; ".join(f"{k}={v}" for k, v in vmap.items()),
            )
        )
    return out


def to_mapping(base: Mapping, rows: list[ColumnChoice], sheet: RawSheet | None = None) -> Mapping:
    """The mapping the editor's rows say: an explicit target beats the synonyms; the
    per-column settings are keyed by the contract column the source column feeds (its
    explicit target, else what the synonyms make of it). Settings of contract columns no
    row feeds (a fallback whose first column is absent from this file, a wildcard ignore)
    are kept from `base`, so an unedited table gives back the mapping it was made from."""
    from epmo.mapping import transpose

    if sheet is not None and base.layout == "columns":
        sheet = transpose(sheet)
    index: dict[str, str] = {}
    if sheet is not None:
        table = identify_table(sheet, base) or looks_like(sheet, base) or base.table
        index = _index_for(contract.table(table), base) if table else {}
    headers = {r.header for r in rows}
    fed = {}
    for r in rows:
        key = contract.normalise_header(r.header)
        if r.target == IGNORE:
            continue
        col = r.target if r.target not in (AUTO, "", None) else index.get(key, "")
        if col:
            fed[r.header] = col
    represented = set(fed.values())

    def kept(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if k not in represented}

    m = replace(
        base,
        columns={k: v for k, v in base.columns.items() if k not in headers},
        ignore=[h for h in base.ignore if h not in headers],
        date_formats=kept(base.date_formats),
        scale=kept(base.scale),
        defaults=dict(base.defaults),
        fallbacks=kept(base.fallbacks),
        value_maps=kept(base.value_maps),
    )
    for r in rows:
        if r.target == IGNORE:
            m.ignore.append(r.header)
            continue
        if r.target not in (AUTO, "", None):
            m.columns[r.header] = r.target
        col = fed.get(r.header, "")
        if not col:
            continue
        if r.date_format.strip():
            formats = [f.strip() for f in r.date_format.split(";") if f.strip()]
            m.date_formats[col] = formats[0] if len(formats) == 1 else formats
        if SCALES.get(r.scale, 1.0) != 1.0:
            m.scale[col] = SCALES[r.scale]
        if r.default.strip():
            m.defaults[col] = r.default.strip()
        if r.fallback.strip():
            m.fallbacks[col] = [r.header, *[h.strip() for h in r.fallback.split(",") if h.strip()]]
        if r.value_map.strip():
            pairs = [p.split("=", 1) for p in r.value_map.split(";") if "=" in p]
            m.value_maps[col] = {a.strip(): b.strip() for a, b in pairs}
    return m


def preview(
    store: Store, file_name: str, sheets: list[RawSheet], mapping: Mapping, n: int = 10, uploader: str = ""
) -> Preview:
    """The first `n` rows of the file as they would be stored under `mapping` when `uploader`
    sends it (mapping.UPLOADER), and what the checks say of the whole file (nothing is
    written)."""
    mapping = mapping.for_uploader(uploader)
    dayfirst = (mapping.date_order or current().ingest.date_order) == "dmy"
    mapped, issues = map_upload(sheets, mapping, dayfirst)
    table = mapped[0].table if mapped else None
    recognised = {h: c for c, (h, _letter) in mapped[0].columns.items()} if mapped else {}
    rows = pd.DataFrame()
    count = sum(m.data.num_rows for m in mapped)
    if mapped:
        con = store.connect()
        try:
            staged = stage(con, mapped)
            typed = typed_tables(staged)
        finally:
            con.close()
        if table in typed:
            frame = typed[table].slice(0, n).to_pandas()
            rows = frame[[c for c in contract.table(table).column_names if c in frame.columns]]
    return Preview(sheets, table, recognised, rows, issues, count)


def check(
    store: Store,
    file_name: str,
    data: bytes,
    mapping: Mapping,
    as_of: dt.date | None,
    identity: Identity | None = None,
) -> list[Issue]:
    """Every problem the upload path would report for the file under `mapping`; with
    `identity`, as that person's upload would (the rows they may not submit too)."""
    try:
        return ingest(
            store, file_name, data, as_of=as_of, mapping=mapping, dry_run=True, identity=identity
        ).report.issues
    except RejectedFile as exc:  # pragma: no cover - ingest reports refusals itself
        return [exc.issue]


@dataclass
class MapperView:
    """What the Mapper shows under its editor for one mapping of one file: why the mapping
    cannot be used yet (`problems`), else the first rows as they would be stored
    (`preview`) and, when asked, every problem an upload of the file would report
    (`issues`, a frame of what a person reads: severity, row, their column, cell, value,
    problem; at most ISSUES_SHOWN rows)."""

    problems: list[str]
    preview: Preview | None = None
    issues: pd.DataFrame | None = None


ISSUES_SHOWN = 200


def view(
    store: Store,
    file_name: str,
    data: bytes,
    sheets: list[RawSheet],
    mapping: Mapping,
    check_all: bool = False,
    as_of: dt.date | None = None,
    identity: Identity | None = None,
) -> MapperView:
    """The Mapper page's one call once its widgets have made `mapping`: the mapping's own
    problems, or its preview and, with `check_all`, the whole file checked as `identity`'s
    upload would be (nothing is written)."""
    problems = mapping.validate()
    if problems:
        return MapperView(problems)
    shown = preview(store, file_name, sheets, mapping, uploader=identity.email if identity else "")
    if not check_all:
        return MapperView([], shown)
    found = check(store, file_name, data, mapping, as_of, identity)
    issues = pd.DataFrame(
        [
            {
                "severity": i.severity,
                "row": i.row,
                "column": i.column,
                "cell": i.cell,
                "value": i.value,
                "problem": i.message,
            }
            for i in found[:ISSUES_SHOWN]
        ],
        columns=["severity", "row", "column", "cell", "value", "problem"],
    )
    return MapperView([], shown, issues)


def contract_columns(table: str | None) -> list[str]:
    """The editor's target choices for a table (every table's columns when unknown)."""
    if table:
        return [AUTO, IGNORE, *contract.table(table).column_names]
    names: list[str] = []
    for t in contract.TABLES:
        names += [c for c in t.column_names if c not in names]
    return [AUTO, IGNORE, *names]


def spec(mapping: Mapping) -> dict[str, Any]:
    """The mapping as the page shows it (only what is set)."""
    import json

    raw = json.loads(mapping.to_json())
    return {k: v for k, v in raw.items() if v not in ({}, [], None, "", 1, True, "rows") or k == "name"}
