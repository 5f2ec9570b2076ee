"""Foreign headers and values -> contract columns.

Headers match whatever their case, spacing and punctuation, and through each column's
synonyms. A saved `Mapping` (for another tool's weekly export) adds explicit header
renames, sheet-to-table assignments, constants and value maps.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath

import pyarrow as pa
import pyarrow.compute as pc

from epmo import contract
from epmo.readers import RawSheet
from epmo.report import ERROR, WARNING, Issue, column_letter
from epmo.settings import get

IGNORED_SHEETS = {"data dictionary", "readme", "read me", "instructions", "notes", "lists"}


@dataclass
class Mapping:
    """A named column mapping for a foreign export. Saved as JSON in the store."""

    name: str = ""
    description: str = ""
    # source header (any spelling) -> contract column name
    columns: dict[str, str] = field(default_factory=dict)
    # sheet or file name -> contract table
    tables: dict[str, str] = field(default_factory=dict)
    # table -> {column: constant value} for columns the export lacks
    constants: dict[str, dict[str, str]] = field(default_factory=dict)
    # contract column -> {source value: contract value}
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    # "dmy" or "mdy" for ambiguous dates; None uses the settings
    date_order: str | None = None
    # "," or "." to force the decimal separator; None detects it
    decimal: str | None = None

    def validate(self) -> list[str]:
        problems = []
        all_columns = {c.name for t in contract.TABLES for c in t.columns}
        for src, dst in self.columns.items():
            if dst not in all_columns:
                problems.append(f"columns: '{src}' maps to '{dst}', which is not a contract column")
        for src, dst in self.tables.items():
            if dst not in contract.TABLE_NAMES:
                problems.append(f"tables: '{src}' maps to '{dst}', which is not a contract table")
        for tbl, consts in self.constants.items():
            if tbl not in contract.TABLE_NAMES:
                problems.append(f"constants: '{tbl}' is not a contract table")
                continue
            for col in consts:
                if col not in contract.table(tbl).column_names:
                    problems.append(f"constants: '{col}' is not a column of {tbl}")
        for col in self.value_maps:
            if col not in all_columns:
                problems.append(f"value_maps: '{col}' is not a contract column")
        if self.date_order not in (None, "dmy", "mdy"):
            problems.append("date_order must be 'dmy' or 'mdy'")
        if self.decimal not in (None, ",", "."):
            problems.append("decimal must be ',' or '.'")
        return problems

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Mapping:
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("a mapping is a JSON object")
        known = set(cls.__dataclass_fields__)
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown mapping keys: {', '.join(sorted(unknown))}")
        m = cls(**raw)
        problems = m.validate()
        if problems:
            raise ValueError("; ".join(problems))
        return m


@dataclass
class MappedSheet:
    table: str
    file: str
    sheet: str
    data: pa.Table  # contract columns present (strings) + _row, _file, _sheet, _dec_comma
    columns: dict[str, tuple[str, str]]  # contract column -> (source header, column letter)


def _name_candidates(sheet: RawSheet) -> list[str]:
    out = []
    if sheet.sheet:
        out.append(sheet.sheet)
    out.append(PurePosixPath(sheet.file).stem)
    return out


def identify_table(sheet: RawSheet, mapping: Mapping) -> str | None:
    """Which contract table a sheet holds: by mapping, by name, then by headers."""
    explicit = {contract.normalise_header(k): v for k, v in mapping.tables.items()}
    names = [contract.normalise_header(n) for n in _name_candidates(sheet)]
    for n in names:
        if n in explicit:
            return explicit[n]
    if sheet.sheet and names[0] in IGNORED_SHEETS:
        return None
    for n in names:
        for t in contract.TABLES:
            keys = {contract.normalise_header(x) for x in (t.name, t.title, *t.synonyms)}
            if n in keys:
                return t.name
    for n in names:
        words = n.split()
        for t in contract.TABLES:
            if t.name in words or contract.normalise_header(t.title) in n:
                return t.name
    # By headers: the table whose required columns are best covered.
    best, best_score = None, (0, 0)
    for t in contract.TABLES:
        index = _index_for(t, mapping)
        found = {index[h] for h in map(contract.normalise_header, sheet.headers) if h in index}
        score = (len(found & set(t.required_columns)), len(found))
        if score[0] == len(t.required_columns) and score > best_score:
            best, best_score = t.name, score
    return best


def _index_for(t: contract.Table, mapping: Mapping) -> dict[str, str]:
    index = contract.header_index(t)
    for src, dst in mapping.columns.items():
        if dst in t.column_names:
            index[contract.normalise_header(src)] = dst
    return index


def map_sheet(
    sheet: RawSheet, table_name: str, mapping: Mapping, dayfirst: bool
) -> tuple[MappedSheet | None, list[Issue]]:
    t = contract.table(table_name)
    index = _index_for(t, mapping)
    issues: list[Issue] = []
    where = {"file": sheet.file, "sheet": sheet.sheet, "table": table_name}
    chosen: dict[str, int] = {}
    for j, header in enumerate(sheet.headers):
        if not header:
            if pc.any(pc.not_equal(pc.utf8_trim_whitespace(sheet.data[f"c{j}"]), "")).as_py():
                issues.append(
                    Issue(
                        WARNING,
                        "unnamed_column",
                        "A column has values but no "
                        "header; it was ignored. Give it a header from the "
                        "template if it is needed.",
                        row=sheet.header_row,
                        cell=f"{column_letter(j)}{sheet.header_row}",
                        **where,
                    )
                )
            continue
        target = index.get(contract.normalise_header(header))
        if target is None:
            issues.append(
                Issue(
                    WARNING,
                    "unknown_column",
                    f"'{display_value(header)}' is not a column of "
                    f"{t.title} in the data contract and was ignored. Rename it "
                    "to a template header, or save a column mapping.",
                    row=sheet.header_row,
                    column=display_value(header),
                    cell=f"{column_letter(j)}{sheet.header_row}",
                    **where,
                )
            )
            continue
        if target in chosen:
            first = sheet.headers[chosen[target]]
            issues.append(
                Issue(
                    ERROR,
                    "duplicate_column",
                    f"'{display_value(header)}' and '{display_value(first)}' both mean {target}. "
                    "Keep one of them.",
                    row=sheet.header_row,
                    column=display_value(header),
                    cell=f"{column_letter(j)}{sheet.header_row}",
                    **where,
                )
            )
            continue
        chosen[target] = j
    constants = mapping.constants.get(table_name, {})
    for col in t.required_columns:
        if col not in chosen and col not in constants:
            issues.append(
                Issue(
                    ERROR,
                    "missing_column",
                    f"Required column '{col}' is missing. "
                    f"Add it (template header '{col}*'), or map the export's "
                    "column to it in a saved mapping.",
                    row=sheet.header_row,
                    column=col,
                    **where,
                )
            )
    if any(i.severity == ERROR for i in issues):
        return None, issues
    n = sheet.data.num_rows
    arrays: dict[str, pa.Array] = {}
    letters: dict[str, tuple[str, str]] = {}
    identifiers = set(t.identifier_columns)
    for col, j in chosen.items():
        arr = sheet.data[f"c{j}"]
        if col in identifiers:
            arr = normalise_identifiers(arr)
        vmap = mapping.value_maps.get(col)
        if vmap:
            arr = _apply_value_map(arr, vmap)
        arrays[col] = arr
        letters[col] = (sheet.headers[j], column_letter(j))
    for col, value in constants.items():
        if col not in arrays or pc.all(pc.equal(pc.utf8_trim_whitespace(arrays[col]), "")).as_py():
            arrays[col] = pa.repeat(pa.scalar(str(value), pa.string()), n)
            letters[col] = (f"{col} (constant from mapping)", "")
    decimal_comma = sheet.decimal_comma if mapping.decimal is None else mapping.decimal == ","
    ordered = {c: arrays[c] for c in t.column_names if c in arrays}
    ordered["_row"] = sheet.rows
    ordered["_file"] = pa.repeat(pa.scalar(sheet.file, pa.string()), n)
    ordered["_sheet"] = pa.repeat(pa.scalar(sheet.sheet, pa.string()), n)
    ordered["_dec_comma"] = pa.repeat(pa.scalar(decimal_comma, pa.bool_()), n)
    ordered["_dayfirst"] = pa.repeat(pa.scalar(dayfirst, pa.bool_()), n)
    return MappedSheet(table_name, sheet.file, sheet.sheet, pa.table(ordered), letters), issues


def normalise_identifiers(arr: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Ids as one text however they were typed: Unicode NFKC, so full-width 'ＰＲＪ－０００１'
    becomes 'PRJ-0001' and a no-break or em space a space (which staging trims, as for
    every text). Invisible characters stay, for the invisible_character check to refuse;
    look-alikes NFKC keeps (Cyrillic 'Р', dashes, case) get project_id_confusable's
    warning. An all-ASCII column (nearly every upload) is already in NFKC."""
    if pc.all(pc.string_is_ascii(arr)).as_py() is not False:
        return arr
    return pc.utf8_normalize(arr, "NFKC")


