"""The command line: exit codes, reports, templates, exports."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from epmo.cli import main
from epmo.store import Store
from tests.conftest import WEEK, project_row, projects_csv


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "projects.csv"
    good.write_bytes(projects_csv(project_row("P1")))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(projects_csv(project_row("P1", rag_overall="Blue")))
    return {"good": good, "bad": bad, "store": tmp_path / "store", "dir": tmp_path}


def test_ingest_exit_codes_and_report(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    store = str(files["store"])
    report = files["dir"] / "report.json"
    assert (
        main(["ingest", str(files["bad"]), "--as-of", str(WEEK), "--store", store, "--report", str(report)])
        == 2
    )
    err = capsys.readouterr().err
    assert "rag_overall" in err and "Blue" in err
    data = json.loads(report.read_text())
    assert data["status"] == "rejected" and data["errors"] == 1
    assert data["issues"][0]["cell"].endswith("2")
    assert (
        main(["ingest", str(files["good"]), "--as-of", str(WEEK), "--store", store, "--user", "a@b.org"]) == 0
    )
    assert "accepted upload" in capsys.readouterr().out


def test_validate_writes_nothing(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    store = files["store"]
    assert main(["validate", str(files["good"]), "--as-of", str(WEEK), "--store", str(store)]) == 0
    assert "dry run" in capsys.readouterr().out
    assert not any(p.suffix == ".parquet" for p in store.rglob("*"))


@pytest.mark.parametrize("as_of", ["9999-12-31", "1900-01-05"])
def test_absurd_as_of_exits_2_and_writes_nothing(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, as_of: str
) -> None:
    monkeypatch.setenv("EPMO_TODAY", "2026-11-29")
    store = files["store"]
    assert main(["ingest", str(files["good"]), "--as-of", as_of, "--store", str(store)]) == 2
    err = capsys.readouterr().err
    day = dt.date.fromisoformat(as_of)
    assert f"The as-of date {day:%d %b %Y}" in err and "Check the year" in err  # as the app writes dates
    assert not any(p.suffix == ".parquet" for p in store.rglob("*"))


@pytest.mark.parametrize("who", ["a b@example.org", "<b>x</b>", "pm@example\u200b.org"])
def test_an_acting_person_who_is_no_address_is_refused_and_nothing_written(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], who: str
) -> None:
    """In demo mode (no access list) `--as` was recorded as given: 'a b@example.org' or a
    tag became the uploader in the ledger and the audit trail."""
    store = files["store"]
    assert main(["ingest", str(files["good"]), "--as-of", str(WEEK), "--store", str(store), "--as", who]) == 2
    assert "--as: not an email address or user name" in capsys.readouterr().err
    assert not any(p.suffix == ".parquet" for p in store.rglob("*"))


def test_missing_file_and_unknown_mapping_exit_2(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(files["dir"] / "nope.csv"), "--store", str(files["store"])]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["ingest", str(files["good"]), "--mapping", "nope", "--store", str(files["store"])]) == 2
    assert "no saved mapping" in capsys.readouterr().err


def test_templates_and_export(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out = files["dir"] / "templates"
    assert main(["templates", str(out)]) == 0
    assert (out / "projects.csv").exists() and (out / "epmo_weekly_extract_template.xlsx").exists()
    store = str(files["store"])
    main(["ingest", str(files["good"]), "--as-of", str(WEEK), "--store", store])
    capsys.readouterr()
    assert main(["export", "projects", "--as-of", str(WEEK), "--store", store]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].startswith("project_id,") and "as_of_date" in text and "weeks_stale" in text
    xlsx = files["dir"] / "p.xlsx"
    assert main(["export", "uploads", "--store", store, "--format", "xlsx", "--out", str(xlsx)]) == 0
    assert xlsx.read_bytes()[:2] == b"PK"
    assert main(["export", "projects", "--store", store, "--format", "json"]) == 0


def test_mapping_save_and_use(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    store = str(files["store"])
    spec = files["dir"] / "m.json"
    spec.write_text(json.dumps({"columns": {"Ref": "project_id"}}))
    assert main(["mappings", "save", "refs", str(spec), "--store", store, "--user", "an@x.org"]) == 0
    assert main(["mappings", "--store", store]) == 0
    assert "refs" in capsys.readouterr().out
    renamed = files["dir"] / "renamed.csv"
    renamed.write_bytes(files["good"].read_bytes().replace(b"project_id", b"Ref", 1))
    assert main(["validate", str(renamed), "--as-of", str(WEEK), "--mapping", "refs", "--store", store]) == 0


def test_retract_via_cli(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    store = str(files["store"])
    report = files["dir"] / "r.json"
    main(["ingest", str(files["good"]), "--as-of", str(WEEK), "--store", store, "--report", str(report)])
    upload_id = json.loads(report.read_text())["upload_id"]
    # a blank reason: refused, as on the page (the audit row recorded an empty one)
    assert main(["retract", upload_id, "--reason", "  ", "--store", store]) == 2
    assert "give a reason for the retraction" in capsys.readouterr().err
    assert main(["retract", upload_id, "--reason", "test", "--store", store]) == 0
    assert main(["retract", upload_id, "--reason", "again", "--store", store]) == 2
    assert "already retracted" in capsys.readouterr().err


def test_check_refuses_a_portfolio_scoped_identity(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run as a scoped pm or analyst, `check` read a scoped view of the store and reported 525
    upload_rows_mismatch failures (and counts of rows outside the scope)."""
    from epmo import access

    store = demo_store
    boot = access.demo_identity(via="cli")
    access.grant(store, boot, "boss@example.org", "admin")
    boss = access.cli_identity(store, "boss@example.org")
    access.grant(store, boss, "an@example.org", "analyst", ["Corporate Systems"])
    assert main(["check", "--store", store.uri, "--as", "an@example.org"]) == 2
    assert (
        "check reads the whole store; an@example.org sees only Corporate Systems" in capsys.readouterr().err
    )
    assert main(["check", "--store", store.uri, "--as", "boss@example.org"]) == 0


