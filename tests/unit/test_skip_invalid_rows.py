"""A mapping's skip_invalid_rows: each row that fails an error-level rule is left out of what
is stored, its problems kept as warnings that say so; the rows that pass are stored once; a
problem that is not a row's (a missing column, the report's cap) still refuses the upload."""

from __future__ import annotations

from pathlib import Path

import pytest

from epmo import settings
from epmo.ingest import ACCEPTED, REJECTED, VALID, check_upload, ingest
from epmo.mapping import Mapping
from epmo.store import Store
from tests.conftest import PROJECT_HEADER, WEEK, project_row, projects_csv
from tests.hostile_files import inline, xlsx

SKIP = Mapping(name="skipper", skip_invalid_rows=True)
BAD_DATE = {"start_date": "2026-13-45"}
BAD_NUMBER = {"budget_bac": "a lot"}


def _workbook(*rows: dict[str, str]) -> bytes:
    headers = PROJECT_HEADER.split(",")
    lines = [headers] + [project_row(**r).split(",") for r in rows]
    body = "".join(
        f'<row r="{i}">' + "".join(inline(f"{chr(65 + j)}{i}", v) for j, v in enumerate(values)) + "</row>"
        for i, values in enumerate(lines, start=1)
    )
    return xlsx(body, sheet="projects")


def _stored(store: Store, query: str) -> list[object]:
    """The first column of `query` over what the store holds now."""
    con = store.connect()
    try:
        return [r[0] for r in con.sql(query).fetchall()]
    finally:
        con.close()


def _csv(*rows: dict[str, str]) -> bytes:
    return projects_csv(*(project_row(**r) for r in rows))


CASES = [
    # (case, file name, builder, rows, stored project ids, rows left out)
    (
        "one bad date",
        "p.csv",
        _csv,
        [{"pid": "P1"}, {"pid": "P2", **BAD_DATE}, {"pid": "P3"}],
        ["P1", "P3"],
        1,
    ),
    (
        "two rows, two rules",
        "p.csv",
        _csv,
        [{"pid": "P1", **BAD_NUMBER}, {"pid": "P2", **BAD_DATE}, {"pid": "P3"}],
        ["P3"],
        2,
    ),
    (
        "one row, two problems",
        "p.csv",
        _csv,
        [{"pid": "P1", **BAD_NUMBER, **BAD_DATE}, {"pid": "P2"}],
        ["P2"],
        1,
    ),
    ("nothing to leave out", "p.csv", _csv, [{"pid": "P1"}, {"pid": "P2"}], ["P1", "P2"], 0),
    ("a workbook's sheet", "p.xlsx", _workbook, [{"pid": "P1"}, {"pid": "P2", **BAD_DATE}], ["P1"], 1),
]


@pytest.mark.parametrize(
    ("case", "name", "build", "rows", "stored", "left_out"), CASES, ids=[c[0] for c in CASES]
)
def test_invalid_rows_are_left_out_and_the_rest_stored_once(
    store: Store,
    case: str,
    name: str,
    build: object,
    rows: list[dict[str, str]],
    stored: list[str],
    left_out: int,
) -> None:
    data = build(*rows)  # type: ignore[operator]
    strict = check_upload(store, name, data, as_of=WEEK)
    assert strict.status == (VALID if left_out == 0 else REJECTED), strict.report.to_text()

    outcome = ingest(store, name, data, as_of=WEEK, mapping=SKIP, user_email="pm@example.org")
    assert outcome.status == ACCEPTED, outcome.report.to_text()
    said = [i for i in outcome.report.issues if i.message.startswith("Row left out")]
    assert len({i.row for i in said}) == left_out
    assert all(i.severity == "warning" for i in said)
    assert outcome.report.row_counts["projects"] == len(stored)
    assert sorted(_stored(store, "SELECT project_id FROM raw_projects")) == stored


def test_an_upload_whose_every_row_is_left_out_is_refused(store: Store) -> None:
    data = _csv({"pid": "P1", **BAD_DATE}, {"pid": "P2", **BAD_NUMBER})
    outcome = ingest(store, "p.csv", data, as_of=WEEK, mapping=SKIP)
    assert outcome.status == REJECTED
    assert [i.rule for i in outcome.report.issues if i.severity == "error"] == ["every_row_left_out"]
    assert "nothing would be stored" in outcome.report.to_text()
    assert _stored(store, "SELECT count(*) FROM accepted_uploads") == [0]


def test_a_problem_that_is_no_rows_still_refuses_the_upload(store: Store) -> None:
    # a required column missing: no row to leave out, so nothing is stored
    header = PROJECT_HEADER.replace(",rag_overall", "")
    data = (header + "\n" + project_row("P1").rsplit(",", 1)[0] + "\n").encode()
    outcome = ingest(store, "p.csv", data, as_of=WEEK, mapping=SKIP)
    assert outcome.status == REJECTED
    assert _stored(store, "SELECT count(*) FROM raw_projects") == [0]


@pytest.mark.parametrize(("bad", "status"), [(2, ACCEPTED), (3, ACCEPTED), (4, REJECTED), (6, REJECTED)])
def test_past_the_reports_cap_the_rows_are_not_all_known_so_nothing_is_stored(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: int, status: str
) -> None:
    """limits.max_report_issues = 3: up to 3 bad rows are left out by name; a fourth is past
    the report, could not be left out, and so refuses the whole upload."""
    rows = [{"pid": f"P{k}", **BAD_DATE} for k in range(bad)] + [{"pid": "OK"}]
    path = tmp_path / "settings.toml"
    path.write_text("[limits]\nmax_report_issues = 3\n")
    monkeypatch.setenv("EPMO_SETTINGS", str(path))
    settings.settings.cache_clear()
    try:
        outcome = ingest(store, "p.csv", _csv(*rows), as_of=WEEK, mapping=SKIP)
    finally:
        monkeypatch.delenv("EPMO_SETTINGS")
        settings.settings.cache_clear()
    assert outcome.status == status, outcome.report.to_text()
    assert _stored(store, "SELECT project_id FROM raw_projects") == (["OK"] if status == ACCEPTED else [])
    if status == REJECTED:
        assert outcome.report.truncated
