"""The benchmark's page-script timing (bench/page_scripts.py through
bench.harness.app.script_timing) runs each page with AppTest in its own process."""

from __future__ import annotations

import pytest

from bench.harness import app
from epmo.store import Store


def test_script_timing_runs_each_page(demo_store: Store) -> None:
    lines: list[str] = []
    pages = ["home", "health", "capacity"]
    out = app.script_timing(demo_store.uri, runs=2, log=lines.append, pages=pages)
    assert list(out["pages"]) == pages and out["runs"] == 2
    for page, fig in out["pages"].items():
        assert 0 < fig["rerun_median_ms"] <= fig["rerun_max_ms"], (page, fig)
        assert fig["first_run_ms"] > 0 and fig["runs"] == 2
    assert len(lines) == len(pages)


def test_script_timing_reports_a_page_that_fails(demo_store: Store) -> None:
    with pytest.raises(RuntimeError, match="no_such_page"):
        app.script_timing(demo_store.uri, runs=1, log=lambda _: None, pages=["no_such_page"])
