"""Bytes -> raw sheets of text cells, safely.

Every file a person uploads passes through `read_upload`. It sniffs the format from the
bytes (never trusting the extension), enforces the size, member-count and compression
limits before decompressing anything large, refuses XML with DTDs (entity bombs) and
unsafe ZIP member names, and returns one `RawSheet` per CSV file or worksheet. Cells are
text; typing happens in DuckDB (queries/macros/).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import gc
import io
import re
import zipfile
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from epmo.report import ERROR, Issue, RejectedFile
from epmo.settings import current

if TYPE_CHECKING:
    import numpy as np

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DELIMITERS = (",", ";", "\t", "|")
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass
class RawSheet:
    """One table-shaped block of text cells as the person sees it."""

    file: str
    sheet: str  # worksheet name, or "" for a CSV
    headers: list[str]
    header_row: int  # 1-based row number of the header row
    data: pa.Table  # one string column per header, named c0..cN-1
    rows: pa.Array  # 1-based row number a person sees, per data row
    decimal_comma: bool = False
    skipped: str = ""  # what was skipped above the header row (blank lines, a title), in words
    # column index -> the first data row (index into `data`) of a number such as 283.000 that
    # reads as 283 with a decimal point or 283000 with a thousands dot, when nothing else in
    # the file says which separator it uses (detect_decimal_comma); the mapping refuses it in
    # a number column unless it names the decimal separator (mapping.py)
    ambiguous_numbers: dict[int, int] = field(default_factory=dict)
    # (index into `data`, column index) -> the Excel error a workbook cell holds (#DIV/0!: a
    # formula that failed), which the workbook library reads as blank; the mapping refuses
    # it in a column the upload uses (mapping.py, excel_error)
    excel_errors: dict[tuple[int, int], str] = field(default_factory=dict)
    # a transposed sheet (mapping.transpose): per column, the source row holding its field's
    # name and values (a record's values are then in its row number's column)
    field_rows: tuple[int, ...] = ()
    # a sheet converted from a file that has no cells (a Microsoft Project plan): per
    # header, the field as the tool names it ('Finish'), and per data row, the row the tool
    # shows (the task's ID); ingest._at_plan_fields reports the issues there
    source_fields: tuple[str, ...] = ()
    source_rows: tuple[int, ...] = ()


def _reject(file: str, rule: str, message: str, sheet: str = "") -> RejectedFile:
    return RejectedFile(Issue(ERROR, rule, message, file=file, sheet=sheet))


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def read_upload(name: str, data: bytes, max_file_mb: float | None = None) -> list[RawSheet]:
    """Read one uploaded file (CSV, XLSX or ZIP of CSVs) into raw sheets.

    Raises RejectedFile with a specific, actionable message for anything unreadable.
    """
    limit_mb = float(max_file_mb if max_file_mb is not None else current().limits.max_file_mb)
    if len(data) > limit_mb * 1_000_000:
        raise _reject(
            name,
            "file_too_large",
            f"The file is {_mb(len(data))}; the limit is {limit_mb:g} MB. Split it into "
            "smaller uploads (for example one per table), or ask an admin to raise "
            "limits.max_file_mb.",
        )
    if not data:
        raise _reject(name, "empty_file", "The file is empty. Export it again and re-upload.")
    head = data[:8]
    if head.startswith(OLE_MAGIC) and name.lower().endswith(".mpp"):
        from epmo.importers.mspdi import refuse_mpp

        raise refuse_mpp(name)
    if head.startswith(OLE_MAGIC):
        raise _reject(
            name,
            "encrypted_or_legacy_workbook",
            "This is a password-protected workbook or an old .xls file, which cannot be "
            "read. Remove the password (File > Info > Protect Workbook) and save as .xlsx.",
        )
    if head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC):
        return _read_zip_container(name, data)
    if name.lower().endswith((".xlsx", ".xlsm", ".xls", ".zip")):
        looks_text = _looks_like_text(data[:65536])
        kind = "text (probably a CSV)" if looks_text else "not a workbook"
        raise _reject(
            name,
            "wrong_extension",
            f"The file is named {PurePosixPath(name).suffix} but its content is {kind}. "
            "Save it from Excel as .xlsx, or rename a CSV to .csv.",
        )
    if _looks_like_xml(name, data):  # Microsoft Project XML (MSPDI); other XML is refused there
        from epmo.importers.mspdi import read_mspdi

        return read_mspdi(name, data)
    if name.lower().endswith(".json") or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return [read_json_records(name, [(PurePosixPath(name).stem, data)])]
    return [read_csv_bytes(name, data)]


def _looks_like_xml(name: str, data: bytes) -> bool:
    if name.lower().endswith(".xml"):
        return True
    start = data[:4].lstrip(b"\xef\xbb\xbf")
    return start.startswith(b"<?xm") or start.startswith((b"\xff\xfe<\x00", b"\xfe\xff\x00<"))


def _flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    """Nested JSON -> dotted keys of text cells: {"a": {"b": [{"c": 1}]}} -> a.b.0.c = "1"."""
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, list) and value and all(isinstance(v, dict | list) for v in value):
        for i, v in enumerate(value):
            _flatten(f"{prefix}.{i}", v, out)
    elif isinstance(value, list):
        out[prefix] = "; ".join(cell_text(v) for v in value)
    else:
        out[prefix] = cell_text(value)


def read_json_records(name: str, members: list[tuple[str, bytes]]) -> RawSheet:
    """JSON files as one table: each file holds one record (an object) or a list of them;
    nested fields become dotted headers ("phase-history.beta.0.date"), and the column
    `source_file` says which file each record came from (its name without .json)."""
    import json

    records: list[dict[str, str]] = []
    for stem, data in members:
        try:
            text, _enc = decode_text(name, data)
            doc = json.loads(text.lstrip("\ufeff"))
        except (ValueError, RecursionError) as exc:
            raise _reject(
                name,
                "unreadable_json",
                f"'{stem}' is not valid JSON ({_short(exc)}). Export it again, or save it as CSV.",
            ) from None
        items = doc if isinstance(doc, list) else [doc]
        for item in items:
            if not isinstance(item, dict):
                raise _reject(
                    name,
                    "unreadable_json",
                    f"'{stem}' holds a {type(item).__name__}, not records (JSON objects).",
                )
            flat: dict[str, str] = {"source_file": stem}
            _flatten("", item, flat)
            records.append(flat)
    if len(records) > current().limits.max_rows:
        raise _reject(
            name,
            "too_many_rows",
            f"The JSON holds {len(records):,} records; the limit is {current().limits.max_rows}.",
        )
    headers: list[str] = []
    seen: set[str] = set()
    for r in records:
        for k in r:
            if k not in seen:
                seen.add(k)
                headers.append(k)
    if len(headers) > current().limits.max_columns:
        raise _reject(
            name,
            "sheet_too_large",
            f"The JSON has {len(headers):,} different fields; the limit is {current().limits.max_columns}.",
        )
    data = pa.table(
        {f"c{j}": pa.array([r.get(h, "") for r in records], pa.string()) for j, h in enumerate(headers)}
    )
    return RawSheet(
        file=name,
        sheet="",
        headers=headers,
        header_row=1,
        data=data,
        rows=pa.array(range(1, len(records) + 1), pa.int64()),
    )


def _looks_like_text(sample: bytes) -> bool:
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        if exc.start > len(sample) - 4:
            return True
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable / max(len(text), 1) > 0.97


# --------------------------------------------------------------------------- CSV


def decode_text(name: str, data: bytes) -> tuple[str, str]:
    """Decode CSV bytes; returns (text, encoding). UTF-8 (BOM or not), UTF-16, cp1252.

    Strict: a file that is valid UTF-8 is UTF-8; a file that is UTF-8 except for some
    bytes (a cp1252 "é" pasted into a UTF-8 export) mixes two encodings and is refused
    with the line of the first bad byte, never decoded wholly as cp1252 ("ZoÃ«"); a file
    without a single UTF-8 multibyte sequence is cp1252 (latin-1 for its five undefined
    bytes). A few NUL bytes in a text file are left to the cell check (which names the
    row and column); many mean a binary file.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _mixed_encoding(name, data, exc.start + 3) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise _reject(name, "bad_encoding", "The file claims UTF-16 but is damaged.") from None
    sample = data[:4096]
    for enc, zeros, other in (
        ("utf-16-le", sample[1::2], sample[::2]),
        ("utf-16-be", sample[::2], sample[1::2]),
    ):
        if len(sample) >= 4 and zeros.count(0) > len(sample) // 4 and b"\x00" not in other:
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                raise _reject(
                    name,
                    "bad_encoding",
                    "The file looks like UTF-16 without a byte-order mark but is damaged "
                    "(it has an odd number of bytes or a broken character). Save it again "
                    "from Excel as 'CSV UTF-8'.",
                ) from None
    head = data[:65536]
    if head.count(0) > max(len(head) // 100, 1):
        raise _reject(
            name,
            "binary_file",
            "The file is binary, not a CSV or Excel workbook. Upload the weekly extract as "
            ".csv, .xlsx or a .zip of CSVs (templates are on the Upload page).",
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if _UTF8_MULTIBYTE.search(data) is not None:
        valid = sum(1 for _ in _UTF8_MULTIBYTE.finditer(data))
        invalid = data.decode("utf-8", errors="replace").count("\ufffd")
        if valid >= invalid:
            raise _mixed_encoding(name, data, first_bad)
    try:
        text = data.decode("cp1252")
        enc = "cp1252"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        enc = "latin-1"
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text[:65536])
    if printable / max(len(text[:65536]), 1) < 0.95:
        raise _reject(
            name,
            "binary_file",
            "The file is binary, not readable text. Upload the weekly extract as .csv, .xlsx "
            "or a .zip of CSVs.",
        )
    return text, enc


# A well-formed UTF-8 sequence of two to four bytes (RFC 3629: no overlongs, no surrogates).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


def _mixed_encoding(name: str, data: bytes, first_bad: int) -> RejectedFile:
    """A UTF-8 file with bytes that are not UTF-8: name the lines, say how to fix it."""
    line_no = data.count(b"\n", 0, first_bad) + 1
    start = data.rfind(b"\n", 0, first_bad) + 1
    before = data[max(start, first_bad - 30) : first_bad].decode("utf-8", errors="replace")
    lines = data.decode("utf-8", errors="replace").split("\n")
    bad_lines = [i + 1 for i, line in enumerate(lines) if "\ufffd" in line]
    others = [n for n in bad_lines if n != line_no]
    more = ""
    if others:
        shown = ", ".join(str(n) for n in others[:5])
        more = f" (and {len(others)} other line{'s' if len(others) > 1 else ''}: {shown}{', ...' if len(others) > 5 else ''})"
    near = f" after {before!r}" if before.strip() else ""
    issue = Issue(
        ERROR,
        "mixed_encoding",
        f"The file is UTF-8, but line {line_no}{more} holds a byte that is not UTF-8 "
        f"(0x{data[first_bad]:02X}{near}), probably a character pasted from another "
        "program in the Windows (cp1252) encoding: the file mixes two encodings, so some "
        f"letters would be stored wrong. Retype the accented letters on line {line_no}, or "
        "open the file in Excel and save it again as 'CSV UTF-8'.",
        file=name,
        row=line_no,
    )
    return RejectedFile(issue)


def sniff_delimiter(text: str) -> str:
    """The delimiter used in the header line (comma, semicolon, tab or pipe)."""
    text = text.lstrip("\ufeff")
    end = text.find("\n")
    first = text if end < 0 else text[:end]  # no copy of the rest of a large file
    counts: dict[str, int] = {}
    in_quotes = False
    for ch in first:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes and ch in DELIMITERS:
            counts[ch] = counts.get(ch, 0) + 1
    if not counts:
        return ","
    return max(DELIMITERS, key=lambda d: counts.get(d, 0))


_COMMA_DECIMAL = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d+$|^-?\d+,\d+$|^-?\d{1,3}(\.\d{3}){2,}$")
_DOT_DECIMAL = re.compile(r"^-?\d{1,3}(,\d{3})*\.\d+$|^-?\d+\.\d+$")
# 283.000: 283 (a decimal point) or 283000 (a thousands dot)
_ONE_DOT_GROUP = re.compile(r"^-?\d{1,3}\.\d{3}$")
# what may surround an amount: spaces, a currency sign, a percent sign
_AMOUNT_EDGES = re.compile(r"^[\s\u00a0€$£¥%]+|[\s\u00a0€$£¥%]+$")


def detect_decimal_comma(table: pa.Table, delimiter: str) -> tuple[bool, dict[int, int]]:
    """Whether the file writes decimals with a comma (only plausible when the delimiter is
    not a comma), and where numbers are that read either way.

    The numbers of the first 2,000 rows vote (currency and percent signs aside): 1,5 and
    1.234,5 and 1.234.567 for the comma, 1.5 and 1,234.5 for the point. A number such as
    283.000 says nothing (283, or 283000 with a thousands dot). When no number votes and some
    are such, the second value gives, per column, the first row of one: the mapping refuses
    it in a number column rather than guess a thousand times too small or too large."""
    if delimiter == ",":
        return False, {}
    comma = dot = 0
    ambiguous: dict[int, int] = {}
    sample = table.slice(0, 2000)
    for j, col in enumerate(sample.columns):
        for i, v in enumerate(col.to_pylist()):
            if not v:
                continue
            v = _AMOUNT_EDGES.sub("", v)
            if _COMMA_DECIMAL.match(v):
                comma += 1
            elif _ONE_DOT_GROUP.match(v):
                if v.lstrip("-").replace(".", "").strip("0"):  # 0.000 is 0 either way
                    ambiguous.setdefault(j, i)
            elif _DOT_DECIMAL.match(v):
                dot += 1
    return comma > dot, ({} if comma or dot else ambiguous)


def read_csv_bytes(name: str, data: bytes, sheet: str = "") -> RawSheet:
    text, encoding = decode_text(name, data)
    text = text.lstrip("\ufeff")
    if not text or text.isspace():
        raise _reject(name, "empty_file", "The file has no rows. Export it again with headers.")
    start, header_no, skipped = find_header_line(text)
    if start:
        text = text[start:]
    delimiter = sniff_delimiter(text)
    end = text.find("\n")
    header_line = next(csv.reader(io.StringIO(text if end < 0 else text[:end]), delimiter=delimiter), [])
    headers = [h.strip() for h in header_line]
    if not any(headers):
        raise _reject(
            name,
            "no_header",
            "The first row is empty; the first row must hold the column headers (see the template).",
        )
    width = len(headers)
    names = [f"c{i}" for i in range(width)]
    bad_rows: list[int] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row.number if row.number is not None else -1)
        return "skip"

    payload = data if encoding in ("utf-8", "utf-8-sig") else text.encode("utf-8")
    if encoding == "utf-8-sig":
        payload = data[3:]
    if start:
        payload = text.encode("utf-8")
    payload, footer = _strip_footer(payload, delimiter, width)
    if footer:
        skipped = "; ".join(x for x in (skipped, footer) if x)
    max_rows = current().limits.max_rows
    try:
        table = pacsv.read_csv(
            pa.BufferReader(payload),  # read in place: no 4 MB block copies through Python
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=1, use_threads=True, block_size=1 << 22
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException) as exc:
        raise _reject(
            name,
            "unreadable_csv",
            f"The CSV could not be parsed ({_short(exc)}). Check for an unclosed quote "
            "and save it again as CSV.",
        ) from None
    if bad_rows:
        first = ", ".join(str(r + header_no) for r in bad_rows[:5] if r >= 0)
        raise _reject(
            name,
            "ragged_rows",
            ("1 row does not have" if len(bad_rows) == 1 else f"{len(bad_rows):,} rows do not have")
            + f" {width} values like the header row (line {header_no})"
            + (f" (for example row {first})" if first else "")
            + ". Check for delimiters inside unquoted values.",
        )
    if table.num_rows > max_rows:
        raise _reject(
            name,
            "too_many_rows",
            f"The file has {table.num_rows:,} rows; the "
            f"limit is {max_rows:,}. Split it into smaller uploads.",
        )
    table = _drop_blank_rows(table)
    rows = _row_numbers(table, first_data_row=header_no + 1)
    table = table.drop_columns(["__row"])
    decimal_comma, ambiguous = detect_decimal_comma(table, delimiter)
    return RawSheet(
        file=name,
        sheet=sheet,
        headers=headers,
        header_row=header_no,
        data=table,
        rows=rows,
        decimal_comma=decimal_comma,
        skipped=skipped,
        ambiguous_numbers=ambiguous,
    )


