"""Real foreign exports through the mappings shipped in mappings/, with no code: each
file is uploaded as it is, with only the mapping's name. The cores of the files live in
tests/fixtures/ (see its README) so the cases run everywhere; the whole files run too when
../shared/reference-data is present (skipped with the reason otherwise)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from epmo.ingest import ACCEPTED, REJECTED, check_upload, ingest
from epmo.mapping import Mapping, shipped
from epmo.store import Store

WEEK = dt.date(2026, 11, 20)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REFERENCE = Path(__file__).resolve().parents[2].parent.parent / "shared" / "reference-data"
if not REFERENCE.is_dir():  # a worktree sits one level deeper than the main checkout
    REFERENCE = Path("/work/shared/reference-data")


def _zip_folder(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f.name)
    return buf.getvalue()


def _read(path: Path) -> bytes:
    return _zip_folder(path) if path.is_dir() else path.read_bytes()


def _project(store: Store, pid: str) -> dict[str, object]:
    rows = [r for r in store.rows("export/projects", as_of=WEEK) if r["project_id"] == pid]
    assert rows, pid
    return rows[0]


# (mapping, fixture, rows stored, {project_id: {column: value}})
FIXTURE_CASES = [
    (
        "us_itdashboard",
        "us_itdashboard_sample.csv",
        4,  # of 6: no start date, and completed before it started, are left out and listed
        {
            "656": {
                "project_name": "AMS Infrastructure WAN and DMZ (AMSWAN): Operations",
                "portfolio": "United States Department of Agriculture",
                "budget_bac": 15_297_000.0,
                "forecast_eac": 15_297_000.0,
            }
        },
    ),
    (
        "melbourne_water_capital",
        "melbourne_water_sample.csv",
        5,
        {
            "Q05388": {
                "budget_bac": 2_359_288.62,
                "start_date": dt.date(2016, 5, 25),
                "baseline_end_date": dt.date(2017, 12, 22),
                "portfolio": "Corporate Services",
            }
        },
    ),
    (
        "uk_gmpp_2014",
        "uk_gmpp_2014_sample.csv",
        5,
        {
            "FE Capital Investment Programme": {
                "portfolio": "BIS",
                "rag_overall": "Green",  # Amber/Green
                "budget_bac": 5_609_460_000.0,  # £5,609.46m
                "start_date": dt.date(2010, 5, 31),
                "baseline_end_date": dt.date(2015, 9, 1),
            },
            "Urenco Future Options": {"rag_overall": "Amber"},  # exempt: the mapping's default
        },
    ),
    (
        "uk_dwp_portfolio",
        "uk_dwp_sample",
        3,  # defaults.json, the template record, is left out
        {
            "carers-allowance": {
                "project_name": "Carer’s Allowance Digital Service",
                "stage": "Closing",
                "start_date": dt.date(2012, 9, 1),
                "forecast_end_date": dt.date(2014, 11, 1),
            },
            "fraud-error-service-work-management": {"start_date": dt.date(2016, 5, 1)},
        },
    ),
]


@pytest.mark.parametrize(
    ("mapping", "fixture", "rows", "expected"), FIXTURE_CASES, ids=[c[0] for c in FIXTURE_CASES]
)
def test_fixture_imports_through_its_shipped_mapping(
    store: Store, mapping: str, fixture: str, rows: int, expected: dict[str, dict[str, object]]
) -> None:
    path = FIXTURES / fixture
    name = path.name + (".zip" if path.is_dir() else "")
    outcome = ingest(store, name, _read(path), as_of=WEEK, mapping=shipped()[mapping])
    assert outcome.status == ACCEPTED, outcome.report.to_text(limit=20)
    assert outcome.report.row_counts == {"projects": rows}
    for pid, values in expected.items():
        got = _project(store, pid)
        for col, value in values.items():
            assert got[col] == value, (pid, col, got[col])


def test_itdashboard_rows_left_out_are_listed_with_the_sources_own_headers(store: Store) -> None:
    outcome = check_upload(
        store,
        "sample.csv",
        (FIXTURES / "us_itdashboard_sample.csv").read_bytes(),
        as_of=WEEK,
        mapping=shipped()["us_itdashboard"],
    )
    left = [i for i in outcome.report.issues if i.message.startswith("Row left out")]
    assert {i.column for i in left} >= {"Start Date", "Completion Date (B1)"}
    assert all(i.severity == "warning" and i.cell for i in left if i.column == "Start Date")


# (mapping, path under reference-data, status, projects stored)
REAL_CASES = [
    ("us_itdashboard", "us_itdashboard_comp6214/Projects_CW1_cleaned_by_student.csv", ACCEPTED, 2409),
    (
        "melbourne_water_capital",
        "melbourne_water_capital_delivery/Capital_Delivery_Project_deidentified.csv",
        ACCEPTED,
        445,
    ),
    ("uk_gmpp_2014", "foreign/portfolio/uk-gmpp-mpa-2014-transposed.csv", ACCEPTED, 199),
    ("uk_dwp_portfolio", "foreign/portfolio/uk-dwp-digital-portfolio-2018", ACCEPTED, 19),
    # the deliberately damaged copy: title lines skipped, then refused with the line it reads
    ("us_itdashboard", "us_itdashboard_comp6214/Projects_CW1_MessedUp_raw.csv", REJECTED, 0),
]


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"the reference data ({REFERENCE}) is not on this machine")
@pytest.mark.parametrize(
    ("mapping", "rel", "status", "rows"), REAL_CASES, ids=[c[1].split("/")[-1] for c in REAL_CASES]
)
def test_real_file_imports_through_its_shipped_mapping(
    store: Store, mapping: str, rel: str, status: str, rows: int
) -> None:
    path = REFERENCE / rel
    name = path.name + (".zip" if path.is_dir() else "")
    outcome = ingest(store, name, _read(path), as_of=WEEK, mapping=shipped()[mapping])
    assert outcome.status == status, outcome.report.to_text(limit=20)
    if status == ACCEPTED:
        assert outcome.report.row_counts == {"projects": rows}
        assert len(store.rows("export/projects", as_of=WEEK)) == rows
    else:
        assert "like the header row (line 6)" in outcome.report.to_text()


@pytest.mark.parametrize(
    ("mapping", "fixture", "rows", "expected"), FIXTURE_CASES, ids=[c[0] for c in FIXTURE_CASES]
)
def test_the_mapper_table_gives_back_the_mapping(
    store: Store, mapping: str, fixture: str, rows: int, expected: dict[str, dict[str, object]]
) -> None:
    """The Mapper page's table for a shipped mapping, unedited, imports the file the same way
    (the page edits a mapping through these rows); ignoring a column there drops it."""
    from epmo import mapper

    path = FIXTURES / fixture
    name = path.name + (".zip" if path.is_dir() else "")
    data = _read(path)
    base = shipped()[mapping]
    (sheet,) = [s for s in mapper.read(name, data)]
    rows_ = mapper.choices(sheet, base)
    again = mapper.to_mapping(base, rows_, sheet)
    first = mapper.preview(store, name, [sheet], base)
    second = mapper.preview(store, name, [sheet], again)
    assert (
        (second.table, second.row_count)
        == (first.table, first.row_count)
        == ("projects", rows + (2 if mapping == "us_itdashboard" else 0))
    )
    assert second.rows.equals(first.rows)
    assert not [i for i in second.issues if i.severity == "error"]
    # an explicit "ignore" beats what the mapping (or a synonym) made of the column
    target = next(
        r for r in rows_ if r.target not in (mapper.AUTO, mapper.IGNORE) and r.target not in ("project_id",)
    )
    target.target = mapper.IGNORE
    dropped = mapper.preview(store, name, [sheet], mapper.to_mapping(base, rows_, sheet))
    assert target.header not in dropped.recognised


def test_the_cli_finds_a_shipped_mapping_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from epmo.cli import main

    store = str(tmp_path / "store")
    code = main(
        [
            "ingest",
            str(FIXTURES / "uk_gmpp_2014_sample.csv"),
            "--as-of",
            str(WEEK),
            "--mapping",
            "uk_gmpp_2014",
            "--store",
            store,
        ]
    )
    assert code == 0, capsys.readouterr()
    assert main(["mappings", "--store", store]) == 0
    assert "uk_gmpp_2014\t(shipped)" in capsys.readouterr().out


def _view_file() -> tuple[str, bytes]:
    from tests.conftest import csv_of, project

    rows = [project("V1"), project("V2", budget_bac="lots"), project("V3", budget_bac="many")]
    return "register.csv", csv_of(rows)


@pytest.mark.parametrize(
    ("case", "mapping", "check_all", "shown", "expected"),
    [
        ("a mapping naming no contract column", Mapping(columns={"Budget": "budget"}), True, None, None),
        ("the preview alone", Mapping(), False, 200, None),
        ("the whole file checked", Mapping(), True, 200, [3, 4]),
        ("the whole file checked, past what is shown", Mapping(), True, 1, [3]),
    ],
)
def test_the_mapper_view_is_one_call(
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    mapping: Mapping,
    check_all: bool,
    shown: int | None,
    expected: list[int] | None,
) -> None:
    """What the Mapper page shows under its editor comes from one call (mapper.view): the
    mapping's own problems, else its preview and, when asked, the rows the upload would
    refuse, as a person reads them, at most ISSUES_SHOWN of them."""
    import datetime as dt

    from epmo import mapper

    name, data = _view_file()
    sheets = mapper.read(name, data)
    if shown is not None:
        monkeypatch.setattr(mapper, "ISSUES_SHOWN", shown)
    got = mapper.view(store, name, data, sheets, mapping, check_all=check_all, as_of=dt.date(2026, 11, 20))
    if shown is None:
        assert got.problems == ["columns: 'Budget' maps to 'budget', which is not a contract column"], case
        assert got.preview is None and got.issues is None
        return
    assert not got.problems and got.preview is not None
    assert (got.preview.table, got.preview.row_count) == ("projects", 3)
    if expected is None:
        assert got.issues is None
        return
    assert got.issues is not None
    errors = got.issues[got.issues["severity"] == "error"]
    assert errors["row"].tolist() == expected, case
    assert list(got.issues.columns) == ["severity", "row", "column", "cell", "value", "problem"]
    assert set(errors["value"]) <= {"lots", "many"}


@pytest.mark.parametrize(
    ("cell", "value", "rule"),
    [
        ((6, 3), "32/13/2010", "not_a_date"),  # C6: the Francis Crick Institute's start date
        ((13, 4), "abc", "not_a_number"),  # D13: Green Investment Bank's whole-life cost
        ((7, 5), "31/12/20155", "not_a_date"),  # E7: HE Reform Programme's end date
    ],
)
def test_a_transposed_register_s_problems_are_at_its_own_cells(
    store: Store, cell: tuple[int, int], value: str, rule: str
) -> None:
    """GMPP has one project per column: a bad start date in C6 was reported as 'row 3 ...
    (F3)', the transposed grid's cell, and the date-order note cited G2 for a date in B7."""
    import csv

    raw = (FIXTURES / "uk_gmpp_2014_sample.csv").read_bytes().decode("cp1252")
    rows = list(csv.reader(io.StringIO(raw)))
    row, column = cell
    rows[row - 1][column - 1] = value
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    out = check_upload(
        store, "gmpp.csv", buf.getvalue().encode("cp1252"), as_of=WEEK, mapping=shipped()["uk_gmpp_2014"]
    )
    found = [(i.row, i.cell, i.value) for i in out.report.issues if i.rule == rule]
    assert found == [(row, f"{'ABCDEFG'[column - 1]}{row}", value)], out.report.to_text()
    [note] = [i for i in out.report.issues if i.rule == "date_ambiguous"]
    assert "'01/09/2015' in column 'Project - End Date" in note.message and "cell B7" in note.message


def test_a_transposed_record_s_own_warning_is_at_its_column(store: Store) -> None:
    """A warning about a whole record (the optional values it no longer gives) said "row 2",
    the transposed grid's row: in the file, row 2 is the Department row and the record is
    a column."""
    import csv

    data = (FIXTURES / "uk_gmpp_2014_sample.csv").read_bytes()
    gmpp = shipped()["uk_gmpp_2014"]
    assert ingest(store, "gmpp.csv", data, as_of=WEEK - dt.timedelta(days=7), mapping=gmpp).status == ACCEPTED
    rows = list(csv.reader(io.StringIO(data.decode("cp1252"))))
    without = [r for r in rows if not r[0].startswith("Departmental comment")]
    assert len(without) == len(rows) - 1
    buf = io.StringIO()
    csv.writer(buf).writerows(without)
    out = check_upload(store, "gmpp.csv", buf.getvalue().encode("cp1252"), as_of=WEEK, mapping=gmpp)
    cleared = [i for i in out.report.issues if i.rule == "values_cleared"]
    assert cleared, out.report.to_text()
    first = rows[0][1]
    assert [(i.row, i.column, i.cell) for i in cleared] == [(1, first, "B1")], out.report.to_text()