def _apply_value_map(arr: pa.ChunkedArray | pa.Array, vmap: dict[str, str]) -> pa.Array:
    lookup = {k.strip().lower(): v for k, v in vmap.items()}
    values = arr.to_pylist()
    return pa.array([lookup.get((v or "").strip().lower(), v) for v in values], pa.string())


def display_value(value: str, limit: int = 80) -> str:
    """An uploaded value as a report may show it: control, format and bidirectional
    characters (NUL, zero-width spaces, right-to-left overrides...) written as <U+XXXX>,
    and at most `limit` characters, with the full length said."""
    out = []
    for ch in value[: limit + 1]:
        cat = unicodedata.category(ch)
        out.append(f"<U+{ord(ch):04X}>" if cat in ("Cc", "Cf", "Zl", "Zp") else ch)
    text = "".join(out[:limit])
    if len(value) > limit:
        text += f"... ({len(value):,} characters)"
    return text


def _may_hold_nul(col: pa.ChunkedArray) -> bool:
    """Whether any value of a string column may hold a NUL: one vectorised look at each
    chunk's character bytes (a per-value substring search costs ~0.1 s per million)."""
    import numpy as np

    for chunk in col.chunks:
        if len(chunk) == 0:
            continue
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True  # pragma: no cover - readers give string columns only
        _validity, offsets_buf, data_buf = chunk.buffers()
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(offsets_buf, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
        if data_buf is None or offsets[-1] <= offsets[0]:
            continue
        if np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]].min() == 0:
            return True
    return False


