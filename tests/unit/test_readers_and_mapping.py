"""Good files in every accepted shape parse to the same projects; mappings rename and map."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from epmo import demo
from epmo.ingest import ACCEPTED, VALID, check_upload, ingest
from epmo.mapping import Mapping
from epmo.readers import sniff_delimiter
from epmo.store import Store
from tests.conftest import DEMO_END, PROJECT_HEADER, WEEK, project_row


def _variants() -> list[tuple[str, str, bytes]]:
    rows = [PROJECT_HEADER, project_row("P1", budget_bac="1250000.5"), project_row("P2")]
    text = "\n".join(rows) + "\n"
    semi = text.replace(",", ";").replace("1250000.5", "1.250.000,5")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("Projects.csv", text)
    return [
        ("utf8", "projects.csv", text.encode()),
        ("utf8_bom", "projects.csv", b"\xef\xbb\xbf" + text.encode()),
        ("utf16", "projects.csv", text.encode("utf-16")),
        (
            "cp1252",
            "projects.csv",
            text.replace("Project P2", "Projet \u00e9t\u00e9 \u20ac").encode("cp1252"),
        ),
        ("semicolon_decimal_comma", "projects.csv", semi.encode()),
        ("tab", "projects.tsv", text.replace(",", "\t").encode()),
        ("pipe", "projects.txt", text.replace(",", "|").encode()),
        ("crlf", "projects.csv", text.replace("\n", "\r\n").encode()),
        ("zip_of_csvs", "bundle.zip", zipped.getvalue()),
        (
            "header_spelling",
            "export.csv",
            text.replace("project_id", "Project ID").replace("budget_bac", "BAC").encode(),
        ),
    ]


@pytest.mark.parametrize(("case", "name", "data"), _variants(), ids=[v[0] for v in _variants()])
def test_accepted_shapes(store: Store, case: str, name: str, data: bytes) -> None:
    outcome = check_upload(store, name, data, as_of=WEEK)
    assert outcome.status == VALID, outcome.report.to_text()
    projects = outcome.tables["projects"].to_pylist()
    assert [p["project_id"] for p in projects] == ["P1", "P2"]
    assert projects[0]["budget_bac"] == 1250000.5
    assert projects[0]["rag_overall"] == "Green"


@pytest.mark.parametrize(
    ("line", "expected"), [("a,b,c", ","), ("a;b;c", ";"), ("a\tb", "\t"), ("a|b|c", "|"), ('"x,y";b;c', ";")]
)
def test_sniff_delimiter(line: str, expected: str) -> None:
    assert sniff_delimiter(line + "\n1,2,3") == expected


def test_filled_demo_workbook_with_excel_dates(demo_store: Store) -> None:
    data = demo.sample_extract("small", seed=3, end=DEMO_END)
    outcome = check_upload(demo_store, "extract.xlsx", data, as_of=DEMO_END)
    assert outcome.status == VALID, outcome.report.to_text(limit=20)
    assert {"projects", "milestones", "raid", "allocations"} <= set(outcome.report.row_counts)


def test_mapping_renames_columns_sets_constants_and_maps_values(store: Store) -> None:
    foreign = (
        b"Unique Project ID,Investment Title,PM,Phase,Start,Planned Finish,Projected Finish,"
        b"Planned Cost ($M),Spend,Health\n"
        b"IT-1,Email,pm@example.org,Execution,2026-01-05,2026-12-31,2027-01-31,1000,200,On Track\n"
    )
    mapping = Mapping(
        name="itdashboard",
        columns={
            "Unique Project ID": "project_id",
            "Investment Title": "project_name",
            "PM": "project_manager",
            "Phase": "stage",
            "Planned Finish": "baseline_end_date",
            "Projected Finish": "forecast_end_date",
            "Planned Cost ($M)": "budget_bac",
            "Spend": "actual_cost",
            "Health": "rag_overall",
        },
        tables={"export": "projects"},
        constants={"projects": {"portfolio": "Federal IT"}},
        value_maps={"rag_overall": {"On Track": "Green", "Needs Attention": "Amber"}},
    )
    outcome = check_upload(store, "export.csv", foreign, as_of=WEEK, mapping=mapping)
    assert outcome.status == VALID, outcome.report.to_text()
    row = outcome.tables["projects"].to_pylist()[0]
    assert (row["project_id"], row["portfolio"], row["rag_overall"]) == ("IT-1", "Federal IT", "Green")
    without = check_upload(store, "export.csv", foreign, as_of=WEEK)
    assert without.status == "rejected"


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ('{"columns": {"X": "nope"}}', "not a contract column"),
        ('{"tables": {"X": "nope"}}', "not a contract table"),
        ('{"constants": {"projects": {"nope": "1"}}}', "not a column"),
        ('{"date_order": "ymd"}', "date_order"),
        ('{"surprise": 1}', "unknown mapping keys"),
    ],
)
def test_bad_mapping_specs(spec: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Mapping.from_json(spec)


def test_saved_mapping_round_trip(store: Store) -> None:
    from epmo.cli import load_mapping

    m = Mapping(name="m1", columns={"Proj": "project_id"})
    from epmo import access

    access.save_document(
        store, access.Identity("pm@example.org", "pm", "library"), "mapping", "m1", m.to_json()
    )
    assert load_mapping(store, "m1") == m


def test_as_of_from_a_column(store: Store) -> None:
    text = PROJECT_HEADER + ",as_of_date\n" + project_row("P1") + ",2026-11-13\n"
    outcome = ingest(store, "projects.csv", text.encode(), today=dt.date(2026, 11, 29))
    assert outcome.status == ACCEPTED
    assert str(outcome.as_of_date) == "2026-11-13"
    assert not [i for i in outcome.report.issues if i.rule == "unknown_column"]


# (case, the file's "Week ending", the week given, the rule of the refusal or None, the week stored)
AS_OF_CASES = [
    ("the file's week, given again", "2026-11-13", dt.date(2026, 11, 13), None, "2026-11-13"),
    ("the file's week only", "2026-11-13", None, None, "2026-11-13"),
    ("another week given: refused", "2026-11-13", dt.date(2026, 11, 20), "as_of_conflict", None),
    ("day first, given the same", "13/11/2026", dt.date(2026, 11, 13), None, "2026-11-13"),
    ("either reading, given one of them", "06/11/2026", dt.date(2026, 6, 11), None, "2026-06-11"),
    ("either reading, nothing given: refused", "06/11/2026", None, "as_of_ambiguous", None),
    ("only one reading", "20/11/2026", None, None, "2026-11-20"),
    ("a report date in the week given", "2026-11-12", dt.date(2026, 11, 13), None, "2026-11-13"),
    ("the Monday after the week given", "2026-11-16", dt.date(2026, 11, 13), None, "2026-11-13"),
    ("a week later: refused", "2026-11-20", dt.date(2026, 11, 13), "as_of_conflict", None),
    ("dots are day first, never ambiguous", "06.11.2026", None, None, "2026-11-06"),
    ("a time's decimal point is not a dotted date", "06/11/2026 09:30:00.5", None, "as_of_ambiguous", None),
    (
        "either reading, another week given: refused",
        "06/11/2026",
        dt.date(2026, 9, 4),
        "as_of_conflict",
        None,
    ),
    ("a week too far ahead: refused", "2027-03-05", dt.date(2026, 11, 13), "as_of_conflict", None),
]
# the refusals of a file saying another week: the week the Upload page offers instead (only
# a single reading that is a week an upload may report)
FILE_WEEK = {
    "another week given: refused": dt.date(2026, 11, 13),
    "a week later: refused": dt.date(2026, 11, 20),
}


@pytest.mark.parametrize("order", [None, "dmy", "mdy"])
def test_a_date_with_dots_is_day_first_in_every_column(store: Store, order: str | None) -> None:
    """The as-of column read 06.11.2026 day first, but a month-first order read the same
    writing in the date columns as 11 June: one file, two readings of one way of writing."""
    row = project_row("P1", baseline_end_date="04.12.2026", forecast_end_date="4.12.2026")
    text = PROJECT_HEADER + ",Week ending\n" + row + ",06.11.2026\n"
    outcome = ingest(
        store,
        "projects.csv",
        text.encode(),
        mapping=Mapping(name="m", date_order=order),
        today=dt.date(2026, 11, 29),
    )
    assert outcome.status == ACCEPTED, outcome.report.to_text()
    assert str(outcome.as_of_date) == "2026-11-06"
    (stored,) = [
        r for r in store.rows("export/projects", as_of=dt.date(2026, 11, 6)) if r["project_id"] == "P1"
    ]
    assert (str(stored["baseline_end_date"]), str(stored["forecast_end_date"])) == (
        "2026-12-04",
        "2026-12-04",
    )


@pytest.mark.parametrize(
    ("column", "given", "rule", "stored"), [c[1:] for c in AS_OF_CASES], ids=[c[0] for c in AS_OF_CASES]
)
def test_the_file_s_own_week_and_the_week_given_must_agree(
    store: Store, column: str, given: dt.date | None, rule: str | None, stored: str | None
) -> None:
    """The Upload page always sends its date: a file saying another week was stored for the
    page's week in silence, and 06/11/2026 was read day first without a word."""
    text = PROJECT_HEADER + ",Week ending\n" + project_row("P1") + "," + column + "\n"
    outcome = ingest(store, "projects.csv", text.encode(), as_of=given, today=dt.date(2026, 11, 29))
    if rule is None:
        assert outcome.status == ACCEPTED, outcome.report.to_text()
        assert str(outcome.as_of_date) == stored
        return
    assert outcome.status != ACCEPTED
    [issue] = outcome.report.issues
    assert (issue.rule, issue.column, issue.value) == (rule, "Week ending", column)
    case = next(c[0] for c in AS_OF_CASES if c[1:3] == (column, given))
    assert outcome.file_week == FILE_WEEK.get(case)
    assert store.rows("ledger/upload_count")[0]["upload_count"] == 0


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("a\nZoë Müller\n".encode(), ("a\nZoë Müller\n", "utf-8")),
        (b"\xef\xbb\xbfa\nZo\xc3\xab\n", ("a\nZoë\n", "utf-8-sig")),
        ("a\nZoë Müller €\n".encode("cp1252"), ("a\nZoë Müller €\n", "cp1252")),  # no UTF-8 sequence
        ("a\nPlain\nRenée\n".encode("cp1252"), ("a\nPlain\nRenée\n", "cp1252")),
        ("a\nZoë\n".encode("utf-16"), ("a\nZoë\n", "utf-16")),
        (None, "line 3"),  # UTF-8 with one cp1252 byte: refused, naming the line
    ],
)
def test_decode_text_decides_encodings_strictly(data: bytes | None, expected: object) -> None:
    from epmo.readers import decode_text
    from epmo.report import RejectedFile

    if data is None:
        mixed = "a\nZoë Müller\n".encode() + "Chloé\n".encode("cp1252")
        with pytest.raises(RejectedFile) as info:
            decode_text("x.csv", mixed)
        assert info.value.issue.rule == "mixed_encoding" and info.value.issue.row == 3
        assert expected in info.value.issue.message and "CSV UTF-8" in info.value.issue.message
        return
    assert decode_text("x.csv", data) == expected


