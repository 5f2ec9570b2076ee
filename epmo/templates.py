"""Render the data contract into templates (CSV per table, one XLSX) and its documentation."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import xlsxwriter

from epmo import contract

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "data-contract.md"


def header(col: contract.Column) -> str:
    """The template header: the column name, with * when required."""
    return col.name + ("*" if col.required else "")


def csv_template(t: contract.Table, with_example: bool = True) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([header(c) for c in t.columns])
    if with_example:
        writer.writerow([c.example for c in t.columns])
    return buf.getvalue().encode("utf-8")


def dictionary_rows() -> list[list[str]]:
    rows = []
    for t in contract.TABLES:
        for c in t.columns:
            rows.append(
                [
                    t.name,
                    header(c),
                    c.description,
                    c.type,
                    c.unit,
                    c.allowed_text(),
                    "yes" if c.required else "no",
                    c.example,
                    ", ".join(c.synonyms),
                ]
            )
    return rows


DICTIONARY_HEADERS = [
    "table",
    "column",
    "meaning",
    "type",
    "unit",
    "allowed values",
    "required",
    "example",
    "also recognised as",
]


def xlsx_template(with_example: bool = True) -> bytes:
    """One workbook: a sheet per table (with an example row) and a Data dictionary sheet."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    req = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    for t in contract.TABLES:
        ws = wb.add_worksheet(t.name)
        for j, c in enumerate(t.columns):
            ws.write_string(0, j, header(c), req if c.required else bold)
            ws.set_column(j, j, max(12, min(40, len(c.name) + 4)))
            if c.description:
                ws.write_comment(
                    0,
                    j,
                    f"{c.description}\nType: {c.type}"
                    + (f" ({c.unit})" if c.unit else "")
                    + (f"\nAllowed: {c.allowed_text()}" if c.allowed_text() else ""),
                )
            if with_example and c.example:
                ws.write_string(1, j, c.example)
            if c.allowed:
                ws.data_validation(
                    1, j, 5000, j, {"validate": "list", "source": list(c.allowed), "error_type": "warning"}
                )
        ws.freeze_panes(1, 0)
    ws = wb.add_worksheet("Data dictionary")
    for j, h in enumerate(DICTIONARY_HEADERS):
        ws.write_string(0, j, h, bold)
    for i, row in enumerate(dictionary_rows(), start=1):
        for j, v in enumerate(row):
            ws.write_string(i, j, v)
    ws.set_column(0, 1, 22)
    ws.set_column(2, 2, 60)
    ws.set_column(3, 8, 16)
    ws.freeze_panes(1, 0)
    wb.close()
    return buf.getvalue()


def write_templates(outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for t in contract.TABLES:
        p = outdir / f"{t.name}.csv"
        p.write_bytes(csv_template(t))
        written.append(p)
    p = outdir / "epmo_weekly_extract_template.xlsx"
    p.write_bytes(xlsx_template())
    written.append(p)
    return written


def contract_markdown() -> str:
    """docs/data-contract.md, rendered from the contract (a test keeps the file current)."""
    out = [
        f"# Data contract v{contract.CONTRACT_VERSION}",
        "",
        "<!-- Generated from epmo/contract.py by `python -m epmo docs`. Do not edit by hand. -->",
        "",
        "The EPMO's weekly extract. Project managers upload any subset of these tables as CSV "
        "(comma, semicolon, tab or pipe; UTF-8, UTF-16 or Windows-1252), an XLSX workbook with "
        "a sheet per table, or a ZIP of CSVs. Headers match whatever their case, spacing and "
        "punctuation, and through the synonyms listed. Required columns are marked *.",
        "",
        "Each upload is for one reporting week (its as-of date). For each table it carries, it "
        "replaces that table's rows for the projects it names (for capacity: the teams it "
        "names) from that week on; tables it does not carry stay as they were.",
        "",
        "Dates: YYYY-MM-DD preferred; 31/03/2026 (day first by default, see settings), 31.03.2026 (always day first), "
        "31-Mar-2026 and Excel dates are accepted. Numbers: digits with '.' for decimals "
        "('1.234,5' style in semicolon files); currency signs, % and thousands separators are "
        "ignored. A number such as 283.000 in a file whose other numbers do not show whether "
        "'.' marks decimals or thousands is refused at its cell: write 283000.",
        "",
    ]
    for t in contract.TABLES:
        out += [
            f"## {t.title} (`{t.name}`)" + (" (optional)" if t.optional else ""),
            "",
            t.description,
            "",
            f"Unique key: {', '.join(t.unique_key)}. Supersession unit: {t.entity_key}. "
            f"Sheet or file names recognised: {', '.join([t.name, *t.synonyms])}.",
            "",
            "| column | meaning | type | unit | allowed values | example | also recognised as |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in t.columns:
            cells = [
                f"`{header(c)}`",
                c.description,
                c.type,
                c.unit,
                c.allowed_text(),
                c.example,
                ", ".join(c.synonyms),
            ]
            out.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
        out.append("")
    return "\n".join(out)


def filled_workbook(tables: dict[str, list[dict[str, object]]]) -> bytes:
    """A workbook in the template's layout holding the given rows (dates as real Excel dates)."""
    import datetime as dt

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for t in contract.TABLES:
        if t.name not in tables:
            continue
        ws = wb.add_worksheet(t.name)
        for j, c in enumerate(t.columns):
            ws.write_string(0, j, header(c))
        for i, row in enumerate(tables[t.name], start=1):
            for j, c in enumerate(t.columns):
                v = row.get(c.name)
                if v is None:
                    continue
                if isinstance(v, dt.date):
                    ws.write_datetime(i, j, dt.datetime(v.year, v.month, v.day), date_fmt)
                elif isinstance(v, bool):
                    ws.write_boolean(i, j, v)
                elif isinstance(v, int | float):
                    ws.write_number(i, j, float(v))
                else:
                    ws.write_string(i, j, str(v))
    wb.close()
    return buf.getvalue()