def cell_problems(sheet: RawSheet) -> list[Issue]:
    """Cells no rule may read as they are, in any column of a sheet: a NUL character,
    and text longer than limits.max_text_chars (an XLSX cell holds 32,767 characters; an
    export would cut it). One issue per column, at its first such cell, with the count."""
    import pyarrow.compute as pc

    limit = int(get("limits", "max_text_chars"))
    issues: list[Issue] = []
    where = {"file": sheet.file, "sheet": sheet.sheet}
    for j, header in enumerate(sheet.headers):
        col = sheet.data[f"c{j}"]
        label = header or f"column {column_letter(j)} (no header)"
        if "\x00" in header:
            issues.append(
                Issue(
                    ERROR,
                    "nul_character",
                    "The header holds a NUL character (an invisible zero byte, usually "
                    "from a damaged export). Retype the header and upload again.",
                    row=sheet.header_row,
                    column=display_value(header),
                    cell=f"{column_letter(j)}{sheet.header_row}",
                    value=display_value(header),
                    **where,
                )
            )
        checks = []
        if _may_hold_nul(col):
            checks.append(
                (
                    "nul_character",
                    pc.match_substring(col, "\x00"),
                    "{label} holds a NUL character (an invisible zero byte, usually from a "
                    "damaged export or text copied from a binary file){more}. Retype the cell "
                    "and upload again.",
                )
            )
        if (pc.max(pc.binary_length(col)).as_py() or 0) > limit:  # bytes >= characters
            checks.append(
                (
                    "text_too_long",
                    pc.greater(pc.utf8_length(col), limit),
                    "{label} holds {n:,} characters; the limit is {limit:,} (the most an "
                    "Excel cell holds){more}. Shorten it, and keep long reports in a "
                    "document the project links to.",
                )
            )
        for rule, mask, text in checks:
            hits = pc.indices_nonzero(pc.fill_null(mask, False))
            if len(hits) == 0:
                continue
            i = hits[0].as_py()
            value = col[i].as_py() or ""
            row = sheet.rows[i].as_py()
            others = len(hits) - 1
            more = f" (and {others:,} more cell{'s' if others > 1 else ''} in this column)" if others else ""
            issues.append(
                Issue(
                    ERROR,
                    rule,
                    text.format(
                        label=f"The cell under '{display_value(label)}'",
                        n=len(value),
                        limit=limit,
                        more=more,
                    ),
                    row=row,
                    column=display_value(label),
                    cell=f"{column_letter(j)}{row}",
                    value=display_value(value),
                    **where,
                )
            )
    return issues


def map_upload(
    sheets: list[RawSheet], mapping: Mapping, dayfirst: bool
) -> tuple[list[MappedSheet], list[Issue]]:
    mapped: list[MappedSheet] = []
    issues: list[Issue] = []
    for sheet in sheets:
        issues.extend(cell_problems(sheet))
        table_name = identify_table(sheet, mapping)
        if table_name is None:
            if not (sheet.sheet and contract.normalise_header(sheet.sheet) in IGNORED_SHEETS):
                issues.append(
                    Issue(
                        WARNING,
                        "unknown_sheet",
                        "Could not tell which contract "
                        "table this holds (name and headers match none); it was "
                        "ignored. Name it after a table (projects, milestones, "
                        "raid, allocations, capacity, financials).",
                        file=sheet.file,
                        sheet=sheet.sheet,
                    )
                )
            continue
        if sheet.data.num_rows == 0:
            issues.append(
                Issue(
                    WARNING,
                    "empty_sheet",
                    "Only a header row, no data; nothing "
                    "from it is stored and earlier rows for this table stay.",
                    file=sheet.file,
                    sheet=sheet.sheet,
                    table=table_name,
                )
            )
            continue
        m, sheet_issues = map_sheet(sheet, table_name, mapping, dayfirst)
        issues.extend(sheet_issues)
        if m is not None:
            mapped.append(m)
    return mapped, issues
