"""Foreign headers and values -> contract columns.

Headers match whatever their case, spacing and punctuation, and through each column's
synonyms. A saved `Mapping` (for another tool's weekly export) adds explicit header
renames, sheet-to-table assignments, constants and value maps.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from epmo import contract
from epmo.readers import EXCEL_ERRORS, RawSheet
from epmo.report import ERROR, WARNING, Issue, column_letter
from epmo.settings import current

IGNORED_SHEETS = {"data dictionary", "readme", "read me", "instructions", "notes", "lists"}


# In a mapping's defaults or constants: the uploader's address (epmo.ingest fills it in).
UPLOADER = "{uploader}"


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
    # --- the mapper's per-column choices (an explicit choice beats the built-in synonyms)
    # source headers to ignore (never matched through a synonym)
    ignore: list[str] = field(default_factory=list)
    # False: only the contract's own names and `columns` match (synonyms off)
    synonyms: bool = True
    # the table for a sheet or file that names and headers do not place
    table: str | None = None
    # "columns": the source has one record per column and one field per row (transposed)
    layout: str = "rows"
    # contract column -> strptime format(s) of its dates in the source ("%d/%m/%Y %I:%M %p",
    # or a list tried in order)
    date_formats: dict[str, Any] = field(default_factory=dict)
    # contract column -> multiplier for the source's unit (1000: thousands, 1000000: millions)
    scale: dict[str, float] = field(default_factory=dict)
    # contract column -> value used where the cell is blank
    defaults: dict[str, str] = field(default_factory=dict)
    # contract column -> source headers whose value is used, in order, where the cell is blank
    fallbacks: dict[str, list[str]] = field(default_factory=dict)
    # contract column -> {"columns": [source headers], "separator": " "}: joined, blanks left out
    combine: dict[str, dict[str, Any]] = field(default_factory=dict)
    # source header -> {"separator": " - ", "into": [contract columns]}: split once per target
    split: dict[str, dict[str, Any]] = field(default_factory=dict)
    # source values read as blank, in any column ("#N/A", "TBC"; * and ? as wildcards, case
    # ignored): defaults and fallbacks then fill them
    blank_values: list[str] = field(default_factory=list)
    # source header -> values: rows holding one of them are left out (sample or total rows)
    drop_rows: dict[str, list[str]] = field(default_factory=dict)
    # True: rows that fail an error-level rule are left out (each listed as a warning) and
    # the rest is accepted; for one-off imports of foreign exports, never for weekly uploads
    skip_invalid_rows: bool = False
    # True: a project the store already knows keeps its current report's value in each
    # projects column the source does not give (absent, or filled only by `defaults`), so
    # defaults name only new projects; for a plan (MS Project), which holds no portfolio,
    # RAG or sponsor (epmo.ingest._keep_current)
    keep_current: bool = False
    # the EPMO project id of every row, for a source that holds one project whatever it
    # calls it: a plan titled "Bridge replacement" for PRJ-0007 (`ingest --project`, the Upload
    # page's "EPMO project id"); it replaces the file's own project_id column
    project: str = ""
    # free text: where the source comes from (shown on the Mapper page)
    source: str = ""
    version: int = 1

    def for_uploader(self, email: str) -> Mapping:
        """The mapping with UPLOADER in its defaults and constants read as the address of
        whoever uploads (a plan names no project manager: its uploader is one). With no
        uploader known ("": a library call), those entries are left out, never shown as
        the placeholder's text."""

        def given(consts: dict[str, Any]) -> dict[str, Any]:
            return {
                c: v.replace(UPLOADER, email) if isinstance(v, str) else v
                for c, v in consts.items()
                if email or UPLOADER not in str(v)
            }

        if not any(UPLOADER in str(v) for v in self.defaults.values()) and not any(
            UPLOADER in str(v) for consts in self.constants.values() for v in consts.values()
        ):
            return self
        return replace(
            self,
            defaults=given(self.defaults),
            constants={t: given(consts) for t, consts in self.constants.items()},
        )

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
        if self.table is not None and self.table not in contract.TABLE_NAMES:
            problems.append(f"table: '{self.table}' is not a contract table")
        if self.layout not in ("rows", "columns"):
            problems.append("layout must be 'rows' or 'columns'")
        if not isinstance(self.project, str) or self.project != self.project.strip():
            problems.append("project: a project id, without spaces around it")
        for what, cols in (
            ("date_formats", self.date_formats),
            ("scale", self.scale),
            ("defaults", self.defaults),
            ("fallbacks", self.fallbacks),
            ("combine", self.combine),
        ):
            for col in cols:
                if col not in all_columns:
                    problems.append(f"{what}: '{col}' is not a contract column")
        for col, factor in self.scale.items():
            if not isinstance(factor, int | float) or factor == 0:
                problems.append(f"scale: '{col}' needs a non-zero number (1000 for thousands)")
        for col, spec in self.combine.items():
            if not isinstance(spec, dict) or not isinstance(spec.get("columns"), list):
                problems.append(f'combine: \'{col}\' needs {{"columns": [headers], "separator": " "}}')
        for src, spec in self.split.items():
            into = spec.get("into") if isinstance(spec, dict) else None
            if not isinstance(into, list) or not spec.get("separator"):
                problems.append(f'split: \'{src}\' needs {{"separator": "-", "into": [columns]}}')
                continue
            problems += [f"split: '{c}' is not a contract column" for c in into if c not in all_columns]
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