_TITLE_SCAN_LINES = 30


def find_header_line(text: str) -> tuple[int, int, str]:
    """Where the header row starts: (character offset, 1-based line number, what was skipped
    in words). Blank lines and title lines above the header are skipped: the header is the
    first line with at least two values whose value count the next non-blank line repeats
    (a title such as "Projects export, 2025" has fewer values than the table under it).
    Only the first 30 lines are looked at; a file whose first line is the header costs
    one short parse."""
    lines: list[tuple[int, str]] = []
    pos = 0
    while len(lines) < _TITLE_SCAN_LINES + 1 and pos <= len(text):
        end = text.find("\n", pos)
        line = text[pos:] if end < 0 else text[pos:end]
        lines.append((pos, line.rstrip("\r")))
        if end < 0:
            break
        pos = end + 1

    def values(line: str) -> list[str]:
        delimiter = sniff_delimiter(line)
        try:
            return next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:
            return []

    counts = [len(values(line)) if line.strip() else 0 for _, line in lines]
    filled = [sum(1 for v in values(line) if v.strip()) if line.strip() else 0 for _, line in lines]
    nonblank = [k for k in range(len(lines)) if filled[k]]
    header = nonblank[0] if nonblank else 0
    for i in nonblank:
        following = next((counts[k] for k in nonblank if k > i), None)
        above = [filled[k] for k in nonblank if k < i]
        if filled[i] >= 2 and (following is None or following == counts[i]):
            if all(n <= filled[i] // 2 for n in above):  # titles: at most half as wide
                header = i
            break
    if header == 0:
        return 0, 1, ""
    blank = header - sum(1 for k in nonblank if k < header)
    titles = [lines[k][1].strip() for k in nonblank if k < header]
    parts = []
    if blank:
        parts.append(f"{blank} blank line{'s' if blank > 1 else ''}")
    if titles:
        shown = titles[0][:60] + ("..." if len(titles[0]) > 60 else "")
        parts.append(f"{len(titles)} title line{'s' if len(titles) > 1 else ''} ('{shown}')")
    return lines[header][0], header + 1, f"{' and '.join(parts)} above the header row (line {header + 1})"


def _strip_footer(payload: bytes, delimiter: str, width: int) -> tuple[bytes, str]:
    """A table's export often ends with a line or two that are not rows ("Generated at ...
    using JIRA", "Total: 214"): up to three last lines with a single value under a header of
    three or more columns are left out, and said (the payload is cut, nothing copied)."""
    if width < 3:
        return payload, ""
    cut, lines = _end_of_text(payload, len(payload)), []
    for _ in range(3):
        start = payload.rfind(b"\n", 0, cut) + 1
        if cut - start > 1000:  # a footer is a short line; a long one is data, not parsed here
            break
        line = payload[start:cut].decode("utf-8", "replace").strip()
        if not line or start == 0:
            break
        try:
            values = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:  # not a simple line: leave it to the table's own reader
            break
        if sum(1 for v in values if v.strip()) != 1 or len(values) > 2:
            break
        lines.append(line)
        cut = _end_of_text(payload, start)
    if not lines:
        return payload, ""
    shown = lines[-1][:60]
    return payload[
        :cut
    ] + b"\n", f"{len(lines)} footer line{'s' if len(lines) > 1 else ''} ('{shown}') below the table"


def _end_of_text(payload: bytes, end: int) -> int:
    """Where payload[:end] ends without its trailing line breaks, spaces and tabs (found
    from the end: rstrip would copy a whole large file to find it)."""
    while end and payload[end - 1] in b"\r\n \t":
        end -= 1
    return end


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _drop_blank_rows(table: pa.Table) -> pa.Table:
    """Adds __row (0-based position) and removes rows whose every cell is blank.

    A cell is blank when empty or only whitespace (Arrow's utf8_is_space); the table is
    only filtered when a blank row exists (see _blank_positions for how few cells are
    looked at).
    """
    import numpy as np
    import pyarrow.compute as pc

    table = table.append_column("__row", pa.array(np.arange(table.num_rows, dtype=np.int64)))
    if table.num_rows == 0 or table.num_columns == 1:
        return table

    def blank(cells: pa.Array) -> pa.Array:
        cells = pc.fill_null(cells, "")
        return pc.or_(pc.equal(pc.utf8_length(cells), 0), pc.utf8_is_space(cells))

    found = _blank_positions(table.columns[:-1], blank)
    if found is None:
        return table
    keep = np.ones(table.num_rows, dtype=bool)
    keep[found] = False
    return table.filter(pa.array(keep))


def string_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bytes, start offsets, lengths) of a string array, read from its buffers without a
    copy. A null's length is whatever its offsets say (usually 0): callers that need nulls
    as empty strings fill them first (epmo/fastpath.py)."""
    import numpy as np

    _validity, offsets_buf, data_buf = arr.buffers()
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=width)[arr.offset : arr.offset + len(arr) + 1].astype(np.int64)
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    return data, offsets[:-1], np.diff(offsets)


def _may_be_blank(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """For each cell, False when it is certainly not blank: not null and its first byte is
    printable ASCII other than a space (0x21 to 0x7E). Every other cell (empty, null, or
    starting with a space, a control character or a multibyte character, which may be a
    Unicode space) may be blank. Read from the Arrow buffers, nothing copied."""
    import numpy as np

    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    out = []
    for arr in chunks:
        if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
            out.append(np.ones(len(arr), dtype=bool))  # not text: the exact test decides
            continue
        data, starts, lengths = string_buffers(arr)
        if len(data) == 0:
            maybe = np.ones(len(arr), dtype=bool)
        else:
            first = data[np.minimum(starts, len(data) - 1)]
            maybe = (lengths <= 0) | (first < 0x21) | (first >= 0x7F)
        if arr.null_count:
            maybe |= np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        out.append(maybe)
    return np.concatenate(out) if out else np.zeros(0, dtype=bool)


def _blank_positions(
    columns: list[pa.ChunkedArray], blank: Callable[[pa.Array], pa.Array]
) -> np.ndarray | None:
    """The positions of the rows whose every cell is blank (`blank`, the exact test of a
    column's cells), or None when there are none.

    Only the cells that may be blank (_may_be_blank) get the exact test, and each column
    only for the rows still blank in every column before it: a table with no blank row
    costs one look at the first byte of each cell of its first column."""
    import numpy as np

    rows: np.ndarray | None = None
    for column in columns:
        if rows is None:
            rows = np.flatnonzero(_may_be_blank(column))
        else:
            rows = rows[_may_be_blank(column.take(pa.array(rows)))]
        if len(rows) == 0:
            return None
        exact = blank(column.take(pa.array(rows)))
        rows = rows[np.asarray(_as_mask(exact), dtype=bool)]
        if len(rows) == 0:
            return None
    return rows


def _as_mask(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow mask as numpy, nulls as False."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def _row_numbers(table: pa.Table, first_data_row: int) -> pa.Array:
    import pyarrow.compute as pc

    return pc.add(table["__row"], first_data_row).combine_chunks()


# --------------------------------------------------------------------------- ZIP / XLSX


def _check_zip(name: str, zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > current().limits.max_zip_members:
        raise _reject(
            name,
            "too_many_members",
            f"The archive holds {len(infos)} files; the limit is {current().limits.max_zip_members}.",
        )
    total = 0
    max_ratio = float(current().limits.max_compression_ratio)
    for info in infos:
        if info.flag_bits & 0x1:
            raise _reject(
                name, "encrypted_zip", "The archive is password-protected. Upload it without a password."
            )
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > max_ratio:
            raise _reject(
                name,
                "zip_bomb",
                f"Member '{info.filename}' expands {info.file_size / info.compress_size:,.0f}"
                f" times (limit {max_ratio:g}); this looks like a zip bomb and was not opened.",
            )
    limit = float(current().limits.max_uncompressed_mb) * 1_000_000
    if total > limit:
        raise _reject(
            name,
            "zip_bomb",
            f"The archive expands to {_mb(total)}; the limit is {_mb(int(limit))}. It was not opened.",
        )
    return infos


def _read_member(name: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Read one member, never more than its declared size (sizes can lie)."""
    with zf.open(info) as fh:
        data = fh.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise _reject(
            name,
            "zip_bomb",
            f"Member '{info.filename}' is larger than declared; "
            "the archive is damaged or hostile and was not opened.",
        )
    return data


def _read_zip_container(name: str, data: bytes) -> list[RawSheet]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = _check_zip(name, zf)
    except zipfile.BadZipFile:
        raise _reject(
            name,
            "damaged_archive",
            "The file looks like an XLSX or ZIP but is damaged. Save or export it again.",
        ) from None
    names = {i.filename for i in infos}
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return _read_xlsx(name, data, zf, infos)
    return _read_zip_of_csvs(name, zf, infos)


def _unsafe_member(member: str) -> bool:
    p = PurePosixPath(member.replace("\\", "/"))
    return (
        member.startswith(("/", "\\"))
        or "\\" in member
        or ".." in p.parts
        or (len(member) > 1 and member[1] == ":")
    )


def _read_zip_of_csvs(name: str, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> list[RawSheet]:
    for info in infos:
        if _unsafe_member(info.filename):
            raise _reject(
                name,
                "unsafe_zip_path",
                f"Member '{info.filename}' has an unsafe "
                "path (absolute or with '..'). Zip the CSV files without folders.",
            )
    sheets: list[RawSheet] = []
    json_members: list[tuple[str, bytes]] = []
    for info in infos:
        if info.is_dir() or PurePosixPath(info.filename).name.startswith((".", "__MACOSX")):
            continue
        if "__MACOSX" in info.filename:
            continue
        member = PurePosixPath(info.filename).name
        if member.lower().endswith(".json"):  # a folder of JSON records: one table
            json_members.append((PurePosixPath(member).stem, _read_member(name, zf, info)))
            continue
        if member.lower() in ("licence.txt", "license.txt", "readme.txt"):
            continue
        if not member.lower().endswith((".csv", ".txt", ".tsv")):
            raise _reject(
                name,
                "unsupported_member",
                f"Member '{info.filename}' is not a "
                "CSV. A ZIP upload may only hold CSV files, one per table.",
            )
        content = _read_member(name, zf, info)
        sheets.append(read_csv_bytes(f"{name}/{member}", content))
    if json_members:
        sheets.append(read_json_records(name, sorted(json_members)))
    if not sheets:
        raise _reject(name, "empty_archive", "The ZIP holds no CSV files.")
    return sheets


# ----------------------------------------------------------------- XLSX extent, before reading
#
# The XLSX reader builds one dense range per sheet, from A1 to the farthest cell, and copies
# a shared string into every cell that uses it. A 2 KB workbook whose only cell is at
# XFD1048576 is a 17-billion-cell range (512 GiB); one 1 MB shared string used by 5,000
# cells is 5 GB of text. So before the reader sees the workbook, every XML part is streamed
# (decompressed a chunk at a time, never whole), refused if it declares a DTD (entity
# bombs), and every worksheet's declared dimension, cell references and shared-string uses
# are measured against [limits]. The parse also runs in a child process with OS limits
# (epmo/isolate.py): this check gives the clear message, the child keeps the server alive.

_CHUNK = 1 << 20  # bytes of decompressed XML scanned at a time
_MAX_TAG = 1 << 20  # a start tag longer than this is refused (no real workbook has one)
# A start or empty tag: name (with an optional namespace prefix), attributes (quoted values
# may hold '>' but never '<'), and up to 40 characters of the text after it (a <v> index).
_ATTRS = rb"""((?:[^<>"']|"[^"<]*"|'[^'<]*')*)"""
_TAG = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?(row|c|v|dimension|si|sheet|Relationship)(?=[\s/>])"
    + _ATTRS
    + rb">([^<]{0,40})|</(?:[A-Za-z_][\w.-]*:)?(si)\s*>"
)
_ANY_TAG = re.compile(rb"<" + _ATTRS + rb">")
_ATTR = re.compile(rb"""(?:^|\s)(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_A1 = re.compile(rb"\s*\$?([A-Za-z]{0,10})\$?([0-9]{0,12})\s*")
_NUMBER = re.compile(rb"\s*([0-9]{1,12})\s*")
_SHEET_REL = b"/worksheet"  # relationship types end with /worksheet, /sharedStrings...


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _ATTR.finditer(raw)}


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _xml_tags(file: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[tuple[re.Match[bytes], int]]:
    """(match, offset of the match's buffer in the part) for each _TAG of one member."""
    for buf, cut, base in _xml_chunks(file, zf, info):
        for m in _TAG.finditer(buf, 0, cut):
            yield m, base


def _xml_chunks(
    file: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, unit: bytes = b""
) -> Iterator[tuple[bytes, int, int]]:
    """(buffer, end of the part to scan, offset of the buffer in the member) a chunk at a time;
    refuses DTDs and never reads more than the member's declared size.

    A chunk is scanned up to its last '<' (carried over to the next chunk) unless that tag is
    complete and followed by enough text for a match, so no tag or <v> value is split; with
    `unit` (b"<c " for a worksheet), up to the last start of a unit, so no cell is split.
    """
    carry = b""
    read = 0
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            read += len(chunk)
            if read > info.file_size:
                raise _reject(
                    file,
                    "zip_bomb",
                    f"Member '{info.filename}' is larger than declared; "
                    "the archive is damaged or hostile and was not opened.",
                )
            buf = carry + chunk if carry else chunk
            if b"<!" in buf and _DTD.search(buf):  # (the regex alone: 0.1 CPU s per 70 MB)
                raise _reject(
                    file,
                    "xml_entities",
                    "The workbook contains XML document type declarations (a known attack, "
                    "'billion laughs'); it was not opened. Save it again from Excel.",
                )
            cut = len(buf)
            last = buf.rfind(b"<") if chunk else -1
            if last >= 0:
                tag = _ANY_TAG.match(buf, last)
                if tag is None or len(buf) - tag.end() <= 40:
                    cut = last  # an incomplete tag, or too little text after it
                start = buf.rfind(unit, 0, cut) if unit else -1
                if start > 0:
                    cut = start
            yield buf, cut, read - len(buf)
            carry = buf[cut:]
            if len(carry) > _MAX_TAG:
                raise _reject(
                    file,
                    "damaged_workbook",
                    f"Part '{info.filename}' has an XML tag longer than {_MAX_TAG:,} bytes; the "
                    "workbook is damaged or hostile and was not opened. Save it again from Excel.",
                )
            if not chunk:
                return


def _resolve(base_dir: str, target: str) -> str:
    path = target.lstrip("/") if target.startswith("/") else f"{base_dir}/{target}"
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def _workbook_parts(file: str, zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> dict[str, str]:
    """Worksheet part (lower case) -> sheet name, plus the sharedStrings part under key ''."""
    names: dict[bytes, str] = {}  # relationship id -> sheet name
    targets: dict[bytes, tuple[bytes, str]] = {}
    workbook = members.get("xl/workbook.xml")
    rels = members.get("xl/_rels/workbook.xml.rels")
    if workbook is not None:
        for m, _ in _xml_tags(file, zf, workbook):
            if m.group(1) == b"sheet":
                a = _attrs(m.group(2))
                names[a.get(b"id", b"")] = a.get(b"name", b"").decode("utf-8", "replace")
    if rels is not None:
        for m, _ in _xml_tags(file, zf, rels):
            if m.group(1) == b"Relationship":
                a = _attrs(m.group(2))
                target = _resolve("xl", a.get(b"Target", b"").decode("utf-8", "replace")).lower()
                targets[a.get(b"Id", b"")] = (a.get(b"Type", b""), target)
    parts: dict[str, str] = {}
    for rid, (kind, target) in targets.items():
        if kind.endswith(_SHEET_REL):
            parts[target] = names.get(rid, target)
        elif kind.endswith(b"/sharedStrings"):
            parts[""] = target
    parts.setdefault("", "xl/sharedstrings.xml")
    for lower in members:  # any worksheet the relationships do not name is measured too
        if lower.startswith("xl/worksheets/") and lower.endswith(".xml"):
            parts.setdefault(lower, lower)
    return parts


def _shared_string_lengths(file: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo | None) -> array[int]:
    """Bytes of XML inside each <si> of the shared strings (an upper bound of its text)."""
    lengths: array[int] = array("q")
    if info is None:
        return lengths
    start = -1
    for m, base in _xml_tags(file, zf, info):
        if m.group(1) == b"si":
            if m.group(2).rstrip().endswith(b"/"):
                lengths.append(0)
            else:
                start = base + m.end(2) + 1
        elif m.group(4) == b"si" and start >= 0:
            lengths.append(base + m.start() - start)
            start = -1
    return lengths


def _sheet_message(sheet: str, what: str, rows: int, cols: int, limit: str) -> str:
    return (
        f"Sheet '{sheet}' {what}: read as a table from A1 that is {rows:,} row{'s' * (rows != 1)} x "
        f"{cols:,} column{'s' * (cols != 1)} ({rows * cols:,} cells); {limit}. This is usually formatting or a stray value "
        "far below or to the right of the data: delete the empty rows and columns beyond your "
        "data (select them, right-click > Delete) and save again."
    )


# The usual form of a worksheet (Excel, LibreOffice, openpyxl, xlsxwriter): every cell
# <c r="A1" ...>, shared-string cells <c r="A1" s="3" t="s"><v>7</v>. A chunk in that form
# is measured in bulk (its cells by _usual_cells, with numpy; the dimension and the shared
# strings with whole-chunk regexes), and any other chunk tag by tag. The form is proved by
# counting: what the bulk scan found must equal a cheap over-count of the real thing.
_RARE_CELL = b">/\t\n\r"  # after "<c": other ways to write a cell (not <col, <cfRule...)
_AFTER_REF = b" \t\n\r\x0b\x0c/>"  # after a cell reference's closing quote ([\s/>])
_FAST_SHARED = re.compile(rb't="s"(?: [^<>]*)?><v>([0-9]{1,12})</v>')
_FAST_DIMENSION = re.compile(rb'<dimension ref="([^"<]{0,40})"')


@dataclass(frozen=True)
class _Cells:
    """The cells of one chunk in the usual form, measured in bulk (see _usual_cells)."""

    count: int
    far_row: int
    far_row_ref: str  # the last cell on the farthest row
    far_col: int
    far_col_ref: str  # the first cell in the farthest column
    last_row: int  # the chunk's last cell
    last_col: int
    s_values: int  # attribute values written "s" or 's' (each should be a t="s")


def _usual_cells(buf: bytes, cut: int) -> _Cells | None:
    """Every cell of buf[:cut] when each is written <c r="A1"...> (1-3 capital letters, 1-7
    digits, then a quote and a space, '/' or '>'); None when any '<c' is a cell in another form, so
    that the exact scan reads the chunk. Vectorised over the cells, one byte position of the
    reference at a time: about 0.15 CPU s for 70 MB of XML, against 0.6 for one regex pass
    that makes Python objects for each cell."""
    import numpy as np

    a = np.concatenate([np.frombuffer(buf, np.uint8, count=cut), np.zeros(16, np.uint8)])
    quote = np.flatnonzero(a == 0x22)  # (zeros past cut: nothing matches there, as endpos=cut)
    s_values = int(np.count_nonzero((a[quote + 1] == 0x73) & (a[quote + 2] == 0x22)))
    s_values += buf.count(b"'s'", 0, cut)
    lt = np.flatnonzero(a == 0x3C)
    lt = lt[a[lt + 1] == 0x63]  # "<c"
    after = a[lt + 2]
    if _lookup(_RARE_CELL)[after].any():
        return None
    at = lt[after == 0x20]  # "<c "
    if not ((a[at + 3] == 0x72) & (a[at + 4] == 0x3D) & (a[at + 5] == 0x22)).all():  # r="
        return None
    if at.size == 0:
        return _Cells(0, 0, "", 0, "", 0, 0, s_values)
    base = at + 6
    col = np.zeros(at.size, np.int64)
    n_letters = np.zeros(at.size, np.int64)
    going = np.ones(at.size, bool)
    for k in range(4):  # a fourth letter stops nothing: refused below
        c = a[base + k]
        going &= (c >= 0x41) & (c <= 0x5A)
        col = np.where(going, col * 26 + c - 0x40, col)
        n_letters += going
    first_digit = base + n_letters
    row = np.zeros(at.size, np.int64)
    n_digits = np.zeros(at.size, np.int64)
    going[:] = True
    for k in range(8):
        c = a[first_digit + k]
        going &= (c >= 0x30) & (c <= 0x39)
        row = np.where(going, row * 10 + c - 0x30, row)
        n_digits += going
    close = first_digit + n_digits
    ok = (n_letters >= 1) & (n_letters <= 3) & (n_digits >= 1) & (n_digits <= 7)
    if not (ok & (a[close] == 0x22) & _lookup(_AFTER_REF)[a[close + 1]]).all():
        return None
    far_row, far_col = int(row.max()), int(col.max())
    i_row = int(np.flatnonzero(row == far_row)[-1])
    i_col = int(np.flatnonzero(col == far_col)[0])

    def ref(i: int) -> str:
        return buf[int(base[i]) : int(close[i])].decode()

    return _Cells(at.size, far_row, ref(i_row), far_col, ref(i_col), int(row[-1]), int(col[-1]), s_values)


@functools.cache
def _lookup(chars: bytes) -> Any:
    """A 256-entry table: True for the given bytes (indexed by a uint8 array)."""
    import numpy as np

    table = np.zeros(256, bool)
    table[np.frombuffer(chars, np.uint8)] = True
    return table


class _SheetScan:
    """One worksheet's dense range (A1 to its farthest cell) and the shared text it uses."""

    def __init__(
        self,
        file: str,
        sheet: str,
        zf: zipfile.ZipFile,
        info: zipfile.ZipInfo,
        lengths: array[int],
        text_budget: list[int],
    ) -> None:
        self.file, self.sheet, self.zf, self.info = file, sheet, zf, info
        self.lengths, self.text_budget = lengths, text_budget
        self.max_cells = current().limits.max_cells
        self.max_columns = current().limits.max_columns
        self.max_rows = current().limits.max_rows
        self.limit_text = float(current().limits.max_sheet_text_mb) * 1_000_000
        self.row = self.col = 0  # the current position (for cells written without r)
        self.far_row = self.far_col = 0
        self.far_row_ref = self.far_col_ref = ""
        self.shared_cell = ""  # the shared-string cell whose <v> comes next
        self.longest = (0, "", 0)  # (bytes, a cell using it, how many cells use it)
        self.declared = b""  # <dimension ref>, checked last (a far cell is the clearer message)

    def over(self, rows: int, cols: int) -> bool:
        return rows * cols > self.max_cells or cols > self.max_columns or rows > self.max_rows + 1

    def refuse(self, rows: int, cols: int, what: str) -> None:
        if cols > self.max_columns:
            rule, limit = "sheet_too_large", f"the limit is {self.max_columns:,} columns"
        elif rows > self.max_rows + 1:
            rule, limit = "too_many_rows", f"the limit is {self.max_rows:,} rows"
        elif rows * cols > self.max_cells:
            rule, limit = "sheet_too_large", f"the limit is {self.max_cells:,} cells"
        else:
            return
        raise _reject(self.file, rule, _sheet_message(self.sheet, what, rows, cols, limit), sheet=self.sheet)

    def bad_ref(self, ref: bytes) -> RejectedFile:
        shown = ref.decode("utf-8", "replace")[:40]
        return _reject(
            self.file,
            "damaged_workbook",
            f"Sheet '{self.sheet}' has a cell reference '{shown}' that is not an A1 reference; the "
            "workbook is damaged or hostile and was not opened. Save it again from Excel.",
            sheet=self.sheet,
        )

    def shared(self, cell: str, index: int) -> None:
        lengths = self.lengths
        size = lengths[index] if 0 <= index < len(lengths) else max(lengths, default=0)
        self.text_budget[0] += size
        if size > self.longest[0]:
            self.longest = (size, cell, 1)
        elif size == self.longest[0] and size:
            self.longest = (size, self.longest[1], self.longest[2] + 1)

    def fast(self, buf: bytes, cut: int) -> bool:
        """Measures a chunk in the usual form; False (nothing changed) when it is not in that
        form or crosses a limit, so that the exact scan reads it and names the cell."""
        if buf.count(b":c", 0, cut):  # a prefixed tag (<x:c), or ":c" in some text
            return False
        cells = _usual_cells(buf, cut)
        if cells is None:
            return False
        dims: list[bytes] = []
        if buf.find(b"dimension", 0, cut) >= 0:
            dims = _FAST_DIMENSION.findall(buf, 0, cut)
            if len(dims) != buf.count(b"dimension", 0, cut):
                return False
        shared = _FAST_SHARED.findall(buf, 0, cut)
        if len(shared) != cells.s_values:
            return False  # some attribute with the value s is not a shared-string cell's t="s"
        try:
            text = sum(map(self.lengths.__getitem__, map(int, shared)))
        except IndexError:  # an index past the shared strings: the exact scan counts the longest
            return False
        if cells.count:
            rows, cols = cells.far_row, cells.far_col
            if self.over(max(rows, self.far_row), max(cols, self.far_col)):
                return False
            if rows > self.far_row:
                self.far_row, self.far_row_ref = rows, cells.far_row_ref
            if cols > self.far_col:
                self.far_col, self.far_col_ref = cols, cells.far_col_ref
            self.row, self.col = cells.last_row, cells.last_col
        if dims:
            self.declared = dims[-1]
        self.text_budget[0] += text
        self.shared_cell = ""
        last_row = buf.rfind(b"<row", 0, cut)
        if last_row > buf.rfind(b"<c ", 0, cut):  # a row starts after the last cell
            m = _TAG.match(buf, last_row)
            if m is not None and m.end() <= cut:
                self.exact(m)
        return True

    def exact(self, m: re.Match[bytes]) -> None:
        """One tag of the worksheet, as the reader would place it."""
        tag = m.group(1)
        if tag == b"c":
            a = _attrs(m.group(2))
            ref = a.get(b"r")
            if ref is None:
                self.col += 1
            else:
                parsed = _A1.fullmatch(ref)
                if parsed is None or not (parsed.group(1) or parsed.group(2)):
                    raise self.bad_ref(ref)
                self.col = _column_number(parsed.group(1)) if parsed.group(1) else self.col + 1
                if parsed.group(2):
                    self.row = int(parsed.group(2))
            row, col = self.row, self.col
            here = ref.decode() if ref is not None else f"{_letters(col)}{row}"
            if row > self.far_row:
                self.far_row, self.far_row_ref = row, here
            if col > self.far_col:
                self.far_col, self.far_col_ref = col, here
            self.shared_cell = here if a.get(b"t") == b"s" else ""
            if self.over(self.far_row, self.far_col):
                if row == self.far_row and col == self.far_col:  # this cell is the far corner
                    what = f"has a cell at {here}"
                else:
                    what = (
                        f"has cells reaching row {self.far_row:,} ({self.far_row_ref}) and column "
                        f"{_letters(self.far_col)} ({self.far_col_ref})"
                    )
                self.refuse(self.far_row, self.far_col, what)
        elif tag == b"v" and self.shared_cell:
            number = _NUMBER.match(m.group(3))
            self.shared(self.shared_cell, int(number.group(1)) if number else -1)
            self.shared_cell = ""
        elif tag == b"row":
            ref = _attrs(m.group(2)).get(b"r")
            if ref is None:
                self.row += 1
            else:
                number = _NUMBER.fullmatch(ref)
                if number is None:
                    raise self.bad_ref(ref)
                self.row = int(number.group(1))
            self.col = 0
        elif tag == b"dimension":
            self.declared = _attrs(m.group(2)).get(b"ref", b"")

    def shared_only(self, m: re.Match[bytes]) -> None:
        """Like exact, for the shared-string cells only (the far cell is known to be in range)."""
        if m.group(1) in (b"c", b"v", b"row"):
            far = (self.far_row, self.far_col)
            self.max_cells = self.max_columns = self.max_rows = 1 << 62
            self.exact(m)
            self.far_row, self.far_col = far

    def finish(self) -> None:
        corner = _A1.fullmatch(self.declared.rsplit(b":", 1)[-1])
        if corner is not None and corner.group(1) and corner.group(2):
            rows, cols = int(corner.group(2)), _column_number(corner.group(1))
            shown = self.declared.decode("utf-8", "replace")[:40]
            self.refuse(rows, cols, f"declares its used range as {shown}")
        if self.text_budget[0] > self.limit_text:
            size, cell, count = self.longest
            if not cell:  # measured in bulk: find the longest text and its cells tag by tag
                exact = _SheetScan(self.file, self.sheet, self.zf, self.info, self.lengths, [0])
                for buf, cut, _ in _xml_chunks(self.file, self.zf, self.info):
                    for m in _TAG.finditer(buf, 0, cut):
                        exact.shared_only(m)
                size, cell, count = exact.longest
            raise _reject(
                self.file,
                "shared_text_too_large",
                f"Sheet '{self.sheet}' repeats long texts: the workbook's cells would hold "
                f"{_mb(self.text_budget[0])} of text once its shared strings are expanded; the limit "
                f"is {_mb(int(self.limit_text))} (limits.max_sheet_text_mb). Its longest text, "
                f"{_mb(size)}, is used by {count:,} cells, for example {cell}. Remove the repeated "
                "long text (or split the upload) and save again.",
                sheet=self.sheet,
            )


# A cell holding an Excel error (t="e": a formula that failed), its <f> and its <v>: the
# reader gives such a cell as blank, so the error text is put back (_read_xlsx) and refused
# in a column the upload uses (mapping.py, excel_error).
_ERROR_CELL = re.compile(rb"<c\s([^>]*)>\s*(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?\s*<v>([^<]{1,40})</v>")
EXCEL_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#EXTERNAL!",
        "#PYTHON!",
    }
)
_MAX_ERROR_CELLS = 1000  # per sheet: enough to name them; the rest are refused as the first are


def _check_sheet_extent(
    file: str,
    sheet: str,
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    lengths: array[int],
    text_budget: list[int],
) -> list[tuple[int, int, str]]:
    """Refuses the sheet when its declared or actual dense range, or its text, is over a limit;
    else the cells holding an Excel error, as (row, column, error text), 1-based."""
    scan = _SheetScan(file, sheet, zf, info, lengths, text_budget)
    errors: list[tuple[int, int, str]] = []
    for buf, cut, _ in _xml_chunks(file, zf, info, unit=b"<c "):
        if len(errors) < _MAX_ERROR_CELLS and (
            buf.find(b'"e"', 0, cut) >= 0 or buf.find(b"'e'", 0, cut) >= 0
        ):
            errors += _error_cells(buf, cut)[: _MAX_ERROR_CELLS - len(errors)]
        if scan.fast(buf, cut):
            continue
        for m in _TAG.finditer(buf, 0, cut):
            scan.exact(m)
    scan.finish()
    return errors


def _placed_errors(sheet: RawSheet, errors: list[tuple[int, int, str]]) -> dict[tuple[int, int], str]:
    """The error cells (sheet row, column, text) that are cells of the sheet's data: (index
    into its data, column index) -> the error's text. An error on a row the sheet leaves out
    (blank but for it, or above the header) or right of its headers is not the upload's."""
    index = {int(r): i for i, r in enumerate(sheet.rows.to_pylist())}
    placed = {}
    for r, c, text in errors:
        i = index.get(r)
        if i is not None and 0 < c <= len(sheet.headers):
            placed[(i, c - 1)] = text
    return placed


def _error_cells(buf: bytes, cut: int) -> list[tuple[int, int, str]]:
    found = []
    for m in _ERROR_CELL.finditer(buf, 0, cut):
        a = _attrs(m.group(1))
        ref = a.get(b"r")
        parsed = _A1.fullmatch(ref) if ref is not None and a.get(b"t") == b"e" else None
        if parsed is None or not parsed.group(1) or not parsed.group(2):
            continue
        text = m.group(2).decode("utf-8", "replace").strip()
        if text in EXCEL_ERRORS:
            found.append((int(parsed.group(2)), _column_number(parsed.group(1)), text))
    return found


def _letters(col: int) -> str:
    from epmo.report import column_letter

    return column_letter(col - 1) if col > 0 else "A"


def check_workbook_extent(
    file: str, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]
) -> dict[str, list[tuple[int, int, str]]]:
    """Refuses a workbook before any dense range is built (see the comment above); else each
    sheet's cells holding an Excel error (_check_sheet_extent)."""
    members = {i.filename.lower(): i for i in infos}
    parts = _workbook_parts(file, zf, members)
    lengths = _shared_string_lengths(file, zf, members.get(parts.pop("")))
    text_budget = [0]
    measured: set[str] = set()
    errors: dict[str, list[tuple[int, int, str]]] = {}
    for part, sheet in parts.items():
        info = members.get(part)
        if info is not None:
            found = _check_sheet_extent(file, sheet, zf, info, lengths, text_budget)
            if found:
                errors[sheet] = found
            measured.add(info.filename)
    for info in infos:  # every other XML part: no DTD, never larger than declared
        if info.filename not in measured and info.filename.lower().endswith((".xml", ".rels", ".vml")):
            for _ in _xml_tags(file, zf, info):
                pass
    return errors


def _read_xlsx(name: str, data: bytes, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> list[RawSheet]:
    from python_calamine import CalamineWorkbook

    errors = check_workbook_extent(name, zf, infos)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several error types for broken workbooks
        raise _reject(
            name,
            "unreadable_workbook",
            f"The workbook could not be read ({_short(exc)}). Open it in Excel and save it again as .xlsx.",
        ) from None
    sheets: list[RawSheet] = []
    max_rows = current().limits.max_rows
    for sheet_name in wb.sheet_names:
        with _no_cycle_collection():
            try:
                rows = wb.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
            except Exception as exc:
                raise _reject(
                    name,
                    "unreadable_sheet",
                    f"Sheet '{sheet_name}' could not be read ({_short(exc)}).",
                    sheet=sheet_name,
                ) from None
            if len(rows) > max_rows + 1:  # also checked before reading, from the sheet's XML
                raise _reject(
                    name,
                    "too_many_rows",
                    f"Sheet '{sheet_name}' has {len(rows):,} rows; the limit is {max_rows:,}.",
                    sheet=sheet_name,
                )
            sheet = _sheet_from_rows(name, sheet_name, rows)
            del rows  # freed before the collector is back on, else its next pass walks them
        if sheet is not None and sheet_name in errors:
            sheet.excel_errors = _placed_errors(sheet, errors[sheet_name])
        if sheet is not None:
            sheets.append(sheet)
    return sheets


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector off while a sheet's rows exist as Python lists: they are
    a million lists and values with no reference cycles, and every collection walked them
    all again (0.5-0.8 of the 3.0-3.8 CPU s that read_upload took for the 200,000-row
    benchmark workbook). Reference counting still frees everything; the collector comes
    back on as it was, also when the sheet is refused."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def cell_text(value: object) -> str:
    if type(value) is str:  # most cells: no conversion
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def _sheet_from_rows(file: str, sheet: str, rows: list[list[Any]]) -> RawSheet | None:
    filled = [sum(1 for v in row if cell_text(v).strip()) for row in rows[: _TITLE_SCAN_LINES + 1]]
    nonblank = [i for i, n in enumerate(filled) if n]
    if not nonblank:
        if not any(any(cell_text(v).strip() for v in row) for row in rows):
            return None
        nonblank = [next(i for i, row in enumerate(rows) if any(cell_text(v).strip() for v in row))]
        filled = [0] * nonblank[0] + [1]
    header_idx = nonblank[0]
    for i in nonblank:
        following = next((filled[k] for k in nonblank if k > i), None)
        if filled[i] >= 2 and (following is None or following <= filled[i]):
            if all(filled[k] <= filled[i] // 2 for k in nonblank if k < i):
                header_idx = i
            break
    skipped = ""
    titles = [cell_text(next(v for v in rows[k] if cell_text(v).strip())) for k in nonblank if k < header_idx]
    if header_idx:
        blank = header_idx - len(titles)
        parts = [f"{blank} blank row{'s' if blank > 1 else ''}"] if blank else []
        if titles:
            shown = titles[0].strip()[:60]
            parts.append(f"{len(titles)} title row{'s' if len(titles) > 1 else ''} ('{shown}')")
        skipped = f"{' and '.join(parts)} above the header row (row {header_idx + 1})"
    headers = [cell_text(v).strip() for v in rows[header_idx]]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    body = rows[header_idx + 1 :]
    if any(len(row) < width for row in body):  # calamine's rows are as wide as the sheet
        body = [row if len(row) >= width else [*row, *[None] * (width - len(row))] for row in body]
    # column by column (a row loop cost 0.9 CPU s for 200,000 rows x 7 columns)
    columns = list(zip(*body, strict=False))[:width] if body else [() for _ in range(width)]
    table = pa.table({f"c{j}": _text_column(columns[j]) for j in range(width)})
    numbers = _positions(table.num_rows, header_idx + 2)
    empty = _blank_rows(table)
    if empty is not None:  # rows whose every cell is blank (str.strip() leaves nothing)
        keep = pc.invert(empty)
        table, numbers = table.filter(keep), numbers.filter(keep)
    return RawSheet(
        file=file,
        sheet=sheet,
        headers=headers,
        header_row=header_idx + 1,
        data=table,
        rows=numbers,
        decimal_comma=False,
        skipped=skipped,
    )


_STR_OR_NONE = {str, type(None)}
# The characters str.isspace() (so str.strip()) treats as blank; tests/unit/test_readers_and_mapping.py
# checks the list against Python's own.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_BLANK = "^[" + "".join(f"\\x{{{ord(c):x}}}" for c in PY_WHITESPACE) + "]*$"


def _text_column(values: tuple[Any, ...]) -> pa.Array:
    """cell_text of every value, as one Arrow string column: whole columns of text (and
    empty cells) and of dates are converted by Arrow, the rest value by value."""
    kinds = set(map(type, values))
    if kinds <= _STR_OR_NONE:
        return pc.fill_null(pa.array(values, pa.string()), "")
    if kinds == {dt.date}:  # date cells: ISO text, as date.isoformat() writes it
        return pa.array(values, pa.date32()).cast(pa.string())
    if kinds == {bool}:
        return pc.if_else(pa.array(values, pa.bool_()), "true", "false")
    if kinds == {float}:
        text = _float_text(pa.array(values, pa.float64()))
        if text is not None:
            return text
    return pa.array(list(map(cell_text, values)), pa.string())


def _float_text(numbers: pa.Array) -> pa.Array | None:
    """cell_text of a column of numbers by Arrow when every number is a whole one below 1e15
    (written as an integer) or has a magnitude in [1e-4, 1e9) (Arrow's shortest text is then
    Python's repr, checked by tests/unit/test_readers_and_mapping.py); None otherwise."""
    size = pc.abs(numbers)
    whole = pc.and_(pc.equal(pc.floor(numbers), numbers), pc.less(size, 1e15))
    plain = pc.and_(pc.greater_equal(size, 1e-4), pc.less(size, 1e9))
    if not pc.all(pc.or_(whole, plain)).as_py():
        return None
    as_int = pc.if_else(whole, numbers, 0.0).cast(pa.int64()).cast(pa.string())
    return pc.if_else(whole, as_int, numbers.cast(pa.string()))


def _blank_rows(table: pa.Table) -> pa.Array | None:
    """Rows whose every cell is blank as str.strip() sees it (a boolean mask), or None when
    there are none (see _blank_positions for how few cells are looked at)."""
    import numpy as np

    found = _blank_positions(table.columns, lambda cells: pc.match_substring_regex(cells, _BLANK))
    if found is None:
        return None
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[found] = True
    return pa.array(mask)


def _positions(n: int, first: int) -> pa.Array:
    """first, first + 1, ..., first + n - 1 (int64)."""
    return pa.array(range(first, first + n), pa.int64())