# ------------------------------------------- workbook rows to text columns, column by column


def _by_row(rows: list[list[object]], header_idx: int, width: int) -> tuple[list[list[str]], list[int]]:
    """The reference: the row-by-row loop `_sheet_from_rows` used before it went column by
    column (cell_text of each cell, rows with every cell blank left out)."""
    from epmo.readers import cell_text

    columns: list[list[str]] = [[] for _ in range(width)]
    numbers = []
    for offset, row in enumerate(rows[header_idx + 1 :]):
        texts = [cell_text(v) for v in row[:width]]
        if not any(t.strip() for t in texts):
            continue
        texts += [""] * (width - len(texts))
        for j in range(width):
            columns[j].append(texts[j])
        numbers.append(header_idx + 2 + offset)
    return columns, numbers


_D, _DT = dt.date(2026, 3, 2), dt.datetime(2026, 3, 2, 12, 30)
# (case, rows as python-calamine gives them, header row index)
SHEET_ROWS: list[tuple[str, list[list[object]], int]] = [
    ("text and empty cells", [["id", "name"], ["P1", "x"], [None, "y"], ["P3", None]], 0),
    (
        "blank rows by Python's whitespace",
        [
            ["id", "name"],
            ["P1", "x"],
            ["\x1c", " \u3000"],
            [None, None],
            ["\xa0", ""],
            ["\u200b", ""],
            ["P2", "y"],
        ],
        0,
    ),
    ("whole numbers", [["id", "n"], ["P1", 19.0], ["P2", -0.0], ["P3", 123456789012345.0], ["P4", 1e15]], 0),
    (
        "fractions in and out of Arrow's range",
        [
            ["id", "n"],
            ["P1", 0.1 + 0.2],
            ["P2", 1e-5],
            ["P3", 2.5e9 + 0.5],
            ["P4", float("nan")],
            ["P5", 19.3],
        ],
        0,
    ),
    ("fractions all in range", [["id", "n"], ["P1", 0.1 + 0.2], ["P2", 0.0001], ["P3", 999999999.5]], 0),
    ("dates", [["id", "d"], ["P1", _D], ["P2", dt.date(1900, 1, 1)], ["P3", dt.date(9999, 12, 31)]], 0),
    ("dates and datetimes", [["id", "d"], ["P1", _D], ["P2", _DT], ["P3", dt.datetime(2026, 3, 2)]], 0),
    ("booleans", [["id", "b"], ["P1", True], ["P2", False]], 0),
    (
        "mixed kinds in a column",
        [
            ["id", "v"],
            ["P1", 1.5],
            ["P2", True],
            ["P3", _D],
            ["P4", dt.timedelta(hours=1)],
            [7, "x"],
            ["P6", None],
        ],
        0,
    ),
    ("rows shorter and longer than the header", [["a", "b", "c"], ["x"], ["y", "z", "w", "extra"], []], 0),
    (
        "a title above the header",
        [["Allocations export", None], [None, None], ["id", "name"], ["P1", "x"]],
        2,
    ),
    ("no data rows", [["id", "name"]], 0),
]