# the source header given for a column that only the mapping's defaults fill
DEFAULTED = " (default from mapping)"
GIVEN_PROJECT = "(the project id given for the upload)"


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
        found = _found_required(sheet, t, mapping)
        score = (len(found & set(t.required_columns)), len(found))
        if score[0] == len(t.required_columns) and score > best_score:
            best, best_score = t.name, score
    if best is None and mapping.table:
        return mapping.table
    return best


def _found_required(sheet: RawSheet, t: contract.Table, mapping: Mapping) -> set[str]:
    index = _index_for(t, mapping)
    found = {index[h] for h in map(contract.normalise_header, sheet.headers) if h in index}
    found |= {c for c in mapping.combine if c in t.column_names}
    found |= {c for spec in mapping.split.values() for c in spec.get("into", []) if c in t.column_names}
    found |= {c for c in mapping.fallbacks if c in t.column_names}
    found |= {c for c in mapping.defaults if c in t.column_names}
    found |= set(mapping.constants.get(t.name, {}))
    return found


def looks_like(sheet: RawSheet, mapping: Mapping) -> str | None:
    """The table a sheet nearly is: at least half of its required columns (and two) found
    by header, when no table has them all (so the report can say what is missing)."""
    best, best_share = None, 0.0
    for t in contract.TABLES:
        found = _found_required(sheet, t, mapping) & set(t.required_columns)
        share = len(found) / len(t.required_columns)
        if len(found) >= 2 and share >= 0.5 and share > best_share:
            best, best_share = t.name, share
    return best


def _index_for(t: contract.Table, mapping: Mapping) -> dict[str, str]:
    """Normalised source header -> contract column. An explicit choice beats the built-in
    synonyms: a column mapped explicitly (or filled by combine) is no longer reached through
    a synonym, an ignored header matches nothing, and `synonyms: false` keeps only the
    contract's own names."""
    if mapping.synonyms:
        index = contract.header_index(t)
    else:
        index = {contract.normalise_header(c.name): c.name for c in t.columns}
    explicit = {dst for dst in mapping.columns.values() if dst in t.column_names}
    explicit |= {c for c in mapping.combine if c in t.column_names}
    for spec in mapping.split.values():
        explicit |= {c for c in spec.get("into", []) if c in t.column_names}
    index = {k: v for k, v in index.items() if v not in explicit}
    for src, dst in mapping.columns.items():
        if dst in t.column_names:
            index[contract.normalise_header(src)] = dst
    for src in mapping.ignore:
        index.pop(contract.normalise_header(src), None)
    return index