# Each export of the capacity, priority and flow pages and the page-data frame the page shows:
# the command line computes them through epmo.pagedata, as the health exports do.
def _page_frames(con, as_of):  # type: ignore[no-untyped-def]
    from epmo.pagedata import Filters, capacity, flow, priority

    f = Filters(as_of)
    heat = capacity.heatmap(con, f, capacity.View())
    return {
        "capacity_utilisation": heat.cells,
        "capacity_shortage": heat.shortage,
        "priority_scores": priority.ranking(con, f).ranked,
        "efficient_frontier": priority.frontier(con, f).frontier,
        "flow_metrics": flow.flow(con, f, by="project").summary,
        "flow_forecast": flow.flow(con, f).forecasts,
    }


EXPORTS_FROM_PAGES = (
    "capacity_utilisation",
    "capacity_shortage",
    "priority_scores",
    "efficient_frontier",
    "flow_metrics",
    "flow_forecast",
)


@pytest.fixture(scope="module")
def exported_and_shown(
    _demo_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[object, object]]:
    import shutil

    from epmo import export
    from epmo.store import Store
    from tests.conftest import DEMO_END

    dest = tmp_path_factory.mktemp("exports") / "demo_store"
    shutil.copytree(_demo_template, dest)
    store = Store(str(dest))
    con = store.connect()
    try:
        pages = _page_frames(con, DEMO_END)
    finally:
        con.close()
    return {v: (export.view_frame(store, v, DEMO_END), pages[v]) for v in EXPORTS_FROM_PAGES}


@pytest.mark.parametrize("view", EXPORTS_FROM_PAGES)
def test_export_equals_the_page_data_frame(view: str, exported_and_shown) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    out, page = exported_and_shown[view]
    assert len(out) > 0, f"{view}: the demo store should give rows to compare"
    shown = page[[c for c in out.columns if c in page.columns]].reset_index(drop=True)
    if view == "priority_scores":
        shown = shown.assign(model=out["model"].tolist())  # the export names the model it used
    pd.testing.assert_frame_equal(out.reset_index(drop=True), shown)


