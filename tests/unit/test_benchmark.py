"""The benchmark harness: its pandas reference is honest (same figures as the pages), and a
quick smoke run at small scale writes every section of the JSON and the markdown."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from bench.harness import runner
from epmo import pagedata
from epmo.store import Store

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def ref() -> Any:
    return runner.load_reference()


@pytest.fixture(scope="module")
def both(_demo_template: Path, ref: Any) -> tuple[Any, Any]:
    uri = str(_demo_template)
    con = Store(uri).connect()
    yield con, ref.load(uri)
    con.close()


HEADLINE = [
    "project_count",
    "reporting_count",
    "stale_count",
    "total_bac",
    *[f"declared_{r}_count" for r in ("red", "amber", "green")],
]


@pytest.mark.parametrize("week", [AS_OF, dt.date(2026, 10, 30), dt.date(2026, 6, 5)])
def test_reference_headline_equals_the_home_page(both: tuple[Any, Any], ref: Any, week: dt.date) -> None:
    con, tables = both
    page = pagedata.portfolio.home(con, pagedata.Filters(week)).headline
    mine = ref.home(tables, week)["headline"]
    assert int(page.iloc[0]["project_count"]) > 0
    for i in (0, 1):  # the week and the week before
        for col in HEADLINE:
            assert float(page.iloc[i][col]) == pytest.approx(mine[i][col]), (week, i, col)


def test_reference_projects_by_stage_equal_the_home_chart(both: tuple[Any, Any], ref: Any) -> None:
    con, tables = both
    page = pagedata.portfolio.home(con, pagedata.Filters(AS_OF)).by_stage
    mine = ref.home(tables, AS_OF)["by_stage"]
    assert int(page["project_count"].sum()) == int(mine["project_count"].sum())
    per_stage = page.groupby("stage")["project_count"].sum().sort_index()
    per_stage = per_stage[per_stage > 0]  # the chart lists every stage, also those with none
    assert per_stage.to_dict() == mine.groupby("stage")["project_count"].sum().sort_index().to_dict()


def test_reference_rag_matrix_equals_the_health_page(both: tuple[Any, Any], ref: Any) -> None:
    con, tables = both
    page = pagedata.portfolio.health_overview(con, pagedata.Filters(AS_OF)).matrix
    page = page[page["dimension"] != "Computed"]
    mine = ref.health_overview(tables, AS_OF)["matrix"]
    key = ["group_name", "dimension", "rag"]
    a = page.assign(rag=page["rag"].fillna("-")).set_index(key)["project_count"].sort_index()
    b = mine.rename(columns={"portfolio": "group_name"}).assign(rag=lambda x: x["rag"].fillna("-"))
    b = b.set_index(key)["project_count"].sort_index()
    assert len(a) > 10
    assert a.to_dict() == b.to_dict()


def test_reference_risk_grid_equals_the_health_page(both: tuple[Any, Any], ref: Any) -> None:
    con, tables = both
    page = pagedata.portfolio.health_raid(con, pagedata.Filters(AS_OF)).grid
    mine = ref.health_raid(tables, AS_OF)["grid"]
    key = ["probability", "impact"]
    assert int(page["risk_count"].sum()) > 0
    assert page.set_index(key)["risk_count"].to_dict() == mine.set_index(key)["risk_count"].to_dict()


def test_reference_declared_rag_changes_equal_what_changed(both: tuple[Any, Any], ref: Any) -> None:
    con, tables = both
    page = pagedata.portfolio.changes(con, pagedata.Filters(AS_OF)).changes
    mine = ref.changes(tables, AS_OF)
    flips = page[page["change_type"] == "rag_declared"]
    assert sorted(flips["project_id"]) == sorted(mine["rag_declared"]["project_id"])
    moves = page[page["change_type"] == "forecast_end"]
    assert sorted(moves["project_id"]) == sorted(mine["forecast_end"]["project_id"])


def test_reference_capacity_cells_equal_the_heatmap(both: tuple[Any, Any], ref: Any) -> None:
    con, tables = both
    page = pagedata.capacity.heatmap(con, pagedata.Filters(AS_OF)).cells
    mine = ref.capacity_heatmap(tables, AS_OF)["cells"]
    page = page.assign(period_start=pd.to_datetime(page["period_start"])).set_index(["role", "period_start"])
    mine = mine.set_index(["role", "period_start"])
    assert len(page) > 5 and set(page.index) == set(mine.index)
    for col in ("demand_hours", "capacity_hours"):
        a = page[col].fillna(0).sort_index()
        b = mine[col].fillna(0).reindex(a.index).round(1)
        assert (a - b).abs().max() <= 0.11, col  # the page rounds to 0.1 h
    assert float(page["demand_hours"].sum()) > 0


def test_every_page_function_returns_data(both: tuple[Any, Any]) -> None:
    con, _tables = both
    for name, (_file, func) in pagedata.PAGES.items():
        frames = func(con, pagedata.Filters(AS_OF)).frames()
        sizes = {k: len(v) for k, v in frames.items()}
        assert sizes and max(sizes.values()) > 0, (name, sizes)


def test_quick_smoke_run_writes_every_section(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "epmo",
            "bench",
            "--scale",
            "small",
            "--quick",
            "--skip-app",
            "--pages",
            "home,capacity_heatmap",
            "--stores",
            str(tmp_path / "stores"),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "skipped: --skip-app was given" in done.stdout
    result = json.loads((out / "latest.json").read_text())
    for section in ("machine", "config", "stores", "ingestion", "pages", "memory", "browser", "targets"):
        assert section in result, section
    assert result["machine"]["cores"] >= 1 and result["machine"]["packages"]["duckdb"]
    small = result["pages"]["small"]
    for kind in ("warm", "cold"):
        assert set(small[kind]) == {"home", "capacity_heatmap"}
        assert all(v["median_ms"] > 0 and v["p95_ms"] >= v["median_ms"] for v in small[kind].values())
    assert set(small["pandas"]["pages"]) == {"home", "capacity_heatmap"}
    ingested = {row["name"]: row for row in result["ingestion"]["rows"]}
    assert set(ingested) == {"ingest_csv", "ingest_xlsx"}
    assert all(row["seconds"] > 0 and row["baseline_seconds"] > 0 for row in ingested.values())
    md = (out / "benchmarks.md").read_text()
    for heading in ("## Run", "## Targets", "## Ingestion", "## Page data work", "## App memory"):
        assert heading in md
    assert "| small | home |" in md


def test_bench_rejects_an_unknown_page(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "epmo",
            "bench",
            "--scale",
            "small",
            "--pages",
            "nope",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "unknown page(s): nope" in done.stderr
    assert not (tmp_path / "latest.json").exists()


def test_the_hand_written_notes_in_the_benchmarks_doc_are_the_notes_files() -> None:
    """docs/benchmarks.md is generated (`make bench`): its hand-written sections come from
    bench/NOTES*.md. A section written only into the doc would be lost by the next run."""
    from bench.harness import report

    doc = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    generated = report.markdown(json.loads((ROOT / "bench" / "results" / "latest.json").read_text()))
    start = "## Profiling and fixes"
    assert start in doc and start in generated
    ours, theirs = doc[doc.index(start) :].splitlines(), generated[generated.index(start) :].splitlines()
    first = next(
        (i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b), min(len(ours), len(theirs))
    )
    assert ours == theirs, (
        f"docs/benchmarks.md line {doc[: doc.index(start)].count(chr(10)) + first + 1} differs from what "
        f"bench/NOTES*.md generate:\n  doc:   {ours[first : first + 1]}\n  notes: {theirs[first : first + 1]}\n"
        "Write the section in bench/NOTES.md, NOTES-ingestion.md or NOTES-load.md and copy it to the doc."
    )