def _looks_like_column(key: str, index: dict[str, str], taken: set[str]) -> str | None:
    """The contract column an unknown header most likely means, among those the sheet lacks.

    A known header or synonym of two words or more that begins the unknown one, word for
    word ("Actual date (if done)" for actual_date, the longest such), else one spelled almost alike ("Forcast
    date"). None when nothing is close: a wrong guess is worse than none."""
    free = {k: v for k, v in index.items() if v not in taken}
    words = key.split()
    prefixes = [k for k in free if 2 <= len(k.split()) < len(words) and words[: len(k.split())] == k.split()]
    if prefixes:
        return free[max(prefixes, key=len)]
    close = difflib.get_close_matches(key, list(free), n=1, cutoff=0.85)
    return free[close[0]] if close else None


def map_sheet(
    sheet: RawSheet, table_name: str, mapping: Mapping, dayfirst: bool, looks_like: bool = False
) -> tuple[MappedSheet | None, list[Issue]]:
    """The sheet's columns as contract columns, with every problem of its headers at once.

    A missing required column is an error but does not stop the mapping: the sheet is
    mapped without it, so the checks still look at every cell of the other columns and a
    person fixes everything in one round trip (the upload is rejected all the same)."""
    t = contract.table(table_name)
    index = _index_for(t, mapping)
    ignored = {contract.normalise_header(h) for h in mapping.ignore}
    feeding = {
        contract.normalise_header(h) for spec in mapping.combine.values() for h in spec.get("columns", [])
    }
    feeding |= {contract.normalise_header(h) for hs in mapping.fallbacks.values() for h in hs}
    feeding |= {contract.normalise_header(h) for h in mapping.split}
    issues: list[Issue] = []
    where = {"file": sheet.file, "sheet": sheet.sheet, "table": table_name}
    by_header = {contract.normalise_header(h): j for j, h in enumerate(sheet.headers) if h}
    chosen: dict[str, int] = {}
    unknown: list[tuple[int, str, str]] = []
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
        key = contract.normalise_header(header)
        if key in ignored or _glob_ignored(header, mapping.ignore):
            continue
        target = index.get(key)
        if target is None:
            if key not in feeding:
                unknown.append((j, header, key))
            continue
        if target in chosen:
            first = sheet.headers[chosen[target]]
            issues.append(
                Issue(
                    ERROR,
                    "duplicate_column",
                    f"'{display_value(header)}' and '{display_value(first)}' both mean {target}. "
                    "Keep one of them, or choose on the Mapper page which one is "
                    f"{target} and ignore the other.",
                    row=sheet.header_row,
                    column=display_value(header),
                    cell=f"{column_letter(j)}{sheet.header_row}",
                    **where,
                )
            )
            continue
        chosen[target] = j
    for j, header, key in unknown:
        like = _looks_like_column(key, index, taken=set(chosen))
        hint = (
            f" It looks like {like}, which this file does not have: rename the header to "
            f"{like}, or map it on the Mapper page."
            if like
            else " Rename it to a template header, or map it on the Mapper page."
        )
        issues.append(
            Issue(
                WARNING,
                "unknown_column",
                f"'{display_value(header)}' is not a column of {t.title} in the data contract "
                f"and was ignored.{hint}",
                row=sheet.header_row,
                column=display_value(header),
                cell=f"{column_letter(j)}{sheet.header_row}",
                **where,
            )
        )
    n = sheet.data.num_rows
    arrays: dict[str, pa.Array] = {}
    letters: dict[str, tuple[str, str]] = {}
    for col, j in chosen.items():
        arrays[col] = sheet.data[f"c{j}"]
        letters[col] = (sheet.headers[j], column_letter(j))
    _apply_combine(sheet, mapping, t, by_header, arrays, letters)
    _apply_split(sheet, mapping, t, by_header, arrays, letters)
    _apply_fallbacks(sheet, mapping, t, by_header, arrays, letters)
    constants = mapping.constants.get(table_name, {})
    for col, value in constants.items():
        if col not in arrays or pc.all(pc.equal(pc.utf8_trim_whitespace(arrays[col]), "")).as_py():
            arrays[col] = pa.repeat(pa.scalar(str(value), pa.string()), n)
            letters[col] = (f"{col} (constant from mapping)", "")
    if mapping.project and "project_id" in t.column_names:  # the upload's one project, whatever the file says
        arrays["project_id"] = pa.repeat(pa.scalar(mapping.project, pa.string()), n)
        letters["project_id"] = (f"project_id {GIVEN_PROJECT}", "")
    for col, value in mapping.defaults.items():
        if col not in t.column_names:
            continue
        if col not in arrays:
            arrays[col] = pa.repeat(pa.scalar(str(value), pa.string()), n)
            letters[col] = (f"{col}{DEFAULTED}", "")
        else:
            arrays[col] = _fill_blanks(arrays[col], pa.repeat(pa.scalar(str(value), pa.string()), n))
    missing = [c for c in t.required_columns if c not in arrays]
    if missing:
        issues.append(_missing_columns(t, missing, sheet, looks_like, where))
    identifiers = set(t.identifier_columns)
    _apply_fallbacks(sheet, mapping, t, by_header, arrays, letters)
    for col, value in mapping.defaults.items():
        if col in arrays and col in t.column_names:
            arrays[col] = _fill_blanks(arrays[col], pa.repeat(pa.scalar(str(value), pa.string()), n))
    for col in list(arrays):
        arr = arrays[col]
        if col in mapping.date_formats:
            arr = _reformat_dates(arr, mapping.date_formats[col])
        if col in mapping.scale:
            arr = _scale(arr, float(mapping.scale[col]))
        if col in identifiers:
            arr = normalise_identifiers(arr)
        vmap = mapping.value_maps.get(col)
        if vmap:
            arr = _apply_value_map(arr, vmap)
        arrays[col] = arr
    issues += _excel_errors(sheet, arrays, letters, _read_columns(chosen, mapping, t, by_header), where)
    if mapping.decimal is None:
        issues += _ambiguous_numbers(sheet, t, chosen, where)
    if any(i.severity == ERROR and i.rule != "missing_column" for i in issues):
        return None, issues
    decimal_comma = sheet.decimal_comma if mapping.decimal is None else mapping.decimal == ","
    ordered = {c: arrays[c] for c in t.column_names if c in arrays}
    ordered["_row"] = sheet.rows
    ordered["_file"] = pa.repeat(pa.scalar(sheet.file, pa.string()), n)
    ordered["_sheet"] = pa.repeat(pa.scalar(sheet.sheet, pa.string()), n)
    ordered["_dec_comma"] = pa.repeat(pa.scalar(decimal_comma, pa.bool_()), n)
    ordered["_dayfirst"] = pa.repeat(pa.scalar(dayfirst, pa.bool_()), n)
    return MappedSheet(table_name, sheet.file, sheet.sheet, pa.table(ordered), letters), issues