@pytest.mark.parametrize(("case", "rows", "header_idx"), SHEET_ROWS, ids=[c[0] for c in SHEET_ROWS])
def test_workbook_rows_become_the_same_text_column_by_column(
    case: str, rows: list[list[object]], header_idx: int
) -> None:
    from epmo.readers import _sheet_from_rows

    sheet = _sheet_from_rows("f.xlsx", "s", rows)
    assert sheet is not None and sheet.header_row == header_idx + 1
    columns, numbers = _by_row(rows, header_idx, len(sheet.headers))
    assert [sheet.data[f"c{j}"].to_pylist() for j in range(len(columns))] == columns, case
    assert sheet.rows.to_pylist() == numbers


def test_number_text_by_arrow_equals_python_on_random_numbers() -> None:
    import random

    from epmo.readers import _sheet_from_rows, cell_text

    rng = random.Random(17)
    for scale in (1e-3, 1.0, 100.0, 1e6, 1e8):
        values = [rng.uniform(-scale, scale) for _ in range(5000)] + [
            round(rng.uniform(0, scale), 1) for _ in range(5000)
        ]
        values = [v for v in values if v == 0 or abs(v) >= 1e-4]
        sheet = _sheet_from_rows("f.xlsx", "s", [["id", "n"], *(["P", v] for v in values)])
        assert sheet is not None
        assert sheet.data["c1"].to_pylist() == [cell_text(v) for v in values]


