"""The benchmark's browser timing (bench.harness.app.chart_timing) against a real
`streamlit run`: every way of reaching a page is timed and gives plausible figures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.harness import app, runner

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group(name="e2e_b")]


def test_chart_timing_times_each_way_of_reaching_a_page(tmp_path: Path, e2e_demo_template: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(e2e_demo_template, store)  # the small demo, built once for the e2e suite
    lines: list[str] = []
    # two pages: "click in the navigation" goes from one to the other
    pages = {"": "Home", "capacity": "Capacity heatmap"}
    out = app.chart_timing(str(store), runs=1, log=lines.append, pages=pages)
    assert out["runs"] == 1 and list(out["modes"]) == list(app.MODES)
    assert set(out["pages"]) == set(pages.values())
    for title, fig in out["pages"].items():
        assert set(fig["modes"]) == set(app.MODES)
        for mode in app.MODES:
            runs = fig["modes"][mode]["runs_s"]
            assert len(runs) == 1 and 0.05 < runs[0] < 120, (title, mode, runs)
        assert any(line.strip().startswith(f"browser {title}") for line in lines)
    # the floor: a one-chart Streamlit page, by address and in a new browser
    assert set(out["baseline"]) == {"address", "first_visit"}
    for mode, fig in out["baseline"].items():
        assert len(fig["runs_s"]) == 1 and 0.05 < fig["median_s"] < 120, (mode, fig)
    targets = runner.evaluate(
        {"ingestion": {"rows": []}, "pages": {}, "memory": {}, "browser": out | {"scale": "medium"}}
    )
    chart_rows = [t for t in targets if "charts rendered" in t["target"]]
    assert len(chart_rows) == len(pages) * len(app.MODES)
    assert all("one-chart Streamlit page" in t["note"] for t in chart_rows if "sidebar" not in t["target"])