_EXCEL_ERROR_SHOWN = 20  # per column: the rest are refused as these are


def _read_columns(
    chosen: dict[str, int], mapping: Mapping, t: contract.Table, by_header: dict[str, int]
) -> set[int]:
    """Every source column the mapping reads for this table: the chosen ones, and those a
    combine, a split or a fallback takes its values from."""
    read = set(chosen.values())
    headers: list[str] = []
    for col, spec in mapping.combine.items():
        if col in t.column_names and isinstance(spec, dict):
            headers += [str(h) for h in spec.get("columns", [])]
    for src, spec in mapping.split.items():
        if isinstance(spec, dict) and any(c in t.column_names for c in spec.get("into", [])):
            headers.append(src)
    for col, sources in mapping.fallbacks.items():
        if col in t.column_names:
            headers += [str(h) for h in sources]
    read |= {j for h in headers if (j := by_header.get(contract.normalise_header(h))) is not None}
    return read


def _excel_errors(
    sheet: RawSheet,
    arrays: dict[str, pa.Array],
    letters: dict[str, tuple[str, str]],
    read: set[int],
    where: dict[str, str],
) -> list[Issue]:
    """Cells of the columns the upload uses that hold an Excel error (#DIV/0!, #N/A, #REF!...:
    a formula that failed): a workbook's error cells (RawSheet.excel_errors, which the reader
    gives as blank) and CSV cells holding the error's text (Excel writes it so). Stored, they
    would be blank or the error's words: refused at the cell. A mapping's blank_values may
    declare the text blank (applied before this)."""
    issues = []
    # a workbook's error cells, each at its own cell, in every column the mapping reads
    found: dict[int, list[tuple[int, str]]] = {}
    for (i, j), text in sorted(sheet.excel_errors.items()):
        if j in read:
            found.setdefault(j, []).append((i, text))
    places = {j: (sheet.headers[j], column_letter(j)) for j in found}
    # the error's text in a cell (a CSV saved from Excel), in the columns as mapped
    for col, arr in arrays.items():
        if col not in letters or not pc.any(pc.starts_with(arr, "#")).as_py():
            continue  # a constant or default, or no cell starting with '#'
        texts = pc.utf8_trim_whitespace(arr)
        hit = pc.fill_null(pc.is_in(texts, value_set=pa.array(sorted(EXCEL_ERRORS))), False)
        key = -1 - len(places)  # a column of the mapped table, under its header as mapped
        places[key] = letters[col]
        found[key] = [(i, str(texts[i].as_py())) for i in pc.indices_nonzero(hit).to_pylist()]
    for key, cells in found.items():
        header, letter = places[key]
        for i, value in sorted(set(cells))[:_EXCEL_ERROR_SHOWN]:
            row = int(sheet.rows[i].as_py())
            issues.append(
                Issue(
                    ERROR,
                    "excel_error",
                    f"Holds the Excel error {value}: a formula that failed, so there is no value "
                    "to store. Fix the formula (or type the value) in the workbook and upload again.",
                    row=row,
                    column=header,
                    cell=f"{letter}{row}" if letter else "",
                    value=value,
                    **where,
                )
            )
    return issues