def test_the_whitespace_list_is_pythons() -> None:
    from epmo.readers import PY_WHITESPACE

    assert PY_WHITESPACE == "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


@pytest.mark.parametrize(
    ("payload", "kept", "said"),
    [
        (b"a,b,c\n1,2,3\n", b"a,b,c\n1,2,3\n", ""),
        (b"a,b,c\n1,2,3\r\n \t\r\n", b"a,b,c\n1,2,3\r\n \t\r\n", ""),  # blank tail, no footer
        (b"a,b,c\n1,2,3\nTotal: 1\n", b"a,b,c\n1,2,3\n", "1 footer line ('Total: 1') below the table"),
        (
            b"a,b,c\n1,2,3\r\n\r\nTotal: 1 \r\nGenerated at noon\r\n\t \r\n",
            b"a,b,c\n1,2,3\n",
            "2 footer lines ('Total: 1') below the table",
        ),
        (b"a,b,c\n1,,\n", b"a,b,c\n1,,\n", ""),  # a row of one value is a row when it has the columns
        (b"a,b\n1,2\nTotal\n", b"a,b\n1,2\nTotal\n", ""),  # under two columns nothing is a footer
        (b"\n\r\n \t", b"\n\r\n \t", ""),  # nothing but blanks: left to the reader
    ],
)
def test_footer_lines_are_cut_from_the_end(payload: bytes, kept: bytes, said: str) -> None:
    from epmo.readers import _strip_footer

    width = len(payload.split(b"\n", 1)[0].split(b","))
    assert _strip_footer(payload, ",", width) == (kept, said)