def test_the_command_line_starts_without_importing_pandas() -> None:
    """`import epmo.cli` (what every command, an ingest included, waits for before it can
    start) leaves pandas out: 0.2 s. pyarrow still imports it when it first builds an array
    from Python values; in an ingest that happens on the thread that opens the store while
    the parse child reads the file, off the upload's path."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    script = "import sys, epmo.cli; print('pandas' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False", done.stderr


@pytest.mark.parametrize("report", [False, True])
def test_a_long_report_says_where_the_rest_is(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], report: bool
) -> None:
    """The report said "see the JSON report" when no --report was asked for."""
    from tests.conftest import project_row, projects_csv

    bad = tmp_path / "bad.csv"
    bad.write_bytes(projects_csv(*[project_row(f"P{i}", start_date="soon") for i in range(250)]))
    args = ["validate", str(bad), "--store", store.uri, "--as-of", "2026-11-20"]
    if report:
        args += ["--report", str(tmp_path / "r.json")]
    assert main(args) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == (
        f"... and 50 more; {tmp_path / 'r.json'} has all of them."
        if report
        else "... and 50 more; --report PATH writes all of them."
    )


def test_workflows_save_show_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Saving from a missing file said "no saved workflow named '/tmp/x.json'", a .txt file was
    looked for as x.txt.json, and a saved workflow could not be read back."""
    store = str(tmp_path / "store")
    missing = tmp_path / "nope.json"
    assert main(["workflows", "save", "pay", str(missing), "--store", store]) == 2
    assert f"no file '{missing}'" in capsys.readouterr().err
    spec = tmp_path / "wf.txt"
    spec.write_text(
        json.dumps(
            {
                "statuses": ["To Do", "Doing", "Done"],
                "started": "Doing",
                "done": "Done",
                "project_keys": {"PAY": "P1"},
            }
        )
    )
    assert main(["workflows", "save", "pay", str(spec), "--store", store]) == 0
    capsys.readouterr()
    assert main(["workflows", "show", "pay", "--store", store]) == 0
    assert json.loads(capsys.readouterr().out)["statuses"] == ["To Do", "Doing", "Done"]
    assert main(["workflows", "--store", store]) == 0
    assert "statuses: To Do > Doing > Done\tproject keys: PAY->P1" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "projects"],
        ["export", "uploads", "--format", "json"],
        ["access", "list"],
        ["access", "history"],
        ["sql", "SELECT 1"],
        ["check"],
    ],
    ids=lambda a: " ".join(a),
)
@pytest.mark.parametrize("where", ["missing", "not a store"])
def test_a_command_that_reads_the_store_refuses_a_path_without_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], where: str
) -> None:
    """A mistyped --store made `export` print an empty table and exit 0 (a scheduled export
    job then mails empty reports); `access list` printed the demo-mode note."""
    root = tmp_path / "store"
    if where == "not a store":
        root.mkdir()
        (root / "file.txt").write_text("hi")
    assert main([*argv, "--store", str(root)]) == 2
    err = capsys.readouterr().err
    assert f"no store at {root}" in err, err


@pytest.mark.parametrize("days_after", [0, 3, 14])
def test_commands_without_as_of_read_the_week_the_app_and_pack_open_on(
    demo_store: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, days_after: int
) -> None:
    """`export`, `sql` and `optimise` without --as-of read the latest Friday, where Home and
    the pack open on the newest reported week: on the Friday after the last reports, before
    anyone had reported, every project was 'missing' in the export and reported on screen."""
    from epmo import clock
    from epmo.ingest import default_week
    from tests.conftest import DEMO_END

    monkeypatch.setenv(clock.ENV, (DEMO_END + dt.timedelta(days=days_after)).isoformat())
    weeks = [r["as_of_date"] for r in demo_store.rows("ledger/reporting_weeks")]
    opening = default_week(weeks)
    assert opening == DEMO_END
    store = ["--store", demo_store.uri, "--format", "json"]
    for command in (
        ["export", "submission_status"],
        ["sql", "SELECT count(*) AS n FROM projects WHERE weeks_stale = 0"],
    ):
        assert main([*command, *store]) == 0
        implicit = capsys.readouterr().out
        assert main([*command, *store, "--as-of", str(opening)]) == 0
        assert implicit == capsys.readouterr().out, command