def _ambiguous_numbers(
    sheet: RawSheet, t: contract.Table, chosen: dict[str, int], where: dict[str, str]
) -> list[Issue]:
    """A number column holding a number such as 283.000 in a file whose other numbers do not
    say whether '.' marks decimals or groups thousands (readers.detect_decimal_comma): read
    either way it could be a thousand times off, so the upload is refused at that cell."""
    issues = []
    for col, j in chosen.items():
        i = sheet.ambiguous_numbers.get(j)
        if i is None or t.column(col).type not in (contract.NUMBER, contract.INTEGER):
            continue
        value = str(sheet.data[f"c{j}"][i].as_py() or "").strip()
        row = int(sheet.rows[i].as_py())
        digits = "".join(ch for ch in value if ch.isdigit() or ch in ".-")
        small = digits.rstrip("0").rstrip(".") or "0"
        large = str(int(digits.replace(".", "")))  # 0.500: 500
        issues.append(
            Issue(
                ERROR,
                "number_separator_ambiguous",
                f"'{value}' reads as {small} (a decimal point) or {large} (a thousands "
                "separator), and no other number in the file shows which this file uses. "
                f"Write it without the separator ({large}) or with a decimal comma "
                f"({large},00), or give the decimal separator in a column mapping (Mapper page).",
                row=row,
                column=sheet.headers[j],
                cell=f"{column_letter(j)}{row}",
                value=value,
                **where,
            )
        )
    return issues


def _missing_columns(
    t: contract.Table, missing: list[str], sheet: RawSheet, looks_like: bool, where: dict[str, str]
) -> Issue:
    """One error naming every required column the sheet lacks, and what would be accepted."""
    found = len(t.required_columns) - len(missing)
    names = (
        " and ".join(f"'{c}'" for c in missing)
        if len(missing) <= 3
        else (", ".join(f"'{c}'" for c in missing[:-1]) + f" and '{missing[-1]}'")
    )
    accepted = []
    for c in missing[:3]:
        syns = contract.table(t.name).column(c).synonyms[:3]
        accepted.append(f"{c}: '{c}*'" + (f", {', '.join(repr(x) for x in syns)}" if syns else ""))
    lead = (
        f"This looks like {t.name} ({found} of {len(t.required_columns)} required columns found), but "
        if looks_like
        else ""
    )
    return Issue(
        ERROR,
        "missing_column",
        f"{lead}{'r' if lead else 'R'}equired column{'s' if len(missing) > 1 else ''} {names} "
        f"{'is' if len(missing) == 1 else 'are'} missing. Add "
        f"{'it' if len(missing) == 1 else 'them'} (headers accepted: {'; '.join(accepted)}), "
        "or map the export's column on the Mapper page (a default for blanks works too). "
        "The other columns were still checked, below.",
        row=sheet.header_row,
        column=", ".join(missing),
        **where,
    )