# Cells a blank-row test must tell apart: empty, ASCII and Unicode spaces (one of them,
# U+001F, is below the printable range; U+3000 starts with a byte above it), controls,
# letters after a space, non-ASCII letters, and (CSV path) nulls.
_BLANKISH = ["", " ", "\t", "\x1f", "\u3000", " \u00a0 ", "\r\n", "x", " x", "\u00e9", "\x01a", "~"]


@pytest.mark.parametrize("seed", range(40))
def test_blank_rows_are_found_as_the_cell_by_cell_rule_finds_them(seed: int) -> None:
    """readers._drop_blank_rows (CSV) and _blank_rows (workbooks) look at the first byte of
    each cell and test only the cells that may be blank; they must leave out exactly the
    rows a test of every cell leaves out (utf8_is_space for the CSV, str.strip() for the
    workbook), across chunks, with nulls, and whichever column first holds a value."""
    import random

    import pyarrow as pa
    import pyarrow.compute as pc

    from epmo.readers import _blank_rows, _drop_blank_rows

    rng = random.Random(seed)
    rows, width = rng.choice([(0, 2), (1, 1), (7, 3), (60, 4)])
    blank_share = rng.random()

    def cell() -> str | None:
        if rng.random() < blank_share:
            return rng.choice(["", " ", "\t", "\x1f", "\u3000", " \u00a0 ", "\r\n", None])
        return rng.choice(_BLANKISH)

    columns = [[cell() for _ in range(rows)] for _ in range(width)]
    cut = rng.randint(0, rows)  # two chunks per column
    table = pa.table(
        {
            f"c{j}": pa.chunked_array([pa.array(c[:cut], pa.string()), pa.array(c[cut:], pa.string())])
            for j, c in enumerate(columns)
        }
    )
    # the CSV rule, every cell tested (the implementation before the first-byte look)
    csv_blank = (
        [
            all(v is None or v == "" or pc.utf8_is_space(pa.scalar(v)).as_py() for v in row)
            for row in zip(*columns, strict=True)
        ]
        if rows
        else []
    )
    kept = _drop_blank_rows(table)
    expected = [i for i in range(rows) if not csv_blank[i]]
    assert kept["__row"].to_pylist() == expected, (columns, kept["__row"].to_pylist())
    # the workbook rule: str.strip() leaves nothing (workbook text columns hold no nulls)
    text = pa.table({n: pc.fill_null(table[n], "") for n in table.column_names})
    mask = _blank_rows(text)
    strip_blank = [all(not (v or "").strip() for v in row) for row in zip(*columns, strict=True)]
    if not any(strip_blank):
        assert mask is None
    else:
        assert mask is not None and mask.to_pylist() == strip_blank


# (case, cells of one column, delimiter, decimal comma, ambiguous {column: first row})
DECIMAL_CASES = [
    ("comma file: never a decimal comma", ["283.000", "1,5"], ",", False, {}),
    ("a decimal comma votes", ["1,5", "283.000"], ";", True, {}),
    ("thousands dots and a decimal comma", ["1.234,5"], ";", True, {}),
    ("two thousands dots can only be thousands", ["1.234.567"], ";", True, {}),
    ("a currency sign and a decimal comma", ["€ 283.000,00", "12 %"], ";", True, {}),
    ("a decimal point votes", ["283.000", "69.5"], ";", False, {}),
    ("thousands commas and a point", ["1,234.5"], "\t", False, {}),
    ("only 283.000-like numbers: ambiguous", ["", "283.000", "-1.500"], ";", False, {0: 1}),
    ("a currency sign around one", ["$283.000"], "|", False, {0: 0}),
    ("whole numbers say nothing", ["283", "12"], ";", False, {}),
    ("four decimals are a decimal point", ["283.0001"], ";", False, {}),
    ("0.000 is 0 either way", ["0.000", "12"], ";", False, {}),
    ("0.500 is not", ["0.500"], ";", False, {0: 0}),
]


