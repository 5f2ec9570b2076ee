"""A corpus of hostile and broken files, generated here: each gets a clear, specific
message within seconds, never a traceback, and the store is unchanged byte for byte."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from epmo import templates
from epmo.ingest import REJECTED, ingest
from epmo.store import Store
from tests.conftest import PROJECT_HEADER, WEEK, project_row, projects_csv, tree_digest
from tests.hostile_files import inline, xlsx, xlsx_far_cell, xlsx_far_cell_undeclared, xlsx_huge_shared_string


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _xlsx_with(part: str, content: bytes) -> bytes:
    """The template workbook with one XML part replaced."""
    src = zipfile.ZipFile(io.BytesIO(templates.xlsx_template()))
    members = {i.filename: src.read(i.filename) for i in src.infolist()}
    members[part] = content
    return _zip(members)


def _xlsx_formula() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("projects")
    header = "project_id,project_name,portfolio,project_manager,stage,start_date,baseline_end_date,forecast_end_date,budget_bac,actual_cost,rag_overall".split(
        ","
    )
    for j, h in enumerate(header):
        ws.write_string(0, j, h)
    row = project_row("P1").split(",")
    for j, v in enumerate(row):
        ws.write_string(1, j, v)
    ws.write_formula(
        1, 1, '=HYPERLINK("http://evil.example","click")', None, '=HYPERLINK("http://evil.example","click")'
    )
    wb.close()
    return buf.getvalue()


def _xlsx_projects(name: str = "Project P1") -> bytes:
    """A projects workbook whose P1 has `name`; a name over Excel's own 32,767-character
    cell limit is written into the shared strings directly (xlsxwriter would cut it)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("projects")
    for j, h in enumerate(PROJECT_HEADER.split(",")):
        ws.write_string(0, j, h)
    placeholder = "PLACEHOLDER" if len(name) > 32767 else name
    for j, v in enumerate(project_row("P1", project_name=placeholder).split(",")):
        ws.write_string(1, j, v)
    wb.close()
    if placeholder == name:
        return buf.getvalue()
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    members = {i.filename: src.read(i.filename) for i in src.infolist()}
    members["xl/sharedStrings.xml"] = members["xl/sharedStrings.xml"].replace(b"PLACEHOLDER", name.encode())
    return _zip(members)