def _glob_ignored(header: str, patterns: list[str]) -> bool:
    """An ignore entry with * or ? matches headers as a wildcard (case ignored)."""
    import fnmatch

    h = header.strip().lower()
    return any(fnmatch.fnmatchcase(h, p.strip().lower()) for p in patterns if "*" in p or "?" in p)


def _blank_out(arr: pa.ChunkedArray | pa.Array, patterns: list[str]) -> pa.Array:
    import fnmatch

    pats = [p.strip().lower() for p in patterns]
    return pa.array(
        [
            "" if v and any(fnmatch.fnmatchcase(v.strip().lower(), p) for p in pats) else v
            for v in arr.to_pylist()
        ],
        pa.string(),
    )


def _blank(arr: pa.ChunkedArray | pa.Array) -> pa.Array:
    return pc.equal(pc.utf8_trim_whitespace(pc.fill_null(arr, "")), "")


def _fill_blanks(arr: pa.ChunkedArray | pa.Array, other: pa.ChunkedArray | pa.Array) -> pa.Array:
    return pc.if_else(_blank(arr), other, arr)


def _source(sheet: RawSheet, by_header: dict[str, int], header: str) -> pa.ChunkedArray | None:
    j = by_header.get(contract.normalise_header(header))
    return None if j is None else sheet.data[f"c{j}"]


def _apply_combine(
    sheet: RawSheet,
    mapping: Mapping,
    t: contract.Table,
    by_header: dict[str, int],
    arrays: dict[str, pa.Array],
    letters: dict[str, tuple[str, str]],
) -> None:
    for col, spec in mapping.combine.items():
        if col not in t.column_names:
            continue
        parts = [a for h in spec.get("columns", []) if (a := _source(sheet, by_header, h)) is not None]
        if not parts:
            continue
        sep = str(spec.get("separator", " "))
        values = [
            sep.join(v.strip() for v in row if v and v.strip())
            for row in zip(*(p.to_pylist() for p in parts), strict=True)
        ]
        arrays[col] = pa.array(values, pa.string())
        first = by_header[contract.normalise_header(spec["columns"][0])] if spec["columns"] else 0
        letters[col] = (" + ".join(str(h) for h in spec["columns"]), column_letter(first))


def _apply_split(
    sheet: RawSheet,
    mapping: Mapping,
    t: contract.Table,
    by_header: dict[str, int],
    arrays: dict[str, pa.Array],
    letters: dict[str, tuple[str, str]],
) -> None:
    for src, spec in mapping.split.items():
        arr = _source(sheet, by_header, src)
        into = [c for c in spec.get("into", [])]
        if arr is None:
            continue
        sep = str(spec.get("separator"))
        pieces = [
            ((v or "").split(sep, len(into) - 1) + [""] * len(into))[: len(into)] for v in arr.to_pylist()
        ]
        for k, col in enumerate(into):
            if col in t.column_names:
                arrays[col] = pa.array([p[k].strip() for p in pieces], pa.string())
                letters[col] = (
                    f"{src} (part {k + 1})",
                    column_letter(by_header[contract.normalise_header(src)]),
                )