@pytest.mark.parametrize(
    ("cells", "delimiter", "comma", "ambiguous"),
    [c[1:] for c in DECIMAL_CASES],
    ids=[c[0] for c in DECIMAL_CASES],
)
def test_decimal_separator_detection(
    cells: list[str], delimiter: str, comma: bool, ambiguous: dict[int, int]
) -> None:
    import pyarrow as pa

    from epmo.readers import detect_decimal_comma

    assert detect_decimal_comma(pa.table({"c0": cells}), delimiter) == (comma, ambiguous)


def _semicolon(budget: str, name: str = "Project P1", **cells: str) -> bytes:
    row = project_row("P1", budget_bac="BUDGET", project_name=name, **cells).replace(",", ";")
    return (PROJECT_HEADER.replace(",", ";") + "\n" + row.replace("BUDGET", budget) + "\n").encode()


def test_a_number_that_reads_a_thousand_times_either_way_is_refused_at_its_cell(store: Store) -> None:
    """A European semicolon file writes 283.000 for 283000, a file with a decimal point 283.0:
    with no other number in the file to say which, it was read as 283, a thousand times too
    small and without a word. Now refused at the cell, with both readings and the fixes."""
    outcome = check_upload(store, "eu.csv", _semicolon("283.000"), as_of=WEEK)
    assert outcome.status != VALID
    [issue] = [i for i in outcome.report.issues if i.rule == "number_separator_ambiguous"]
    assert (issue.row, issue.column, issue.value) == (2, "budget_bac", "283.000")
    assert issue.cell.endswith("2") and "283 (a decimal point) or 283000" in issue.message
    assert ingest(store, "eu.csv", _semicolon("283.000"), as_of=WEEK).status != ACCEPTED
    assert store.rows("ledger/upload_count")[0]["upload_count"] == 0  # nothing stored
    # a text column may hold such a value (a version, a code): not a number, not refused
    assert check_upload(store, "eu.csv", _semicolon("283000", name="1.100"), as_of=WEEK).status == VALID


@pytest.mark.parametrize(
    ("budget", "decimal", "stored"),
    [
        ("283.000", ".", 283.0),  # the mapping says: a decimal point
        ("283.000", ",", 283000.0),  # the mapping says: a decimal comma
        ("€ 283.000,00", None, 283000.0),  # the file says: a decimal comma
        ("1.283.000", None, 1283000.0),  # the file says: thousands dots
        ("283000", None, 283000.0),
    ],
)
def test_the_decimal_separator_from_the_file_or_the_mapping(
    store: Store, budget: str, decimal: str | None, stored: float
) -> None:
    mapping = Mapping(name="eu", decimal=decimal)
    outcome = check_upload(store, "eu.csv", _semicolon(budget), as_of=WEEK, mapping=mapping)
    assert outcome.status == VALID, outcome.report.to_text()
    assert outcome.tables["projects"]["budget_bac"].to_pylist() == [stored]


def _workbook_with_errors(errors: dict[str, str], extra: str = "") -> bytes:
    """A projects sheet of one row whose cells named in `errors` hold a failed formula."""
    import xlsxwriter

    header = PROJECT_HEADER.split(",") + ([extra] if extra else [])
    values = project_row("P1").split(",") + (["note"] if extra else [])
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("projects")
    ws.write_row(0, 0, header)
    for j, (h, v) in enumerate(zip(header, values, strict=True)):
        if h in errors:
            ws.write_formula(1, j, "=1/0", None, errors[h])
        else:
            ws.write_string(1, j, v)
    wb.close()
    return buf.getvalue()


@pytest.mark.parametrize(
    ("errors", "refused"),
    [
        ({"budget_bac": "#REF!"}, [("budget_bac", "#REF!")]),  # was "Required value is blank"
        (
            {"actual_cost": "#DIV/0!", "project_name": "#N/A"},
            [("project_name", "#N/A"), ("actual_cost", "#DIV/0!")],
        ),
        ({"Notes": "#VALUE!"}, []),  # a column the upload does not use
    ],
)
def test_excel_error_cells_are_refused_where_they_are(
    store: Store, errors: dict[str, str], refused: list[tuple[str, str]]
) -> None:
    """A failed formula's cell was read as blank: #DIV/0! stored nothing in silence, #REF! in
    a required cell said it was blank."""
    data = _workbook_with_errors(errors, extra="Notes")
    outcome = check_upload(store, "week.xlsx", data, as_of=WEEK)
    hits = [(i.column, i.value) for i in outcome.report.issues if i.rule == "excel_error"]
    assert sorted(hits) == sorted(refused), outcome.report.to_text()
    assert (outcome.status == VALID) == (not refused)
    for i in outcome.report.issues:
        if i.rule == "excel_error":
            assert i.sheet == "projects" and i.row == 2 and i.cell.endswith("2")