def _varied_text(n: int) -> str:
    """n characters that do not compress like a zip bomb."""
    return "".join("abcdefghijklmnopqrstuvwxyz "[(i * 7919 + i // 3) % 27] for i in range(n))


_UTF8_WITH_ONE_CP1252 = (
    PROJECT_HEADER
    + "\n"
    + project_row("P1", project_name="Zoë Müller")
    + "\n"
    + project_row("P2", project_name="Renée")
    + "\n"
).encode() + (project_row("P3", project_name="Chloé") + "\n").encode("cp1252")


BOMB_XML = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><sst>&lol2;</sst>'
)

CORPUS: list[tuple[str, str, bytes, str]] = [
    # (case id, file name, bytes, words the message must contain)
    ("empty", "projects.csv", b"", "empty"),
    ("only_blank_lines", "projects.csv", b"\n\n\n", "no rows"),
    ("binary_garbage", "projects.csv", bytes(range(256)) * 40, "binary"),
    ("random_bytes_as_xlsx", "extract.xlsx", bytes((i * 7919) % 251 for i in range(5000)), "not a workbook"),
    ("csv_renamed_xlsx", "extract.xlsx", projects_csv(project_row()), "CSV"),
    (
        "ole_password_protected",
        "extract.xlsx",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
        "password",
    ),
    ("legacy_xls", "extract.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 600, ".xls"),
    ("fifty_megabytes", "projects.csv", projects_csv(project_row()) + b"x" * 50_000_000, "limit"),
    ("zip_bomb_ratio", "bundle.zip", _zip({"projects.csv": b"0" * 30_000_000}), "zip bomb"),
    (
        "zip_path_traversal",
        "bundle.zip",
        _zip({"../../etc/cron.d/evil.csv": projects_csv(project_row())}),
        "unsafe path",
    ),
    ("zip_absolute_path", "bundle.zip", _zip({"/tmp/evil.csv": projects_csv(project_row())}), "unsafe path"),
    (
        "zip_with_exe",
        "bundle.zip",
        _zip({"projects.csv": projects_csv(project_row()), "run.exe": b"MZ" + b"\0" * 100}),
        "not a CSV",
    ),
    ("zip_empty", "bundle.zip", _zip({}), "no CSV"),
    ("zip_nested_zip", "bundle.zip", _zip({"inner.zip": _zip({"projects.csv": b"a"})}), "not a CSV"),
    ("truncated_zip", "extract.xlsx", templates.xlsx_template()[:3000], "damaged"),
    ("xml_entity_bomb", "extract.xlsx", _xlsx_with("xl/sharedStrings.xml", BOMB_XML), "document type"),
    (
        "xml_external_entity",
        "extract.xlsx",
        _xlsx_with(
            "xl/workbook.xml",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><workbook>&e;</workbook>',
        ),
        "document type",
    ),
    (
        "broken_workbook_xml",
        "extract.xlsx",
        _xlsx_with("xl/workbook.xml", b"<workbook><sheets><sheet"),
        "could not be read",
    ),
    ("formula_cell_xlsx", "extract.xlsx", _xlsx_formula(), "formula"),
    # Workbooks that a reader turns into a dense range of billions of cells or gigabytes of
    # text: refused from their XML before any reader sees them (the parse sandbox is the
    # second line, tests/unit/test_parse_sandbox.py).
    (
        "xlsx_far_cell_xfd1048576",
        "extract.xlsx",
        xlsx_far_cell(),
        "Sheet 'Projects' has a cell at XFD1048576",
    ),
    ("xlsx_far_cell_aaa200000", "extract.xlsx", xlsx_far_cell("AAA200000"), "has a cell at AAA200000"),
    ("xlsx_far_cell_dimension_lies", "extract.xlsx", xlsx_far_cell_undeclared(), "has a cell at XFD1048576"),
    (
        "xlsx_declared_range_huge",
        "extract.xlsx",
        xlsx(f'<row r="1">{inline("A1", "x")}</row>', dimension="A1:XFD1048576"),
        "declares its used range as A1:XFD1048576",
    ),
    (
        "xlsx_cells_without_references",
        "extract.xlsx",
        xlsx('<row r="1">' + '<c t="inlineStr"><is><t>x</t></is></c>' * 1001 + "</row>"),
        "has a cell at ALM1",
    ),
    (
        "xlsx_reference_as_entity",
        "extract.xlsx",
        xlsx(f'<row r="1">{inline("&#88;FD1", "x")}</row>'),
        "not an A1 reference",
    ),
    ("xlsx_shared_string_1mb_x5000", "extract.xlsx", xlsx_huge_shared_string(), "repeats long texts"),
    (
        "formula_text_csv",
        "projects.csv",
        projects_csv(project_row(project_name='"=HYPERLINK(""http://evil"",""x"")"')),
        "formula",
    ),
    (
        "unclosed_quote",
        "projects.csv",
        projects_csv(project_row(project_name='"unclosed')),
        "values like the header",
    ),
    ("ragged_rows", "projects.csv", projects_csv(project_row() + ",extra,cells"), "1 row does not have"),
    (
        "ragged_rows_two",
        "projects.csv",
        projects_csv(project_row("P1") + ",x", project_row("P2") + ",y"),
        "2 rows do not have",
    ),
    ("header_only_unknown", "notes.csv", b"foo,bar\n1,2\n", "No contract table"),
    ("missing_required_column", "projects.csv", b"project_id,project_name\nP1,Alpha\n", "Required column"),
    ("duplicate_columns", "projects.csv", b"project_id,Project ID,project_name\nP1,P1,A\n", "both mean"),
    (
        "wrong_types_everywhere",
        "projects.csv",
        projects_csv(project_row(budget_bac="lots", start_date="soon", rag_overall="Purple")),
        "Not a number",
    ),
    ("utf8_with_a_cp1252_byte", "projects.csv", _UTF8_WITH_ONE_CP1252, "line 4"),
    (
        "utf8_bom_with_a_cp1252_byte",
        "projects.csv",
        b"\xef\xbb\xbf" + _UTF8_WITH_ONE_CP1252,
        "mixes two encodings",
    ),
    ("nul_in_csv_cell", "projects.csv", projects_csv(project_row("P1", project_name="Al\x00pha")), "NUL"),
    (
        "nul_far_into_csv",
        "projects.csv",
        projects_csv(*[project_row(f"P{i}") for i in range(1, 900)], project_row("P900", portfolio="C\x00")),
        "NUL",
    ),
    ("nul_in_xlsx_cell", "extract.xlsx", _xlsx_projects("Al\x00pha"), "NUL"),
    (
        "summary_of_200000_characters_csv",
        "projects.csv",
        projects_csv(project_row("P1", project_name=_varied_text(200_000))),
        "200,000 characters; the limit is 32,767",
    ),
    (
        "summary_of_200000_characters_xlsx",
        "extract.xlsx",
        _xlsx_projects(_varied_text(200_000)),
        "200,000 characters; the limit is 32,767",
    ),
    (
        "unknown_project_in_child",
        "milestones.csv",
        b"project_id,milestone_id,milestone_name,baseline_date,forecast_date\nNOPE,M1,Go,2026-01-05,2026-01-05\n",
        "Unknown project",
    ),
]


@pytest.mark.parametrize(("case", "name", "data", "words"), CORPUS, ids=[c[0] for c in CORPUS])
def test_bad_file_is_rejected_cleanly(store: Store, case: str, name: str, data: bytes, words: str) -> None:
    before = tree_digest(Path(store.uri))
    started = time.perf_counter()
    outcome = ingest(store, name, data, as_of=WEEK, user_email="pm@example.org")
    elapsed = time.perf_counter() - started
    assert outcome.status == REJECTED
    text = outcome.report.to_text()
    assert words.lower() in text.lower(), text
    assert "Traceback" not in text
    first = outcome.report.errors()[0]
    assert first.file.startswith(name) and first.message.endswith((".", ")"))
    # Within seconds (no hang); generous because the file is read in a child process that may
    # still be starting when a loaded machine runs the tests one after another.
    assert elapsed < 30, f"{case} took {elapsed:.1f}s"
    assert tree_digest(Path(store.uri)) == before


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 25


TODAY = dt.date(2026, 11, 29)  # "today" for the as-of bounds, passed explicitly


@pytest.mark.parametrize(
    ("as_of", "column", "words"),
    [
        (dt.date(9999, 12, 31), None, "in the future"),
        (dt.date(1900, 1, 5), None, "05 Jan 1900 is before 01 Jan 2000"),
        (TODAY + dt.timedelta(days=29), None, "28 Dec 2026 is in the future"),
        (None, "9999-12-31", "column 'As of date'"),
        (None, "05/01/1900", "before 01 Jan 2000"),
    ],
)
def test_absurd_as_of_date_is_refused(
    store: Store, as_of: dt.date | None, column: str | None, words: str
) -> None:
    before = tree_digest(Path(store.uri))
    if column is None:
        data = projects_csv(project_row("P1"))
    else:
        data = (PROJECT_HEADER + ",As of date\n" + project_row("P1") + f",{column}\n").encode()
    outcome = ingest(store, "projects.csv", data, as_of=as_of, today=TODAY)
    assert outcome.status == REJECTED
    (issue,) = outcome.report.errors()
    assert issue.rule == "as_of_out_of_range" and words in issue.message, issue.message
    assert issue.file == "projects.csv" and issue.value
    assert tree_digest(Path(store.uri)) == before


@pytest.mark.parametrize("as_of", [TODAY + dt.timedelta(days=28), dt.date(2000, 1, 7), dt.date(2026, 11, 27)])
def test_as_of_dates_within_the_bounds_are_accepted(store: Store, as_of: dt.date) -> None:
    outcome = ingest(store, "projects.csv", projects_csv(project_row("P1")), as_of=as_of, today=TODAY)
    assert outcome.status == "accepted", outcome.report.to_text()


def test_as_of_bound_follows_the_clock(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an explicit today, epmo.clock.today() (EPMO_TODAY) decides."""
    week = dt.date(2031, 1, 3)
    monkeypatch.setenv("EPMO_TODAY", "2030-12-01")
    assert ingest(store, "projects.csv", projects_csv(project_row("P1")), as_of=week).status == REJECTED
    monkeypatch.setenv("EPMO_TODAY", "2031-01-04")
    assert ingest(store, "projects.csv", projects_csv(project_row("P1")), as_of=week).status == "accepted"