def _apply_fallbacks(
    sheet: RawSheet,
    mapping: Mapping,
    t: contract.Table,
    by_header: dict[str, int],
    arrays: dict[str, pa.Array],
    letters: dict[str, tuple[str, str]],
) -> None:
    """Fill each column's blanks from the mapping's fallback headers, in order. A column
    the source lacks is read from its first fallback, and named as that header and column
    (the problems in it are at that header's cells, not under the contract's name)."""
    n = sheet.data.num_rows
    for col, headers in mapping.fallbacks.items():
        if col not in t.column_names:
            continue
        for h in headers:
            other = _source(sheet, by_header, h)
            if other is None:
                continue
            if col not in arrays:
                j = by_header[contract.normalise_header(h)]
                letters[col] = (sheet.headers[j], column_letter(j))
            arrays[col] = other if col not in arrays else _fill_blanks(arrays[col], other)
        if col in arrays and len(arrays[col]) != n:  # pragma: no cover - same sheet, same length
            raise ValueError(col)


def _reformat_dates(arr: pa.ChunkedArray | pa.Array, fmt: str | list[str]) -> pa.Array:
    """Dates written in the mapping's strptime format(s) -> ISO text; anything else is left
    as it was, for the date checks to report in the person's own words."""
    formats = [fmt] if isinstance(fmt, str) else list(fmt)
    out = []
    for v in arr.to_pylist():
        text = (v or "").strip()
        iso = None
        for f in formats if text else []:
            try:
                iso = dt.datetime.strptime(text, f).date().isoformat()
                break
            except ValueError:
                continue
        out.append(iso if iso is not None else v)
    return pa.array(out, pa.string())


_NUMBER_TEXT = re.compile(r"^[^\d\-+.]*([-+]?[\d,]*\.?\d+)\s*[^\d]*$")


def _scale(arr: pa.ChunkedArray | pa.Array, factor: float) -> pa.Array:
    """Numbers in thousands or millions -> units. A currency sign or unit around the number
    is dropped (£450.37m); text that is not a number is left for the checks to report."""
    out = []
    for v in arr.to_pylist():
        m = _NUMBER_TEXT.match((v or "").strip())
        if not m:
            out.append(v)
            continue
        try:
            number = float(m.group(1).replace(",", "")) * factor
        except ValueError:
            out.append(v)
            continue
        out.append(str(round(number, 6)).removesuffix(".0"))
    return pa.array(out, pa.string())


def blank_out(sheet: RawSheet, patterns: list[str]) -> RawSheet:
    """The sheet with the mapping's blank values ("#N/A", "*exempt*") read as blank."""
    import fnmatch

    data = pa.table({name: _blank_out(sheet.data[name], patterns) for name in sheet.data.column_names})
    pats = [p.strip().lower() for p in patterns]
    return replace(
        sheet,
        data=data,
        # an Excel error the mapping reads as blank ("#N/A") is blank, not an error
        excel_errors={
            at: text
            for at, text in sheet.excel_errors.items()
            if not any(fnmatch.fnmatchcase(text.lower(), p) for p in pats)
        },
    )


def drop_rows(sheet: RawSheet, mapping: Mapping) -> RawSheet:
    """The sheet without the rows the mapping leaves out (a template or total row)."""
    keep = None
    for header, values in mapping.drop_rows.items():
        j = next(
            (
                k
                for k, h in enumerate(sheet.headers)
                if contract.normalise_header(h) == contract.normalise_header(header)
            ),
            None,
        )
        if j is None:
            continue
        hit = pc.is_in(
            pc.utf8_trim_whitespace(sheet.data[f"c{j}"]), value_set=pa.array([str(v) for v in values])
        )
        drop = pc.fill_null(hit, False)
        keep = pc.invert(drop) if keep is None else pc.and_(keep, pc.invert(drop))
    if keep is None:
        return sheet
    kept = pc.indices_nonzero(pc.fill_null(keep, False)).to_pylist()
    moved = {old: new for new, old in enumerate(kept)}  # a kept row's index after the filter
    return replace(
        sheet,
        data=sheet.data.filter(keep),
        rows=sheet.rows.filter(keep),
        excel_errors={(moved[i], j): t for (i, j), t in sheet.excel_errors.items() if i in moved},
        ambiguous_numbers={j: moved[i] for j, i in sheet.ambiguous_numbers.items() if i in moved},
    )