def test_an_excel_error_in_a_csv_is_refused_unless_the_mapping_reads_it_as_blank(store: Store) -> None:
    text = PROJECT_HEADER + ",forecast_eac\n" + project_row("P1") + ",#N/A\n"
    outcome = check_upload(store, "p.csv", text.encode(), as_of=WEEK)
    assert [i.rule for i in outcome.report.issues] == ["excel_error"]
    blank = Mapping(name="na", blank_values=["#N/A"])
    assert check_upload(store, "p.csv", text.encode(), as_of=WEEK, mapping=blank).status == VALID


def test_excel_errors_below_the_data_or_in_an_unused_column_change_nothing(store: Store) -> None:
    """A helper column whose formula was copied past the data (Excel caches #DIV/0! in each
    copy) made those blank rows data rows, every required cell of them "blank"."""
    import xlsxwriter

    from epmo import isolate, readers

    header = PROJECT_HEADER.split(",") + ["CPI"]
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("projects")
    ws.write_row(0, 0, header)
    ws.write_row(1, 0, project_row("P1").split(","))
    for r in range(1, 12):  # the data row and ten rows below it
        ws.write_formula(r, len(header) - 1, "=1/0", None, "#DIV/0!")
    wb.close()
    data = buf.getvalue()
    outcome = check_upload(store, "week.xlsx", data, as_of=WEEK)
    assert outcome.status == VALID, outcome.report.to_text()
    assert outcome.report.row_counts == {"projects": 1}
    [here] = readers.read_upload("week.xlsx", data)
    [there] = isolate.read_upload("week.xlsx", data)  # through the parse child
    assert here.excel_errors == there.excel_errors == {(0, len(header) - 1): "#DIV/0!"}


def _two_row_workbook(header_extra: str, errors: dict[tuple[int, str], str]) -> bytes:
    """Rows P0 (a TOTAL row to drop in one case) and P1, with an extra column; `errors`:
    (data row, header) -> a failed formula's cached error."""
    import xlsxwriter

    header = PROJECT_HEADER.split(",") + [header_extra]
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("projects")
    ws.write_row(0, 0, header)
    for r, pid in enumerate(["TOTAL", "P1"], start=1):
        for j, (h, v) in enumerate(zip(header, project_row(pid).split(",") + ["x"], strict=True)):
            if (r, h) in errors:
                ws.write_formula(r, j, "=1/0", None, errors[(r, h)])
            else:
                ws.write_string(r, j, v)
    wb.close()
    return buf.getvalue()


@pytest.mark.parametrize(
    ("mapping", "errors", "refused"),
    [
        # a fallback's source: at its own cell (it went unreported)
        (
            Mapping(name="m", fallbacks={"earned_value": ["EV alt"]}, drop_rows={"project_id": ["TOTAL"]}),
            {(2, "EV alt"): "#DIV/0!"},
            [("EV alt", "L3")],
        ),
        # rows dropped above it: still at its row (the error was lost)
        (
            Mapping(name="m", drop_rows={"project_id": ["TOTAL"]}),
            {(2, "actual_cost"): "#REF!"},
            [("actual_cost", "J3")],
        ),
        # the mapping reads it as blank on purpose
        (
            Mapping(name="m", blank_values=["#DIV/0!"], drop_rows={"project_id": ["TOTAL"]}),
            {(2, "EV alt"): "#DIV/0!"},
            [],
        ),
    ],
)
def test_excel_errors_through_a_mapping(
    store: Store, mapping: Mapping, errors: dict[tuple[int, str], str], refused: list[tuple[str, str]]
) -> None:
    data = _two_row_workbook("EV alt", errors)
    outcome = check_upload(store, "week.xlsx", data, as_of=WEEK, mapping=mapping)
    found = [(i.column, i.cell) for i in outcome.report.issues if i.rule == "excel_error"]
    assert found == refused, outcome.report.to_text()