SHIPPED_DIR = Path(__file__).resolve().parent.parent / "mappings"


def shipped() -> dict[str, Mapping]:
    """The mappings shipped with the product (mappings/*.json), by name."""
    out = {}
    for path in sorted(SHIPPED_DIR.glob("*.json")):
        m = Mapping.from_json(path.read_text(encoding="utf-8"))
        out[m.name or path.stem] = m
    return out


def resolve(saved: dict[str, str], name: str) -> Mapping | None:
    """A mapping by name: a version saved in the store (`saved`: name -> spec JSON) beats
    the shipped one of the same name."""
    if name in saved:
        return Mapping.from_json(saved[name])
    return shipped().get(name)


def transpose(sheet: RawSheet) -> RawSheet:
    """A sheet with one record per column (field names down the first column) as one record
    per row. A record's row number is its column's number in the source; `field_rows` keeps
    where each field is (ingest._at_source_cells puts issues back at the source's cells)."""
    names = [sheet.headers[0], *[v or "" for v in sheet.data["c0"].to_pylist()]]
    records = list(range(1, len(sheet.headers)))
    columns = [[sheet.headers[j] for j in records]]
    for i in range(sheet.data.num_rows):
        row = [sheet.data[f"c{j}"][i].as_py() or "" for j in records]
        columns.append(row)
    headers = [str(n).strip() for n in names]
    data = pa.table({f"c{k}": pa.array(col, pa.string()) for k, col in enumerate(columns)})
    keep = [k for k in range(len(headers)) if headers[k] or pc.any(pc.not_equal(data[f"c{k}"], "")).as_py()]
    column_of = {k: n for n, k in enumerate(keep)}
    source_rows = [sheet.header_row, *(int(r) for r in sheet.rows.to_pylist())]
    return RawSheet(
        file=sheet.file,
        sheet=sheet.sheet,
        headers=[headers[k] for k in keep],
        header_row=1,
        data=pa.table({f"c{i}": data[f"c{k}"] for i, k in enumerate(keep)}),
        rows=pa.array([j + 1 for j in records], pa.int64()),
        decimal_comma=sheet.decimal_comma,
        skipped=sheet.skipped,
        field_rows=tuple(source_rows[k] for k in keep),
        # the source's field i of record (column) j is the record's row j - 1, column i + 1
        excel_errors={
            (j - 1, column_of[i + 1]): t
            for (i, j), t in sheet.excel_errors.items()
            if j >= 1 and i + 1 in column_of
        },
    )


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

    limit = current().limits.max_text_chars
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
        if mapping.layout == "columns":
            sheet = transpose(sheet)
        if mapping.blank_values:
            sheet = blank_out(sheet, mapping.blank_values)
        if mapping.drop_rows:
            sheet = drop_rows(sheet, mapping)
        issues.extend(cell_problems(sheet))
        if sheet.skipped:
            issues.append(
                Issue(
                    WARNING,
                    "rows_skipped",
                    f"Skipped {sheet.skipped}: not part of the table, nothing there was read.",
                    file=sheet.file,
                    sheet=sheet.sheet,
                    row=sheet.header_row,
                )
            )
        table_name = identify_table(sheet, mapping)
        nearly = None
        if table_name is None:
            nearly = table_name = looks_like(sheet, mapping)
        if table_name is None:
            if not (sheet.sheet and contract.normalise_header(sheet.sheet) in IGNORED_SHEETS):
                issues.append(
                    Issue(
                        WARNING,
                        "unknown_sheet",
                        "Could not tell which contract "
                        "table this holds: its name is no table's and its headers cover "
                        "fewer than half of any table's required columns; it was "
                        "ignored. Name it after a table (projects, milestones, "
                        "raid, allocations, capacity, financials), or choose its table "
                        "on the Mapper page.",
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
        m, sheet_issues = map_sheet(sheet, table_name, mapping, dayfirst, looks_like=nearly is not None)
        issues.extend(sheet_issues)
        if m is not None:
            mapped.append(m)
    return mapped, issues
